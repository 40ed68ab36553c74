"""Reads about providers, shared by pages, services and (later) the API."""

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import ProviderExclusion, ProviderOrganisation


def exclusions_in_force(*, on: date | None = None) -> QuerySet[ProviderExclusion]:
    today = on or timezone.localdate()
    return ProviderExclusion.objects.filter(
        starts_on__lte=today, ends_on__gt=today, lifted_at__isnull=True
    )


def exclusion_in_force(provider, *, on: date | None = None) -> ProviderExclusion | None:
    """The exclusion that stops `provider` bidding today, or None."""
    return exclusions_in_force(on=on).filter(provider=provider).order_by("-ends_on").first()


def with_exclusion_flag(queryset: QuerySet[ProviderOrganisation] | None = None, *, on=None):
    """Annotates `is_excluded` on providers in one query, for pages that list providers."""
    queryset = queryset if queryset is not None else ProviderOrganisation.objects.all()
    return queryset.annotate(
        is_excluded=Exists(exclusions_in_force(on=on).filter(provider=OuterRef("pk")))
    )


def provider_search(text: str) -> QuerySet[ProviderOrganisation]:
    return ProviderOrganisation.objects.filter(Q(name__icontains=text))
