"""Filters for the API's provider list."""

import django_filters

from commissioning.api.filters_tenders import StrictBooleanFilter
from core.api.filters import IsoDateTimeFilter
from core.choices import Region

from ..choices import LegalForm, ProviderKind, SizeBand
from ..models import ProviderOrganisation


class ProviderApiFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ProviderKind.choices)
    size_band = django_filters.MultipleChoiceFilter(
        choices=SizeBand.choices, help_text="One or more size bands (repeat the parameter)"
    )
    legal_form = django_filters.ChoiceFilter(choices=LegalForm.choices)
    region = django_filters.ChoiceFilter(
        choices=Region.choices, method="filter_region", help_text="Providers serving this region"
    )
    verified = StrictBooleanFilter(
        method="filter_verified",
        help_text="true: only providers the platform has verified",
    )
    updated_since = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after (ISO 8601)"
    )

    class Meta:
        model = ProviderOrganisation
        fields = []

    def filter_region(self, queryset, name, value):
        return queryset.filter(regions__contains=[value])

    def filter_verified(self, queryset, name, value):
        if value is None:
            return queryset
        verified = {"verification_status": "verified"}
        return queryset.filter(**verified) if value else queryset.exclude(**verified)
