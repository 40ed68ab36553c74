"""Reads for the officers' complaint queue and complaint pages, with the joins they need."""

from datetime import date

from django.db.models import BooleanField, Case, DateField, F, Prefetch, Value, When

from commissioning.models import Contract

from .choices import ComplaintStatus
from .models import ComplaintStatusChange
from .permissions import complaints_visible_to
from .services.handling import overdue_q


def with_due_and_overdue(queryset, *, today: date):
    """Annotates `due_on` (the date the next step is due) and `is_overdue`."""
    return queryset.annotate(
        due_on=Case(
            When(status=ComplaintStatus.RECEIVED, then=F("acknowledge_due_on")),
            default=F("response_due_on"),
            output_field=DateField(),
        ),
        is_overdue=Case(
            When(overdue_q(today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def complaint_queue(*, user, today: date, filters: dict | None = None):
    """The commissioner's complaints, urgent safeguarding first, then by due date."""
    filters = filters or {}
    rows = with_due_and_overdue(
        complaints_visible_to(user).select_related("contract", "assigned_to"), today=today
    )
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    if filters.get("stage"):
        rows = rows.filter(stage=filters["stage"])
    if filters.get("category"):
        rows = rows.filter(category=filters["category"])
    if filters.get("overdue"):
        rows = rows.filter(overdue_q(today))
    if filters.get("assigned") == "me":
        rows = rows.filter(assigned_to=user)
    elif filters.get("assigned") == "unassigned":
        rows = rows.filter(assigned_to__isnull=True)
    if filters.get("contract"):
        rows = rows.filter(contract=filters["contract"])
    return rows.order_by("-is_urgent", "due_on", "id")


def forwarded_complaints(*, user, today: date):
    """The complaints commissioners forwarded to this provider, newest first."""
    rows = complaints_visible_to(user).filter(forwarded_to_provider_at__isnull=False)
    return with_due_and_overdue(
        rows.select_related("contract", "commissioner"), today=today
    ).order_by("-is_urgent", "due_on", "id")


def complaint_for_handling(queryset, *, today: date):
    """One complaint with everything its page shows."""
    return with_due_and_overdue(
        queryset.select_related("contract", "commissioner", "provider", "assigned_to"), today=today
    ).prefetch_related(
        Prefetch("history", queryset=ComplaintStatusChange.objects.select_related("actor")),
        "notes__author",
        "responses__author",
        "attachments",
    )


def contracts_with_complaints_for(user):
    return Contract.objects.filter(commissioner_id=user.commissioner_id).order_by("title")
