"""Filters for the public tender list. Each narrows `selectors.public_tender_list()`."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import DateTimeField, Exists, ExpressionWrapper, OuterRef, Q
from django.db.models.functions import Now
from django.http import QueryDict
from django.utils import timezone

from core.choices import Region

from .choices import Procedure
from .forms_public import LeanSelect, TenderFilterForm
from .models import Lot, Tender
from .selectors import (
    DEFAULT_STATUS_GROUPS,
    SMALL_OR_VCSE_RESERVATIONS,
    public_status_q,
    tender_search,
)

STATUS_CHOICES = [
    ("open", "Open for bids"),
    ("closed", "Closed or in evaluation"),
    ("awarded", "Awarded"),
    ("cancelled", "Cancelled"),
]
# Estimated value bands, from £ (inclusive) to £ (exclusive).
VALUE_BANDS = {
    "under-25k": (None, Decimal(25_000)),
    "25k-100k": (Decimal(25_000), Decimal(100_000)),
    "100k-1m": (Decimal(100_000), Decimal(1_000_000)),
    "over-1m": (Decimal(1_000_000), None),
}
VALUE_BAND_CHOICES = [
    ("under-25k", "Under £25,000"),
    ("25k-100k", "£25,000 to £100,000"),
    ("100k-1m", "£100,000 to £1 million"),
    ("over-1m", "Over £1 million"),
]
CLOSING_CHOICES = [("7", "Within 7 days"), ("30", "Within 30 days")]
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CPV_MESSAGE = "Enter a CPV code, like 85311000-2, or its first 2 digits, like 85"


def cpv_prefix(code: str) -> str:
    """The prefix every code under `code` shares: CPV codes are a hierarchy written with
    trailing zeros (85000000 is a division, 85310000 a class within it)."""
    digits = code[:8]
    return digits.rstrip("0").ljust(2, "0") if len(digits) == 8 else digits


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class TenderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        max_length=200,
        help_text="Words in the title or description",
        error_messages={"max_length": "Search for 200 characters or fewer"},
    )
    status = django_filters.MultipleChoiceFilter(
        label="Status",
        choices=STATUS_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        # Applied in filter_queryset, so that no choice still means "open for bids".
        method="filter_nothing",
    )
    category = django_filters.CharFilter(
        label="Service category",
        help_text="A CPV code, like 85311000-2, or its first 2 digits, like 85",
        method="filter_category",
        max_length=10,
        validators=[RegexValidator(r"^[0-9]{2}$|^[0-9]{8}(-[0-9])?$", CPV_MESSAGE)],
        error_messages={"max_length": CPV_MESSAGE},
    )
    region = django_filters.ChoiceFilter(
        label="Region", choices=Region.choices, empty_label="Any region", widget=LeanSelect
    )
    value = django_filters.ChoiceFilter(
        label="Estimated value",
        choices=VALUE_BAND_CHOICES,
        empty_label="Any value",
        method="filter_value",
        widget=LeanSelect,
    )
    closing = django_filters.ChoiceFilter(
        label="Closing",
        choices=CLOSING_CHOICES,
        empty_label="Any time",
        method="filter_closing",
        widget=LeanSelect,
    )
    closes_by = django_filters.DateFilter(
        label="Closing on or before",
        help_text="For example, 31/3/2026",
        method="filter_closes_by",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date for the closing date, like 31/3/2026"},
    )
    procedure = django_filters.ChoiceFilter(
        label="Procedure",
        choices=Procedure.choices,
        empty_label="Any procedure",
        widget=LeanSelect,
    )
    small_or_vcse = django_filters.BooleanFilter(
        label="Reserved for small providers, VCSEs or mutuals",
        help_text="VCSEs are voluntary, community and social enterprise organisations",
        method="filter_small_or_vcse",
        widget=forms.CheckboxInput,
    )
    page_size = WholeNumberFilter(
        label="Results per page",
        method="filter_nothing",
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        widget=forms.NumberInput(attrs={"class": "govuk-input--width-3"}),
    )

    class Meta:
        model = Tender
        fields = []
        form = TenderFilterForm

    def __init__(self, data=None, *args, **kwargs):
        # Always bound, so filter_queryset (and with it the public status rule) always runs;
        # and with the default status ticked, so the form shows what the list applies.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not [v for v in data.getlist("status") if v]:
            data.setlist("status", list(DEFAULT_STATUS_GROUPS))
        super().__init__(data, *args, **kwargs)
        field = self.form.fields["page_size"]
        field.error_messages.update(
            {
                "invalid": f"Results per page must be a whole number from 1 to {MAX_PAGE_SIZE}",
                "min_value": "Results per page must be 1 or more",
                "max_value": f"Results per page must be {MAX_PAGE_SIZE} or fewer",
            }
        )

    def filter_queryset(self, queryset):
        groups = self.form.cleaned_data.get("status") or DEFAULT_STATUS_GROUPS
        return super().filter_queryset(queryset.filter(public_status_q(groups)))

    @property
    def rows_per_page(self) -> int:
        size = self.form.cleaned_data.get("page_size") if self.is_valid() else None
        return int(size) if size else DEFAULT_PAGE_SIZE

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return tender_search(queryset, value) if value else queryset

    def filter_category(self, queryset, name, value):
        prefix = cpv_prefix(value)
        additional = Tender.additional_cpvs.through.objects.filter(
            tender_id=OuterRef("pk"), cpvcode__code__startswith=prefix
        )
        return queryset.filter(Q(main_cpv__code__startswith=prefix) | Q(Exists(additional)))

    def filter_value(self, queryset, name, value):
        low, high = VALUE_BANDS[value]
        if low is not None:
            queryset = queryset.filter(estimated_value__gte=low)
        if high is not None:
            queryset = queryset.filter(estimated_value__lt=high)
        return queryset

    def filter_closing(self, queryset, name, value):
        # Now() is the database's clock, so no deadline is judged by the web server's.
        horizon = ExpressionWrapper(Now() + timedelta(days=int(value)), DateTimeField())
        return queryset.filter(submission_deadline__gte=Now(), submission_deadline__lte=horizon)

    def filter_closes_by(self, queryset, name, value):
        end_of_day = timezone.make_aware(datetime.combine(value + timedelta(days=1), time.min))
        return queryset.filter(submission_deadline__lt=end_of_day)

    def filter_small_or_vcse(self, queryset, name, value):
        if not value:
            return queryset
        reserved = Lot.objects.filter(
            tender=OuterRef("pk"), reservation__in=SMALL_OR_VCSE_RESERVATIONS
        )
        return queryset.filter(Exists(reserved))
