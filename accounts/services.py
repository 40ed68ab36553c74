"""API keys: issue (the secret is returned once), revoke, and check a presented key."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, NotPermitted
from core.inputs import single_line_problem
from core.permissions import Action, is_platform_staff
from core.services import audit_record

from .choices import COMMISSIONER_ROLES, PROVIDER_ROLES, ApiScope, Role
from .models import ApiKey, User
from .permissions import api_key_policy, can_issue_api_key

KEY_MARKER = "cm"
MAX_LIFETIME_DAYS = 730
DEFAULT_LIFETIME_DAYS = 365
# last_used_at is written at most this often, so a busy key does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # the whole key, as the integrator must send it; never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(presented: str) -> tuple[str, str] | None:
    # The secret is URL-safe base64, which may itself contain "_".
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARKER or len(parts[1]) != ApiKey.PREFIX_LENGTH:
        return None
    return parts[1], presented.strip()


@transaction.atomic
def api_key_issue(
    *, actor: User, name: str, scopes: list[str], lifetime_days: int = DEFAULT_LIFETIME_DAYS
) -> IssuedKey:
    if not can_issue_api_key(actor):
        raise NotPermitted("Only people in a registered organisation can issue API keys.")
    problems: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        problems["name"] = ["Enter what the key is for"]
    elif len(name) > 100:
        problems["name"] = ["Name must be 100 characters or fewer"]
    elif problem := single_line_problem(name):
        problems["name"] = [problem]
    known = set(ApiScope.values)
    scopes = list(dict.fromkeys(scopes or []))
    if not scopes:
        problems["scopes"] = ["Choose at least one scope"]
    elif unknown := [s for s in scopes if s not in known]:
        problems["scopes"] = [f"Not a scope: {', '.join(unknown)}"]
    if not isinstance(lifetime_days, int) or not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        problems["lifetime_days"] = [f"Enter a lifetime from 1 to {MAX_LIFETIME_DAYS} days"]
    if problems:
        raise DomainError("Check the key's details.", field_errors=problems)
    prefix = secrets.token_hex(ApiKey.PREFIX_LENGTH // 2)
    secret = f"{KEY_MARKER}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        user=actor,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=lifetime_days),
    )
    audit_record(
        actor=actor,
        action="api_key.issued",
        target=api_key,
        after={"name": name, "scopes": scopes, "expires_at": api_key.expires_at.isoformat()},
    )
    return IssuedKey(api_key=api_key, secret=secret)


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: User) -> ApiKey:
    api_key = ApiKey.objects.select_for_update(of=("self",), no_key=True).get(pk=api_key.pk)
    if not api_key_policy.can(actor, api_key, Action.CHANGE):
        raise NotPermitted(api_key_policy.refusals[Action.CHANGE])
    if api_key.revoked_at is not None:
        raise DomainError("This key has already been revoked.")
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = actor
    api_key.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=actor, action="api_key.revoked", target=api_key)
    return api_key


class ApiKeyRefused(Exception):
    """The presented key cannot be used; the message says why, for the client's developer."""


def api_key_authenticate(presented: str) -> ApiKey:
    """The usable key matching what a client presented, or ApiKeyRefused. One query (the key
    with its user and organisation), plus an occasional update of last_used_at."""
    split = _split(presented or "")
    if split is None:
        raise ApiKeyRefused("The API key is malformed: expected cm_<prefix>_<secret>.")
    prefix, secret = split
    api_key = (
        ApiKey.objects.select_related("user__commissioner", "user__provider")
        .filter(prefix=prefix)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, hash_secret(secret)):
        raise ApiKeyRefused("The API key is not recognised.")
    now = timezone.now()
    if api_key.revoked_at is not None:
        raise ApiKeyRefused("The API key has been revoked.")
    if api_key.expires_at <= now:
        raise ApiKeyRefused("The API key has expired: issue a new one.")
    if not api_key.user.is_active:
        raise ApiKeyRefused("The API key's owner no longer has an active account.")
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


# --- password reset -------------------------------------------------------------------------


def password_reset_request(*, email: str, base_url: str) -> None:
    """Queues one email to `email` whether or not it has an account: the reset link for an
    active account, otherwise a note that there is no account with it.

    The answer page is the same either way, and so is the work behind it (one query for the
    account, one template rendered, one outbox row, in one transaction), so neither the page
    nor its timing tells a stranger whether an address has an account. Only the address's
    owner, reading the email, learns which it is."""
    from django.conf import settings
    from django.contrib.auth.tokens import default_token_generator
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from core.services import outbox_enqueue

    email = (email or "").strip()
    user = next(
        (
            candidate
            # Only what the token is made of: fetching a whole row takes measurably longer
            # than finding none.
            for candidate in User.objects.filter(email__iexact=email, is_active=True).only(
                "pk", "email", "password", "last_login"
            )
            if candidate.has_usable_password()
        ),
        None,
    )
    context = {"email": email, "service_name": settings.SERVICE_NAME}
    if user is not None:
        template = "accounts/email/password_reset"
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = reverse("accounts:password_reset_confirm", args=[uid, token])
        context["link"] = base_url.rstrip("/") + link
    else:
        template = "accounts/email/password_reset_unknown"
    with transaction.atomic():
        outbox_enqueue(
            to=user.email if user is not None else email,
            subject=render_to_string(f"{template}_subject.txt", context).strip(),
            body=render_to_string(f"{template}.txt", context),
        )


# --- people's accounts, by platform staff ---------------------------------------------------
# Accounts are never deleted (User.delete refuses): what people did points at them, and the
# audit log's chain must stay whole. Staff deactivate an account, change a person's role or
# organisation, or erase the person's details when they ask; each with a reason, audited.

ERASED_EMAIL_DOMAIN = "erased.invalid"  # .invalid never resolves (RFC 2606): nothing is sent


def _require_staff(actor, doing: str) -> None:
    if not is_platform_staff(actor):
        raise NotPermitted(f"Only platform staff can {doing}.")


def _reason(reason: str, *, doing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        message = f"Enter why you are {doing}"
        raise DomainError(message, field_errors={"reason": [message]})
    return reason


def _lock_person(user: User) -> User:
    return User.objects.select_for_update(of=("self",)).get(pk=user.pk)


def _end_sessions(user: User) -> int:
    """Signs the person out everywhere. Deactivation alone would only suspend their sessions:
    reactivating the account would bring every one of them back."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        # Other session stores cannot be searched by user; an erased account's sessions
        # still end, as its password hash (which each session is checked against) changed.
        return 0
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)


def _revoke_keys(user: User, *, actor) -> int:
    """A key acts with its owner's current role and organisation, so one issued for the old
    organisation must not go on working in the new one."""
    return ApiKey.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )


def _organisation_facts(user: User) -> dict:
    return {
        "role": user.role,
        "commissioner": user.commissioner.name if user.commissioner_id else None,
        "provider": user.provider.name if user.provider_id else None,
    }


@transaction.atomic
def user_deactivate(*, user: User, actor, reason: str) -> User:
    """Stops a person signing in or using their API keys, and signs them out everywhere."""
    _require_staff(actor, "deactivate accounts")
    reason = _reason(reason, doing="deactivating this account")
    user = _lock_person(user)
    if user.pk == actor.pk:
        raise DomainError("You cannot deactivate your own account. Ask another member of staff.")
    if not user.is_active:
        raise DomainError(f"{user}'s account is already deactivated.")
    user.is_active = False
    user.save(update_fields=["is_active"])
    sessions = _end_sessions(user)
    audit_record(
        actor=actor,
        action="user.deactivated",
        target=user,
        before={"is_active": True},
        after={"is_active": False, "reason": reason, "sessions_ended": sessions},
    )
    return user


@transaction.atomic
def user_reactivate(*, user: User, actor, reason: str) -> User:
    _require_staff(actor, "reactivate accounts")
    reason = _reason(reason, doing="reactivating this account")
    user = _lock_person(user)
    if user.erased_at is not None:
        raise DomainError(
            "This person's details were erased at their request, so the account stays closed. "
            "They can be invited again with a new account."
        )
    if user.is_active:
        raise DomainError(f"{user}'s account is already active.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="user.reactivated",
        target=user,
        before={"is_active": False},
        after={"is_active": True, "reason": reason},
    )
    return user


@transaction.atomic
def user_change_role(*, user: User, actor, role: str, organisation, reason: str) -> User:
    """Moves a person to another role, organisation, or both.

    `organisation` is a CommissionerOrganisation for a commissioner's role, a
    ProviderOrganisation for a provider's role, or None with no role (platform staff, or
    someone between organisations). The person's API keys are revoked: they acted for the
    old role. A provider is never left without an active admin."""
    from commissioning.models import CommissionerOrganisation
    from providers.models import ProviderOrganisation
    from providers.selectors import active_admin_count

    _require_staff(actor, "change people's roles")
    reason = _reason(reason, doing="changing this person's role")
    problems: dict[str, list[str]] = {}
    if role and role not in Role.values:
        problems["role"] = ["Select a role from the list"]
    elif role in COMMISSIONER_ROLES and not isinstance(organisation, CommissionerOrganisation):
        problems["organisation"] = [f"A {Role(role).label.lower()} belongs to a commissioner"]
    elif role in PROVIDER_ROLES and not isinstance(organisation, ProviderOrganisation):
        problems["organisation"] = [f"A {Role(role).label.lower()} belongs to a provider"]
    elif not role and organisation is not None:
        problems["role"] = ["Select the person's role in the organisation"]
    if problems:
        raise DomainError("Check the details you entered.", field_errors=problems)

    user = _lock_person(user)
    if user.erased_at is not None:
        raise DomainError("This person's details were erased, so the account stays closed.")
    commissioner = organisation if role in COMMISSIONER_ROLES else None
    provider = organisation if role in PROVIDER_ROLES else None
    if (user.role, user.commissioner_id, user.provider_id) == (
        role,
        getattr(commissioner, "pk", None),
        getattr(provider, "pk", None),
    ):
        raise DomainError(f"{user} already has this role in this organisation.")
    leaves_admins = user.role == Role.PROVIDER_ADMIN and (
        role != Role.PROVIDER_ADMIN or getattr(provider, "pk", None) != user.provider_id
    )
    if leaves_admins and user.is_active:
        # Lock the provider so two moves at once cannot both take its last admins away.
        old_provider = ProviderOrganisation.objects.select_for_update(
            of=("self",), no_key=True
        ).get(pk=user.provider_id)
        if active_admin_count(old_provider) <= 1:
            raise DomainError(
                f"{user} is {old_provider.name}'s only admin. Make someone else its admin first."
            )
    before = _organisation_facts(user)
    user.role, user.commissioner, user.provider = role, commissioner, provider
    user.save(update_fields=["role", "commissioner", "provider"])
    keys = _revoke_keys(user, actor=actor)
    audit_record(
        actor=actor,
        action="user.role_changed",
        target=user,
        before=before,
        after={**_organisation_facts(user), "reason": reason, "api_keys_revoked": keys},
    )
    return user


@transaction.atomic
def user_erase(*, user: User, actor, reason: str) -> User:
    """Meets a person's erasure request: their name, email address, password, API keys,
    sessions and sign-in history go; the account stays, anonymised, and is closed.

    The account is kept because bids, scores, decisions and the audit log point at it. The
    audit log itself is not rewritten: its entries keep the actor label they were written
    with, as the lawful record of who did what in a public procurement (README, "Erasure
    requests"); the new entry holds no personal data, only the reason."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from providers.models import Invitation

    _require_staff(actor, "erase people's details")
    reason = _reason(reason, doing="erasing this person's details")
    user = _lock_person(user)
    if user.pk == actor.pk:
        raise DomainError("You cannot erase your own details. Ask another member of staff.")
    if user.erased_at is not None:
        raise DomainError("This person's details were already erased.")
    email = user.email
    placeholder = f"Erased user {user.pk}"
    keys = _revoke_keys(user, actor=actor)
    sessions = _end_sessions(user)
    user.full_name = placeholder
    user.first_name = user.last_name = ""
    user.email = f"erased-{user.pk}@{ERASED_EMAIL_DOMAIN}"
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.erased_at = timezone.now()
    user.save()
    Invitation.objects.filter(email__iexact=email).update(email=user.email, full_name=placeholder)
    for log in (AccessAttempt, AccessFailureLog, AccessLog):
        log.objects.filter(username__iexact=email).delete()
    audit_record(
        actor=actor,
        action="user.erased",
        target=user,
        after={"reason": reason, "api_keys_revoked": keys, "sessions_ended": sessions},
    )
    return user


@transaction.atomic
def sign_in_lockout_lift(*, attempt, actor, reason: str) -> None:
    """Lets a person locked out by failed sign-ins try again before the lock-out ends (for
    example once staff have confirmed who was trying). `attempt` is django-axes' record of
    the failures for one account from one client; it is removed."""
    from axes.models import AccessAttempt

    _require_staff(actor, "lift sign-in lock-outs")
    reason = _reason(reason, doing="lifting this lock-out")
    attempt = AccessAttempt.objects.select_for_update(of=("self",)).filter(pk=attempt.pk).first()
    if attempt is None:
        raise DomainError("This lock-out has already ended.")
    audit_record(
        actor=actor,
        action="sign_in.lockout_lifted",
        target=attempt,
        before={"username": attempt.username, "failures": attempt.failures_since_start},
        after={"reason": reason},
    )
    attempt.delete()
