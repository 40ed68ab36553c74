"""Reads about providers, shared by pages, services and (later) the API."""

import hashlib
from datetime import date

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Now, TruncDate

from accounts.choices import Role
from accounts.models import User

from .choices import VerificationStatus
from .models import Invitation, ProviderExclusion, ProviderIdentifier, ProviderOrganisation


def _today(on: date | None):
    # The database's date, not the web server's: whether an exclusion is in force is judged
    # by one clock, whichever machine asks.
    return on if on is not None else TruncDate(Now())


def exclusions_in_force(*, on: date | None = None) -> QuerySet[ProviderExclusion]:
    today = _today(on)
    return ProviderExclusion.objects.filter(
        starts_on__lte=today, ends_on__gt=today, lifted_at__isnull=True
    )


def exclusion_in_force(provider, *, on: date | None = None) -> ProviderExclusion | None:
    """The exclusion that stops `provider` bidding today, or None."""
    return exclusions_in_force(on=on).filter(provider=provider).order_by("-ends_on").first()


def with_exclusion_flag(queryset: QuerySet[ProviderOrganisation] | None = None, *, on=None):
    """Annotates `is_excluded` and `excluded_until` (the date the last exclusion in force
    ends) on providers in one query, for pages that list providers."""
    queryset = queryset if queryset is not None else ProviderOrganisation.objects.all()
    in_force = exclusions_in_force(on=on).filter(provider=OuterRef("pk"))
    return queryset.annotate(
        is_excluded=Exists(in_force),
        excluded_until=Subquery(
            in_force.order_by().values("provider").annotate(until=Max("ends_on")).values("until")
        ),
    )


def provider_search(text: str) -> QuerySet[ProviderOrganisation]:
    return ProviderOrganisation.objects.filter(Q(name__icontains=text))


# --- the public provider page -------------------------------------------------------------


def public_providers(*, include_refused: bool = False) -> QuerySet[ProviderOrganisation]:
    """Providers anyone may look up, with what their public page shows.

    A provider whose verification was refused is left out: its registration may be bogus or
    an impersonation, and the platform should not publish it as a provider."""
    providers = ProviderOrganisation.objects.prefetch_related(
        Prefetch("identifiers", queryset=ProviderIdentifier.objects.order_by("scheme")),
        "categories",
    )
    if not include_refused:
        providers = providers.exclude(verification_status=VerificationStatus.REJECTED)
    return providers


def contracts_held(provider):
    """The provider's contracts, newest first, with the commissioner each is with."""
    from commissioning.models import Contract

    return (
        Contract.objects.filter(provider=provider)
        .select_related("commissioner")
        .order_by("-start_date", "id")
    )


# --- the team ------------------------------------------------------------------------------


def pending_invitations(provider) -> QuerySet[Invitation]:
    """Invitations the team has sent that can still be accepted."""
    return (
        Invitation.objects.filter(
            provider=provider,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=Now(),
        )
        .select_related("invited_by")
        .order_by("invited_at", "id")
    )


def active_admin_count(provider) -> int:
    return User.objects.filter(provider=provider, role=Role.PROVIDER_ADMIN, is_active=True).count()


def invitation_token_hash(token: str) -> str:
    """Only this digest of an invitation's token is stored, so a database reader cannot use
    the links that were emailed."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token belongs to, whatever its state, or None."""
    return (
        Invitation.objects.select_related("provider", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


# --- changes waiting for staff ---------------------------------------------------------------


def pending_details_change(provider):
    """The change to kind, legal form or size band `provider` made that waits for staff, or
    None."""
    from .models import ProviderDetailsChange

    return ProviderDetailsChange.objects.filter(
        provider=provider, status=ProviderDetailsChange.Status.PENDING
    ).first()


def pending_details_changes_by_provider(provider_ids) -> dict:
    """The same for many providers in one query, keyed by provider id."""
    from .models import ProviderDetailsChange

    return {
        change.provider_id: change
        for change in ProviderDetailsChange.objects.filter(
            provider_id__in=set(provider_ids), status=ProviderDetailsChange.Status.PENDING
        )
    }
