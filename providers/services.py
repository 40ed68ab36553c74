"""Every change to providers' records. Views, API and tasks call these, nothing else.

Registration, verification by platform staff, exclusions, and the provider's team
(invitations and removals). Each function locks what it changes, checks who is acting and
the state, validates, and writes the audit entry in the same transaction; emails go after
the transaction commits, so nobody is told about a change that was rolled back.
"""

import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.choices import PROVIDER_ROLES, Role
from accounts.models import User
from commissioning.models import CpvCode
from core.choices import Region
from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.inputs import single_line, single_line_problem
from core.permissions import Action, is_platform_staff
from core.services import audit_record, outbox_enqueue, record_update, snapshot
from core.validators import normalise_postcode, validate_postcode

from .choices import IdentifierScheme, LegalForm, ProviderKind, SizeBand, VerificationStatus
from .models import (
    Invitation,
    PendingRegistration,
    ProviderDetailsChange,
    ProviderExclusion,
    ProviderIdentifier,
    ProviderOrganisation,
    identifier_problem,
)
from .permissions import provider_policy
from .selectors import active_admin_count, invitation_token_hash
from .states import VERIFICATION_STATES

EDITABLE_FIELDS = ("name", "size_band", "address", "postcode", "capability_statement", "website")

# The register numbers a provider can give when it registers, by the question that asks.
IDENTIFIER_FIELDS = {
    "companies_house_number": IdentifierScheme.COMPANIES_HOUSE,
    "charity_number": IdentifierScheme.CHARITY_ENGLAND_WALES,
    "scottish_charity_number": IdentifierScheme.CHARITY_SCOTLAND,
    "mutuals_number": IdentifierScheme.MUTUALS_REGISTER,
}
REGISTER_NAMES = {
    IdentifierScheme.COMPANIES_HOUSE: "Companies House number",
    IdentifierScheme.CHARITY_ENGLAND_WALES: "charity number",
    IdentifierScheme.CHARITY_SCOTLAND: "Scottish charity number",
    IdentifierScheme.MUTUALS_REGISTER: "Mutuals Public Register number",
}
CAPABILITY_MAX_LENGTH = 2000
INVITATION_LIFETIME = timedelta(days=7)
CHECK_DETAILS = "Check the details you entered."


# Facts staff verified, which decide the reserved lots a provider may bid for: a verified
# provider's change to them waits for staff (ProviderDetailsChange) instead of applying.
VERIFIED_FACTS = ProviderDetailsChange.FACTS


@transaction.atomic
def provider_update(*, provider: ProviderOrganisation, actor, **changes):
    """Changes the provider's details. A verified provider's new size band is held for
    platform staff to check (see `details_change_request`); the rest apply at once."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    locked = _lock_provider(provider)
    held = {}
    if locked.is_verified:
        held = {name: changes.pop(name) for name in VERIFIED_FACTS if name in changes}
    record = record_update(
        policy=provider_policy,
        model=ProviderOrganisation,
        pk=provider.pk,
        actor=actor,
        action_name="provider.updated",
        changes=changes,
    )
    if held:
        details_change_request(provider=record, actor=actor, **held)
    return record


# --- passwords ----------------------------------------------------------------------------


def check_new_password(password: str, *, email: str, full_name: str, field: str = "password"):
    """Django's password validators, judged against the person the password is for."""
    person = User(email=email, full_name=full_name)
    try:
        validate_password(password, user=person)
    except ValidationError as error:
        raise DomainError(CHECK_DETAILS, field_errors={field: list(error.messages)}) from error


# --- registration -------------------------------------------------------------------------


def normalise_identifier(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def provider_registration_check(
    *,
    name: str,
    kind: str,
    legal_form: str,
    size_band: str,
    address: str,
    postcode: str,
    regions: list[str],
    categories: list[str],
    capability_statement: str,
    admin_full_name: str,
    admin_email: str,
    companies_house_number: str = "",
    charity_number: str = "",
    scottish_charity_number: str = "",
    mutuals_number: str = "",
) -> None:
    """Raises DomainError with a message for every answer that cannot be registered.

    Writes nothing: the question page calls it before the check-your-answers page, and
    `provider_register` calls it again when the answers are confirmed."""
    problems: dict[str, list[str]] = {}

    def refuse(field: str, message: str):
        problems.setdefault(field, []).append(message)

    name = (name or "").strip()
    if not name:
        refuse("name", "Enter your organisation's name")
    elif len(name) > 200:
        refuse("name", "Organisation name must be 200 characters or fewer")
    elif problem := single_line_problem(name):
        refuse("name", problem)
    elif ProviderOrganisation.objects.filter(name__iexact=name).exists():
        refuse(
            "name",
            f"An organisation called {name} is already registered. If it is yours, ask its "
            "admin to invite you",
        )
    if kind not in ProviderKind.values:
        refuse("kind", "Select what kind of organisation it is")
    if legal_form not in LegalForm.values:
        refuse("legal_form", "Select your organisation's legal form")
    if size_band not in SizeBand.values:
        refuse("size_band", "Select how many staff your organisation has")

    numbers = {
        "companies_house_number": companies_house_number,
        "charity_number": charity_number,
        "scottish_charity_number": scottish_charity_number,
        "mutuals_number": mutuals_number,
    }
    for field, scheme in IDENTIFIER_FIELDS.items():
        value = normalise_identifier(numbers[field])
        if not value:
            continue
        problem = identifier_problem(scheme, value)
        if problem:
            refuse(field, problem)
        elif ProviderIdentifier.objects.filter(scheme=scheme, value=value).exists():
            refuse(
                field,
                f"An organisation with {REGISTER_NAMES[scheme]} {value} is already registered. "
                "If it is yours, ask its admin to invite you",
            )

    if not (address or "").strip():
        refuse("address", "Enter your organisation's address")
    if not (postcode or "").strip():
        refuse("postcode", "Enter your organisation's postcode")
    else:
        try:
            validate_postcode(postcode)
        except ValidationError as error:
            refuse("postcode", error.messages[0])

    if not regions:
        refuse("regions", "Select at least one region you work in")
    elif set(regions) - set(Region.values):
        refuse("regions", "Select regions from the list")
    if not categories:
        refuse("categories", "Select at least one kind of service you provide")
    elif CpvCode.objects.filter(code__in=categories).count() != len(set(categories)):
        refuse("categories", "Select services from the list")
    statement = (capability_statement or "").strip()
    if not statement:
        refuse("capability_statement", "Describe what your organisation does")
    elif len(statement) > CAPABILITY_MAX_LENGTH:
        refuse(
            "capability_statement",
            f"What your organisation does must be {CAPABILITY_MAX_LENGTH:,} characters or fewer",
        )

    if not (admin_full_name or "").strip():
        refuse("admin_full_name", "Enter your full name")
    elif len(admin_full_name.strip()) > 150:
        refuse("admin_full_name", "Your full name must be 150 characters or fewer")
    elif problem := single_line_problem(admin_full_name.strip()):
        refuse("admin_full_name", problem)
    # Whether the address already has an account is not said here: that would tell anyone
    # who has an account. Its owner is told by email (provider_registration_start).
    email = (admin_email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        refuse(
            "admin_email",
            "Enter an email address in the correct format, like name@example.org",
        )
    if problems:
        raise DomainError(CHECK_DETAILS, field_errors=problems)


def provider_register(
    *,
    name: str,
    kind: str,
    legal_form: str,
    size_band: str,
    address: str,
    postcode: str,
    regions: list[str],
    categories: list[str],
    capability_statement: str,
    admin_full_name: str,
    admin_email: str,
    admin_password_hash: str,
    companies_house_number: str = "",
    charity_number: str = "",
    scottish_charity_number: str = "",
    mutuals_number: str = "",
) -> User:
    """Registers a provider, its register numbers and its first admin, all or nothing.

    The provider starts unverified. The password arrives already hashed: the answers wait in
    the session between the question and check-your-answers pages, and a password in plain
    text must never be kept there. Returns the new admin."""
    answers = {
        "name": name,
        "kind": kind,
        "legal_form": legal_form,
        "size_band": size_band,
        "address": address,
        "postcode": postcode,
        "regions": regions,
        "categories": categories,
        "capability_statement": capability_statement,
        "admin_full_name": admin_full_name,
        "admin_email": admin_email,
        "companies_house_number": companies_house_number,
        "charity_number": charity_number,
        "scottish_charity_number": scottish_charity_number,
        "mutuals_number": mutuals_number,
    }
    provider_registration_check(**answers)
    _check_password_hash(admin_password_hash)
    # Only the address's owner gets this far (they opened the link emailed to it), so saying
    # that it already has an account tells nobody else anything.
    if User.objects.filter(email__iexact=(admin_email or "").strip()).exists():
        raise DomainError(
            CHECK_DETAILS,
            field_errors={
                "admin_email": [
                    "An account with this email address already exists. Sign in with it instead"
                ]
            },
        )
    try:
        with transaction.atomic():
            provider = ProviderOrganisation(
                name=name.strip(),
                kind=kind,
                legal_form=legal_form,
                size_band=size_band,
                verification_status=VerificationStatus.UNVERIFIED,
                address=address.strip(),
                postcode=normalise_postcode(postcode),
                regions=[code for code in Region.values if code in regions],
                capability_statement=capability_statement.strip(),
            )
            provider.full_clean(validate_constraints=False)
            provider.save()
            provider.categories.set(categories)
            for field, scheme in IDENTIFIER_FIELDS.items():
                value = normalise_identifier(answers[field])
                if value:
                    ProviderIdentifier.objects.create(provider=provider, scheme=scheme, value=value)
            admin = User(
                email=admin_email.strip().lower(),
                full_name=admin_full_name.strip(),
                role=Role.PROVIDER_ADMIN,
                provider=provider,
                password=admin_password_hash,
            )
            admin.full_clean(exclude=["password"], validate_constraints=False)
            admin.save()
            audit_record(
                actor=admin,
                action="provider.registered",
                target=provider,
                after={
                    **snapshot(provider, ("name", "kind", "legal_form", "size_band")),
                    "identifiers": [i.org_id for i in provider.identifiers.all()],
                    "admin": admin.email,
                },
            )
    except IntegrityError as error:
        # Two people registered the same name, number or email at the same moment, and the
        # other was first: the database's unique constraints are the last word.
        raise DomainError(CHECK_DETAILS, field_errors=_clash(str(error), answers)) from error
    except ValidationError as error:
        # The user's own fields are asked as the admin's on the registration page.
        questions = {"email": "admin_email", "full_name": "admin_full_name"}
        raise DomainError(
            CHECK_DETAILS,
            field_errors={questions.get(k, k): v for k, v in error.message_dict.items()},
        ) from error
    return admin


def _check_password_hash(admin_password_hash: str) -> None:
    try:
        identify_hasher(admin_password_hash)
    except ValueError:
        raise DomainError(
            "Choose a password", field_errors={"password": ["Choose a password"]}
        ) from None


def registration_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def provider_registration_start(*, admin_password_hash: str, base_url: str, **answers) -> None:
    """Checks the answers and emails the admin's address; nothing is registered until they
    open the link (provider_registration_confirm).

    A new address gets the link. An address that already has an account gets a note saying
    so (with where to sign in or reset the password) and no link. The visitor sees the same
    "check your email" page after the same work either way (the same queries, one pending
    row, one template, one outbox row), so the page tells a stranger nothing about who has
    an account. Expired pending registrations are removed on the way."""
    provider_registration_check(**answers)
    _check_password_hash(admin_password_hash)
    email = answers["admin_email"].strip().lower()
    token = secrets.token_urlsafe(32)
    now = db_now()
    with transaction.atomic():
        PendingRegistration.objects.filter(expires_at__lte=now).delete()
        has_account = User.objects.filter(email__iexact=email).exists()
        PendingRegistration.objects.create(
            token_hash=registration_token_hash(token),
            email=email,
            answers={**answers, "admin_password_hash": admin_password_hash},
            expires_at=now + timedelta(hours=settings.REGISTRATION_CONFIRM_HOURS),
        )
        context = {
            "service_name": settings.SERVICE_NAME,
            "name": answers["name"].strip(),
            "email": email,
            "hours": settings.REGISTRATION_CONFIRM_HOURS,
            "base_url": base_url.rstrip("/"),
        }
        if has_account:
            template = "providers/email/registration_has_account"
        else:
            template = "providers/email/registration_confirm"
            context["link"] = context["base_url"] + reverse(
                "providers:register_confirm", args=[token]
            )
        outbox_enqueue(
            to=email,
            subject=render_to_string(f"{template}_subject.txt", context).strip(),
            body=render_to_string(f"{template}.txt", context),
        )


REGISTRATION_LINK_UNUSABLE = (
    "This link has expired or has already been used. Register your organisation again."
)


def pending_registration_for(token: str) -> PendingRegistration | None:
    """The registration a link is for, while it can still be used."""
    return PendingRegistration.objects.filter(
        token_hash=registration_token_hash(token or ""), expires_at__gt=db_now()
    ).first()


@transaction.atomic
def provider_registration_confirm(*, token: str) -> User:
    """Registers the provider whose emailed link was opened, and returns its first admin.

    Everything is checked again: a name, number or address may have been registered since
    the link was sent. The link works once."""
    pending = (
        PendingRegistration.objects.select_for_update(of=("self",))
        .filter(token_hash=registration_token_hash(token or ""), expires_at__gt=db_now())
        .first()
    )
    if pending is None:
        raise DomainError(REGISTRATION_LINK_UNUSABLE)
    answers = dict(pending.answers)
    password_hash = answers.pop("admin_password_hash")
    admin = provider_register(**answers, admin_password_hash=password_hash)
    pending.delete()
    return admin


def pending_registrations_remove_expired() -> int:
    deleted, _ = PendingRegistration.objects.filter(expires_at__lte=db_now()).delete()
    return deleted


def _clash(message: str, answers: dict) -> dict[str, list[str]]:
    if "provider_name_unique_ci" in message:
        return {"name": [f"An organisation called {answers['name']} is already registered"]}
    if "provider_identifier_unique" in message:
        return {"__all__": ["One of the register numbers you gave is already registered"]}
    if "email" in message:
        return {"admin_email": ["An account with this email address already exists"]}
    return {"__all__": ["Your organisation could not be registered. Try again."]}


# --- verification by platform staff --------------------------------------------------------


def _require_staff(actor, doing: str) -> None:
    if not is_platform_staff(actor):
        raise NotPermitted(f"Only platform staff can {doing}.")


def _lock_provider(provider: ProviderOrganisation) -> ProviderOrganisation:
    return ProviderOrganisation.objects.select_for_update(of=("self",), no_key=True).get(
        pk=provider.pk
    )


@transaction.atomic
def provider_verify(*, provider: ProviderOrganisation, actor) -> ProviderOrganisation:
    _require_staff(actor, "verify providers")
    provider = _lock_provider(provider)
    previous = VERIFICATION_STATES.move(provider, VerificationStatus.VERIFIED)
    provider.save(update_fields=["verification_status", "updated_at"])
    audit_record(
        actor=actor,
        action="provider.verified",
        target=provider,
        before={"verification_status": previous},
        after={"verification_status": provider.verification_status},
    )
    _tell_admins(provider, "verified", {})
    return provider


@transaction.atomic
def provider_reject(*, provider: ProviderOrganisation, actor, reason: str) -> ProviderOrganisation:
    _require_staff(actor, "refuse verification")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Enter why verification is refused",
            field_errors={"reason": ["Enter why verification is refused"]},
        )
    provider = _lock_provider(provider)
    previous = VERIFICATION_STATES.move(provider, VerificationStatus.REJECTED)
    provider.save(update_fields=["verification_status", "updated_at"])
    audit_record(
        actor=actor,
        action="provider.verification_refused",
        target=provider,
        before={"verification_status": previous},
        after={"verification_status": provider.verification_status, "reason": reason},
    )
    _tell_admins(provider, "verification_refused", {"reason": reason})
    return provider


def _tell_admins(provider, template: str, context: dict) -> None:
    recipients = list(
        provider.users.filter(role=Role.PROVIDER_ADMIN, is_active=True).values_list(
            "email", flat=True
        )
    )
    if recipients:
        _email_on_commit(
            f"providers/email/{template}", {"provider": provider, **context}, recipients
        )


def _email_on_commit(template: str, context: dict, recipients: list[str]) -> None:
    context = {"service_name": settings.SERVICE_NAME, "site_url": settings.SITE_URL, **context}
    subject = single_line(render_to_string(f"{template}_subject.txt", context))
    body = render_to_string(f"{template}.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients))


# --- exclusions ----------------------------------------------------------------------------


@transaction.atomic
def provider_exclude(
    *, provider: ProviderOrganisation, actor, reason: str, starts_on: date, ends_on: date
) -> ProviderExclusion:
    """Records that `provider` may not bid from `starts_on` until (not including) `ends_on`."""
    _require_staff(actor, "exclude providers")
    exclusion_check(reason=reason, starts_on=starts_on, ends_on=ends_on)
    provider = _lock_provider(provider)
    exclusion = ProviderExclusion.objects.create(
        provider=provider,
        reason=reason.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="provider.excluded",
        target=provider,
        after={
            "exclusion": exclusion.pk,
            "reason": exclusion.reason,
            "starts_on": str(starts_on),
            "ends_on": str(ends_on),
        },
    )
    return exclusion


def exclusion_check(*, reason: str, starts_on: date | None, ends_on: date | None) -> None:
    """Raises DomainError for an exclusion that cannot be recorded. Writes nothing."""
    problems: dict[str, list[str]] = {}
    if not (reason or "").strip():
        problems["reason"] = ["Enter why the provider is excluded"]
    if starts_on is None:
        problems["starts_on"] = ["Enter the date the exclusion starts"]
    if ends_on is None:
        problems["ends_on"] = ["Enter the date the exclusion ends"]
    elif starts_on is not None and ends_on <= starts_on:
        problems["ends_on"] = ["The exclusion must end after the day it starts"]
    elif ends_on <= timezone.localdate(db_now()):
        problems["ends_on"] = ["The exclusion must end in the future"]
    if problems:
        raise DomainError(CHECK_DETAILS, field_errors=problems)


@transaction.atomic
def exclusion_lift(*, exclusion: ProviderExclusion, actor, reason: str) -> ProviderExclusion:
    """Ends an exclusion early, for example when a debarment is overturned."""
    _require_staff(actor, "lift exclusions")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Enter why the exclusion is lifted",
            field_errors={"reason": ["Enter why the exclusion is lifted"]},
        )
    exclusion = ProviderExclusion.objects.select_for_update(of=("self",), no_key=True).get(
        pk=exclusion.pk
    )
    now = db_now()
    if exclusion.lifted_at is not None:
        raise DomainError(f"This exclusion was already lifted on {exclusion.lifted_at:%-d %B %Y}.")
    if exclusion.ends_on <= timezone.localdate(now):
        raise DomainError(f"This exclusion already ended on {exclusion.ends_on:%-d %B %Y}.")
    exclusion.lifted_at = now
    exclusion.lifted_reason = reason
    exclusion.save(update_fields=["lifted_at", "lifted_reason"])
    audit_record(
        actor=actor,
        action="provider.exclusion_lifted",
        target=exclusion.provider,
        before={"exclusion": exclusion.pk, "ends_on": str(exclusion.ends_on)},
        after={"exclusion": exclusion.pk, "lifted_reason": reason},
    )
    return exclusion


# --- the provider's team -------------------------------------------------------------------


def _lock_for_team(provider: ProviderOrganisation, actor) -> ProviderOrganisation:
    locked = _lock_provider(provider)
    if not provider_policy.can(actor, locked, Action.MANAGE_TEAM):
        raise NotPermitted(provider_policy.refusals[Action.MANAGE_TEAM])
    return locked


@transaction.atomic
def invitation_create(
    *, provider: ProviderOrganisation, actor, full_name: str, email: str, role: str
) -> Invitation:
    """Invites a colleague by email, with a link that works once, for 7 days.

    Only the token's SHA-256 digest is stored; the token itself is only in the email."""
    provider = _lock_for_team(provider, actor)
    now = db_now()
    full_name = (full_name or "").strip()
    email = (email or "").strip().lower()
    problems: dict[str, list[str]] = {}
    if not full_name:
        problems["full_name"] = ["Enter your colleague's full name"]
    elif problem := single_line_problem(full_name):
        problems["full_name"] = [problem]
    try:
        validate_email(email)
    except ValidationError:
        problems["email"] = ["Enter an email address in the correct format, like name@example.org"]
    else:
        existing = User.objects.filter(email__iexact=email).first()
        if existing and existing.provider_id == provider.pk and existing.is_active:
            problems["email"] = [f"{existing.full_name} is already in your team"]
        elif existing:
            problems["email"] = [
                "This email address already has an account. Ask platform staff to move it to "
                "your organisation"
            ]
        if Invitation.objects.filter(
            provider=provider,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).exists():
            problems.setdefault("email", []).append(
                "You have already invited this person. Revoke that invitation to send a new one"
            )
    if role not in PROVIDER_ROLES:
        problems["role"] = ["Select the colleague's role"]
    if problems:
        raise DomainError(CHECK_DETAILS, field_errors=problems)

    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        provider=provider,
        email=email,
        full_name=full_name,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=actor,
        expires_at=now + INVITATION_LIFETIME,
    )
    audit_record(
        actor=actor,
        action="provider.colleague_invited",
        target=provider,
        after={"invitation": invitation.pk, "email": email, "role": role},
    )
    link = settings.SITE_URL.rstrip("/") + reverse("providers:invitation", args=[token])
    _email_on_commit(
        "providers/email/invitation",
        {"invitation": invitation, "link": link, "role": Role(role).label.lower()},
        [email],
    )
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    _lock_for_team(invitation.provider, actor)
    invitation = Invitation.objects.select_for_update(of=("self",), no_key=True).get(
        pk=invitation.pk
    )
    if invitation.accepted_at is not None:
        raise DomainError(
            f"{invitation.full_name} has already accepted this invitation. Remove them from "
            "the team instead."
        )
    if invitation.revoked_at is not None:
        raise DomainError("This invitation was already revoked.")
    invitation.revoked_at = db_now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="provider.invitation_revoked",
        target=invitation.provider,
        after={"invitation": invitation.pk, "email": invitation.email},
    )
    return invitation


def invitation_problem(invitation: Invitation | None, *, now=None) -> str | None:
    """Why an invitation link cannot be used, in the invitee's words, or None."""
    if invitation is None:
        return "This invitation link is not valid. Check you copied the whole link."
    if invitation.revoked_at is not None:
        return "This invitation was withdrawn. Ask your organisation's admin to invite you again."
    if invitation.accepted_at is not None:
        return "This invitation has already been used. Sign in with your email address."
    now = now or db_now()
    if invitation.expires_at <= now:
        expired = timezone.localtime(invitation.expires_at)
        return (
            f"This invitation expired on {expired:%-d %B %Y}. Ask your organisation's admin to "
            "invite you again."
        )
    return None


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Creates the invited colleague's account in the provider, with the password they chose."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",), no_key=True)
        .select_related("provider")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )
    problem = invitation_problem(invitation)
    if problem:
        raise DomainError(problem)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise DomainError(
            "An account with this email address already exists. Sign in with it instead."
        )
    check_new_password(password, email=invitation.email, full_name=invitation.full_name)
    colleague = User(
        email=invitation.email,
        full_name=invitation.full_name,
        role=invitation.role,
        provider=invitation.provider,
    )
    colleague.set_password(password)
    colleague.save()
    invitation.accepted_at = db_now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        actor=colleague,
        action="provider.invitation_accepted",
        target=invitation.provider,
        after={"invitation": invitation.pk, "user": colleague.email, "role": colleague.role},
    )
    return colleague


@transaction.atomic
def colleague_remove(*, provider: ProviderOrganisation, member: User, actor) -> User:
    """Deactivates a colleague's account: they can no longer sign in. Their name stays on
    what they did (bids, questions), so the account is kept, not deleted."""
    provider = _lock_for_team(provider, actor)
    member = User.objects.select_for_update(of=("self",), no_key=True).get(pk=member.pk)
    if member.provider_id != provider.pk or not member.is_active:
        raise DomainError(f"{member.full_name} is not in your team.")
    if member.pk == actor.pk:
        raise DomainError("You cannot remove yourself. Ask another admin to remove you.")
    if member.role == Role.PROVIDER_ADMIN and active_admin_count(provider) <= 1:
        raise DomainError(
            f"{member.full_name} is your organisation's only admin. Make someone else an "
            "admin first."
        )
    member.is_active = False
    member.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="provider.colleague_removed",
        target=provider,
        after={"user": member.email, "role": member.role},
    )
    return member


# --- changes to verified facts --------------------------------------------------------------
# Kind, legal form and size band decide which reserved lots a provider may bid for. Once
# staff have verified a provider, its own change to them waits for staff to check; until
# then it is judged by the stricter of the two (commissioning.eligibility). Staff correct
# these facts themselves, with a reason, through `provider_details_correct`.

_FACT_CHOICES = {"kind": ProviderKind, "legal_form": LegalForm, "size_band": SizeBand}
_FACT_QUESTIONS = {
    "kind": "Select what kind of organisation it is",
    "legal_form": "Select the organisation's legal form",
    "size_band": "Select how many staff the organisation has",
}


def _checked_facts(facts: dict) -> dict:
    problems = {
        name: [_FACT_QUESTIONS[name]]
        for name, value in facts.items()
        if value not in _FACT_CHOICES[name].values
    }
    if problems:
        raise DomainError(CHECK_DETAILS, field_errors=problems)
    return facts


def _lock_pending(provider: ProviderOrganisation) -> ProviderDetailsChange | None:
    return (
        ProviderDetailsChange.objects.select_for_update(of=("self",), no_key=True)
        .filter(provider=provider, status=ProviderDetailsChange.Status.PENDING)
        .first()
    )


@transaction.atomic
def details_change_request(
    *, provider: ProviderOrganisation, actor, **facts
) -> ProviderDetailsChange | None:
    """Holds the verified provider's new kind, legal form or size band for staff to check.

    A new request replaces the one waiting; asking for what is already recorded withdraws
    it. Returns the change now waiting, or None."""
    unknown = set(facts) - set(VERIFIED_FACTS)
    if unknown:
        raise ValueError(f"not a verified fact: {', '.join(sorted(unknown))}")
    provider = _lock_provider(provider)
    if not provider_policy.can(actor, provider, Action.CHANGE):
        raise NotPermitted(provider_policy.refusals[Action.CHANGE])
    facts = _checked_facts(facts)
    waiting = _lock_pending(provider)
    wanted = {**(waiting.proposed() if waiting else {}), **facts}
    wanted = {name: value for name, value in wanted.items() if value != getattr(provider, name)}
    if waiting is not None and waiting.proposed() == wanted:
        return waiting
    if waiting is not None:
        waiting.status = ProviderDetailsChange.Status.WITHDRAWN
        waiting.decided_by, waiting.decided_at = actor, db_now()
        waiting.save(update_fields=["status", "decided_by", "decided_at"])
    if not wanted:
        if waiting is not None:
            audit_record(
                actor=actor,
                action="provider.details_change_withdrawn",
                target=provider,
                before=waiting.proposed(),
            )
        return None
    change = ProviderDetailsChange.objects.create(
        provider=provider, requested_by=actor, requested_at=db_now(), **wanted
    )
    audit_record(
        actor=actor,
        action="provider.details_change_requested",
        target=provider,
        before=snapshot(provider, wanted),
        after=wanted,
    )
    return change


def _decide(change: ProviderDetailsChange, actor, doing: str):
    _require_staff(actor, doing)
    provider = _lock_provider(change.provider)
    change = ProviderDetailsChange.objects.select_for_update(of=("self",), no_key=True).get(
        pk=change.pk
    )
    if change.status != ProviderDetailsChange.Status.PENDING:
        raise DomainError(
            f"This change was already {change.get_status_display().lower()}, so there is "
            "nothing to decide."
        )
    return provider, change


@transaction.atomic
def details_change_approve(*, change: ProviderDetailsChange, actor) -> ProviderOrganisation:
    """Staff checked the change against the registers: it applies now."""
    provider, change = _decide(change, actor, "approve changes to providers' details")
    wanted = change.proposed()
    before = snapshot(provider, wanted)
    for name, value in wanted.items():
        setattr(provider, name, value)
    provider.save(update_fields=[*wanted, "updated_at"])
    change.status = ProviderDetailsChange.Status.APPROVED
    change.decided_by, change.decided_at = actor, db_now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action="provider.details_change_approved",
        target=provider,
        before=before,
        after=wanted,
    )
    _tell_admins(provider, "details_change_approved", {"change": change})
    return provider


@transaction.atomic
def details_change_refuse(
    *, change: ProviderDetailsChange, actor, reason: str
) -> ProviderDetailsChange:
    """Staff could not confirm the change: the verified facts stay, and the admins are told
    why."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Enter why the change is refused",
            field_errors={"reason": ["Enter why the change is refused"]},
        )
    provider, change = _decide(change, actor, "refuse changes to providers' details")
    change.status = ProviderDetailsChange.Status.REFUSED
    change.decided_by, change.decided_at = actor, db_now()
    change.decision_reason = reason
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        actor=actor,
        action="provider.details_change_refused",
        target=provider,
        before=change.proposed(),
        after={"reason": reason},
    )
    _tell_admins(provider, "details_change_refused", {"change": change, "reason": reason})
    return change


@transaction.atomic
def provider_details_correct(
    *, provider: ProviderOrganisation, actor, reason: str, **facts
) -> ProviderOrganisation:
    """Staff correct a provider's kind, legal form or size band themselves (for example
    after a charity becomes a CIO), with the reason in the audit log. A change the provider
    made that is waiting must be decided first, so the two never disagree."""
    _require_staff(actor, "correct providers' details")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Enter why the details are being corrected",
            field_errors={"reason": ["Enter why the details are being corrected"]},
        )
    unknown = set(facts) - set(VERIFIED_FACTS)
    if unknown:
        raise ValueError(f"not a verified fact: {', '.join(sorted(unknown))}")
    facts = _checked_facts(facts)
    provider = _lock_provider(provider)
    if _lock_pending(provider) is not None:
        raise DomainError(
            f"{provider.name} has a change to its details waiting for a check. Approve or "
            "refuse it first."
        )
    changed = {name: value for name, value in facts.items() if getattr(provider, name) != value}
    if not changed:
        raise DomainError(f"{provider.name} is already recorded with these details.")
    before = snapshot(provider, changed)
    for name, value in changed.items():
        setattr(provider, name, value)
    provider.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="provider.details_corrected",
        target=provider,
        before=before,
        after={**changed, "reason": reason},
    )
    return provider
