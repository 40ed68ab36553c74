"""Filters for the API's contract lists. A value that cannot be read is a 400 naming the
filter (django-filter's backend refuses an invalid filter set)."""

from decimal import Decimal

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, Q

from core.api.filters import IsoDateTimeFilter
from core.choices import Region
from providers.choices import ProviderKind, SizeBand

from ..choices import ContractStatus, ReportingFrequency
from ..filters import CPV_MESSAGE, cpv_prefix
from ..models import (
    Contract,
    ContractReview,
    Kpi,
    KpiRating,
    KpiResult,
    RenewalDecision,
    ReviewRating,
    Tender,
)

MAX_VALUE = Decimal("999999999999.99")


def _date(label: str, lookup: str, field_name: str, example: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name=field_name,
        lookup_expr=lookup,
        label=label,
        error_messages={"invalid": f"Enter a real date in the form YYYY-MM-DD, like {example}"},
    )


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ContractFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ContractStatus.choices)
    commissioner = WholeNumberFilter(
        field_name="commissioner_id", min_value=1, label="The commissioner's id"
    )
    provider = WholeNumberFilter(field_name="provider_id", min_value=1, label="The provider's id")
    provider_kind = django_filters.MultipleChoiceFilter(
        field_name="provider__kind", choices=ProviderKind.choices
    )
    provider_size_band = django_filters.MultipleChoiceFilter(
        field_name="provider__size_band", choices=SizeBand.choices
    )
    cpv = django_filters.CharFilter(
        label="A CPV code, like 85311000-2, or its first 2 digits, like 85",
        method="filter_cpv",
        max_length=10,
        validators=[RegexValidator(r"^[0-9]{2}$|^[0-9]{8}(-[0-9])?$", CPV_MESSAGE)],
        error_messages={"max_length": CPV_MESSAGE},
    )
    region = django_filters.ChoiceFilter(field_name="tender__region", choices=Region.choices)
    value_min = django_filters.NumberFilter(
        field_name="value",
        lookup_expr="gte",
        min_value=Decimal(0),
        max_value=MAX_VALUE,
        max_digits=14,
        decimal_places=2,
        label="Value at least (£)",
    )
    value_max = django_filters.NumberFilter(
        field_name="value",
        lookup_expr="lte",
        min_value=Decimal(0),
        max_value=MAX_VALUE,
        max_digits=14,
        decimal_places=2,
        label="Value at most (£)",
    )
    start_from = _date("Starts on or after", "gte", "start_date", "2026-04-01")
    start_to = _date("Starts on or before", "lte", "start_date", "2026-04-01")
    end_from = _date("Ends on or after", "gte", "end_date", "2028-03-31")
    end_to = _date("Ends on or before", "lte", "end_date", "2028-03-31")
    ending_before = _date(
        "Ends before this date (for renewal planning)", "lt", "end_date", "2027-01-01"
    )
    updated_since = IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label="Changed at or after (ISO 8601)",
        error_messages={"invalid": "Enter a date and time in ISO 8601, like 2026-04-01T09:00Z"},
    )

    class Meta:
        model = Contract
        fields = []

    def filter_cpv(self, queryset, name, value):
        prefix = cpv_prefix(value)
        additional = Tender.additional_cpvs.through.objects.filter(
            tender_id=OuterRef("tender_id"), cpvcode__code__startswith=prefix
        )
        return queryset.filter(Q(tender__main_cpv__code__startswith=prefix) | Q(Exists(additional)))


class KpiFilter(django_filters.FilterSet):
    reporting_frequency = django_filters.MultipleChoiceFilter(choices=ReportingFrequency.choices)

    class Meta:
        model = Kpi
        fields = []


class KpiReturnFilter(django_filters.FilterSet):
    kpi = WholeNumberFilter(field_name="kpi_id", min_value=1, label="The KPI's id")
    rating = django_filters.MultipleChoiceFilter(choices=KpiRating.choices)
    period_from = _date("Periods starting on or after", "gte", "period_start", "2026-04-01")
    period_to = _date("Periods starting on or before", "lte", "period_start", "2026-04-01")
    submitted_since = IsoDateTimeFilter(
        field_name="submitted_at",
        lookup_expr="gte",
        label="Submitted at or after (ISO 8601)",
        error_messages={"invalid": "Enter a date and time in ISO 8601, like 2026-04-01T09:00Z"},
    )

    class Meta:
        model = KpiResult
        fields = []


class ReviewFilter(django_filters.FilterSet):
    rating = django_filters.MultipleChoiceFilter(choices=ReviewRating.choices)
    signed_off = django_filters.ChoiceFilter(
        choices=[("true", "Signed off"), ("false", "Awaiting sign-off")],
        method="filter_signed_off",
        label="Signed off (true) or awaiting sign-off (false)",
    )
    due_from = _date("Due on or after", "gte", "due_on", "2026-04-01")
    due_to = _date("Due on or before", "lte", "due_on", "2026-04-01")

    class Meta:
        model = ContractReview
        fields = []

    def filter_signed_off(self, queryset, name, value):
        return queryset.filter(signed_off_at__isnull=value != "true")


class RenewalDecisionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RenewalDecision.Status.choices)
    due_from = _date("Due on or after", "gte", "due_on", "2026-04-01")
    due_to = _date("Due on or before", "lte", "due_on", "2026-04-01")

    class Meta:
        model = RenewalDecision
        fields = []
