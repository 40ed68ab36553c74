"""Filters for the complaint and escalation lists. An invalid value answers 400 naming the
filter (django-filter's DjangoFilterBackend raises on an invalid filterset)."""

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError

from core.api.filters import IsoDateTimeFilter

from ..choices import (
    ComplaintCategory,
    ComplaintStatus,
    EscalationLevel,
    EscalationTrigger,
    ProposalStatus,
)
from ..models import Complaint, EscalationProposal, EscalationStep

STAGES = [(1, "Stage 1"), (2, "Stage 2")]


class StrictBooleanField(forms.NullBooleanField):
    """`true` or `false` (or 1 or 0); anything else is a bad filter, not an ignored one."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise ValidationError("Enter true or false.", code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class ComplaintFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ComplaintStatus.choices)
    stage = filters.TypedChoiceFilter(choices=STAGES, coerce=int)
    category = filters.ChoiceFilter(choices=ComplaintCategory.choices)
    contract = filters.NumberFilter(field_name="contract_id", help_text="A contract's id.")
    commissioner = filters.NumberFilter(
        field_name="commissioner_id", help_text="The commissioner's id."
    )
    provider = filters.NumberFilter(field_name="provider_id", help_text="The provider's id.")
    is_urgent = BooleanFilter(help_text="Safeguarding complaints, handled first.")
    overdue = BooleanFilter(
        method="filter_overdue",
        help_text="Open complaints past the due date of their next step (or, false, not).",
    )
    forwarded = BooleanFilter(
        method="filter_forwarded", help_text="Forwarded to the provider (or, false, not)."
    )
    received_after = filters.DateFilter(
        field_name="received_at",
        lookup_expr="date__gte",
        help_text="Received on or after this date (YYYY-MM-DD).",
    )
    received_before = filters.DateFilter(
        field_name="received_at",
        lookup_expr="date__lte",
        help_text="Received on or before this date (YYYY-MM-DD).",
    )
    updated_since = IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed at or after this time (ISO 8601), for incremental syncs.",
    )

    class Meta:
        model = Complaint
        fields = []

    def filter_overdue(self, queryset, name, value):
        # The list's queryset is annotated with `is_overdue` by the database's date.
        return queryset.filter(is_overdue=value)

    def filter_forwarded(self, queryset, name, value):
        return queryset.filter(forwarded_to_provider_at__isnull=not value)


class EscalationProposalFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ProposalStatus.choices)
    trigger = filters.ChoiceFilter(choices=EscalationTrigger.choices)
    proposed_level = filters.TypedChoiceFilter(choices=EscalationLevel.choices, coerce=int)
    contract = filters.NumberFilter(field_name="contract_id", help_text="A contract's id.")
    provider = filters.NumberFilter(
        field_name="contract__provider_id", help_text="The provider's id."
    )
    created_after = filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", help_text="Proposed on or after."
    )
    created_before = filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", help_text="Proposed on or before."
    )

    class Meta:
        model = EscalationProposal
        fields = []


class EscalationStepFilter(filters.FilterSet):
    level = filters.TypedChoiceFilter(choices=EscalationLevel.choices, coerce=int)
    contract = filters.NumberFilter(field_name="contract_id", help_text="A contract's id.")
    commissioner = filters.NumberFilter(
        field_name="contract__commissioner_id", help_text="The commissioner's id."
    )
    provider = filters.NumberFilter(
        field_name="contract__provider_id", help_text="The provider's id."
    )
    plan_outstanding = BooleanFilter(
        method="filter_plan_outstanding",
        help_text="Performance notices still waiting for the provider's improvement plan.",
    )
    decided_after = filters.DateFilter(
        field_name="decided_at", lookup_expr="date__gte", help_text="Decided on or after."
    )
    decided_before = filters.DateFilter(
        field_name="decided_at", lookup_expr="date__lte", help_text="Decided on or before."
    )

    class Meta:
        model = EscalationStep
        fields = []

    def filter_plan_outstanding(self, queryset, name, value):
        waiting = {"level": EscalationLevel.PERFORMANCE_NOTICE, "improvement_plan__isnull": True}
        return queryset.filter(**waiting) if value else queryset.exclude(**waiting)
