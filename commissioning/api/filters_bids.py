"""Filters for the bid, panel-bid and award lists. A bad value is a 400 naming the filter."""

import django_filters
from django import forms

from core.api.filters import IsoDateTimeFilter
from providers.choices import ProviderKind, SizeBand

from ..choices import AwardStatus, BidStatus
from ..models import Award, Bid


class IdFilter(django_filters.NumberFilter):
    """A record's id: a whole number a database id can be (so no query overflows)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class MoneyFilter(django_filters.NumberFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        super().__init__(*args, **kwargs)


class BidFilter(django_filters.FilterSet):
    tender = IdFilter(field_name="tender_id", help_text="A tender's id.")
    lot = IdFilter(field_name="lot_id", help_text="A lot's id.")
    status = django_filters.ChoiceFilter(choices=BidStatus.choices)
    submitted_since = IsoDateTimeFilter(
        field_name="submitted_at", lookup_expr="gte", help_text="Submitted at or after (ISO 8601)."
    )
    updated_since = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after (ISO 8601)."
    )

    class Meta:
        model = Bid
        fields = ["tender", "lot", "status", "submitted_since", "updated_since"]


class PanelBidFilter(django_filters.FilterSet):
    lot = IdFilter(field_name="lot_id", help_text="A lot's id.")

    class Meta:
        model = Bid
        fields = ["lot"]


class AwardFilter(django_filters.FilterSet):
    tender = IdFilter(field_name="lot__tender_id", help_text="A tender's id.")
    commissioner = IdFilter(
        field_name="lot__tender__commissioner_id", help_text="A commissioner's id."
    )
    provider = IdFilter(field_name="bid__provider_id", help_text="The winning provider's id.")
    provider_kind = django_filters.ChoiceFilter(
        field_name="bid__provider__kind", choices=ProviderKind.choices
    )
    provider_size = django_filters.ChoiceFilter(
        field_name="bid__provider__size_band", choices=SizeBand.choices
    )
    status = django_filters.ChoiceFilter(choices=AwardStatus.choices)
    decided_since = IsoDateTimeFilter(
        field_name="decided_at", lookup_expr="gte", help_text="Decided at or after (ISO 8601)."
    )
    value_min = MoneyFilter(
        field_name="bid__opened_price", lookup_expr="gte", help_text="Value at least (£)."
    )
    value_max = MoneyFilter(
        field_name="bid__opened_price", lookup_expr="lte", help_text="Value at most (£)."
    )

    class Meta:
        model = Award
        fields = [
            "tender",
            "commissioner",
            "provider",
            "provider_kind",
            "provider_size",
            "status",
            "decided_since",
            "value_min",
            "value_max",
        ]
