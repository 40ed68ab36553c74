"""Filters, ordering and paging for the API's tender and commissioner lists. The category
and reservation filters are the public search's own (commissioning.filters.TenderFilter), so
the API and the search page answer the same question the same way."""

from datetime import UTC, datetime

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.api.filters import IsoDateTimeFilter
from core.api.filters import StrictOrderingFilter as OrderingFilter
from core.choices import Region

from ..choices import CommissionerKind, Procedure, TenderStatus
from ..filters import TenderFilter
from ..models import CommissionerOrganisation, Tender

# Cursor pages need a value in every row of the order; drafts have no publication date and
# may have no deadline yet. They sort by these stand-ins: never published first, no deadline last.
NOT_PUBLISHED = datetime(1970, 1, 1, tzinfo=UTC)
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
SORT_KEYS = {
    "published_at": (
        "published_sort",
        Coalesce("published_at", Value(NOT_PUBLISHED, DateTimeField())),
    ),
    "submission_deadline": (
        "deadline_sort",
        Coalesce("submission_deadline", Value(NO_DEADLINE, DateTimeField())),
    ),
}


def with_sort_keys(queryset, *, drafts: bool):
    """Annotates the sort keys. Published tenders always have both dates, so for callers who
    see no drafts the keys are the plain columns (and the deadline's index serves the order)."""
    if not drafts:
        return queryset.annotate(**{key: F(name) for name, (key, _) in SORT_KEYS.items()})
    return queryset.annotate(**dict(SORT_KEYS.values()))


class TenderOrdering(OrderingFilter):
    """`?ordering=` on the public field names; the dates a draft may lack sort by the stand-ins
    above, so cursor pages work for officers' drafts too."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        translated = []
        for term in ordering:
            descending, name = term.startswith("-"), term.lstrip("-")
            key = SORT_KEYS[name][0] if name in SORT_KEYS else name
            translated.append(f"-{key}" if descending else key)
        # Ties (drafts share the stand-in dates) in a fixed order, or pages could repeat rows.
        if not any(term.lstrip("-") == "id" for term in translated):
            translated.append("id")
        return translated


CPV_API_MESSAGE = "Enter a CPV code, like 85311000-2, or its first digits (at least 2), like 853"


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    """`true` or `false`, and nothing else: a value that is neither is a 400, not ignored."""

    field_class = forms.TypedChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


class TenderApiFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=TenderStatus.choices,
        help_text="One or more statuses (repeat the parameter): published, closed, ...",
    )
    cpv = django_filters.CharFilter(
        method="filter_cpv",
        max_length=10,
        validators=[RegexValidator(r"^[0-9]{2,8}$|^[0-9]{8}-[0-9]$", CPV_API_MESSAGE)],
        help_text="A CPV code or its leading digits: matches the main or an additional "
        "category, as the public search does (853 finds 85311000-2)",
    )
    region = django_filters.ChoiceFilter(choices=Region.choices)
    commissioner = django_filters.NumberFilter(
        field_name="commissioner_id", help_text="A commissioner's id"
    )
    procedure = django_filters.ChoiceFilter(choices=Procedure.choices)
    value_min = django_filters.NumberFilter(
        field_name="estimated_value",
        lookup_expr="gte",
        help_text="Estimated value (£) at least",
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    value_max = django_filters.NumberFilter(
        field_name="estimated_value",
        lookup_expr="lte",
        help_text="Estimated value (£) at most",
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    deadline_after = IsoDateTimeFilter(
        field_name="submission_deadline",
        lookup_expr="gte",
        help_text="Submission deadline at or after this time (ISO 8601)",
    )
    deadline_before = IsoDateTimeFilter(
        field_name="submission_deadline",
        lookup_expr="lte",
        help_text="Submission deadline at or before this time (ISO 8601)",
    )
    published_since = IsoDateTimeFilter(
        field_name="published_at", lookup_expr="gte", help_text="Published at or after (ISO 8601)"
    )
    updated_since = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after (ISO 8601)"
    )
    reserved = StrictBooleanFilter(
        method="filter_reserved",
        help_text="true: only tenders with a lot reserved for small providers, VCSEs or mutuals",
    )

    class Meta:
        model = Tender
        fields = []

    # The public search's own filters, so both answer alike.
    filter_cpv = TenderFilter.filter_category
    filter_reserved = TenderFilter.filter_small_or_vcse


class CommissionerApiFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CommissionerKind.choices)
    region = django_filters.ChoiceFilter(choices=Region.choices)
    updated_since = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after (ISO 8601)"
    )

    class Meta:
        model = CommissionerOrganisation
        fields = []
