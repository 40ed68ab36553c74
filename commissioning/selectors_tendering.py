"""Reads for officers' tender pages, with the joins each page needs."""

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from accounts.models import User

from .choices import TenderStatus
from .models import EvaluationCriterion, Lot, PanelMember, Tender, TenderStatusChange
from .permissions import tenders_visible_to


def officer_tender_list(*, user) -> QuerySet[Tender]:
    """The user's organisation's tenders, newest activity first, with what the list shows."""
    return (
        tenders_visible_to(user)
        .select_related("commissioner", "main_cpv")
        .annotate(lot_count=Count("lots", distinct=True))
        .order_by("-updated_at", "-id")
    )


def officer_tender_counts(*, user) -> dict[str, int]:
    """How many of the organisation's tenders are in each status, for the dashboard."""
    counts = tenders_visible_to(user).aggregate(
        **{status: Count("id", filter=Q(status=status)) for status in TenderStatus.values}
    )
    return {status: counts[status] for status in TenderStatus.values}


def tender_for_management(queryset: QuerySet[Tender]) -> QuerySet[Tender]:
    """Adds everything the officer's tender page shows, so it costs a fixed number of queries."""
    return queryset.select_related("commissioner", "main_cpv", "created_by").prefetch_related(
        Prefetch("lots", queryset=Lot.objects.order_by("number")),
        Prefetch("criteria", queryset=EvaluationCriterion.objects.order_by("id")),
        Prefetch("panel_members", queryset=PanelMember.objects.select_related("user")),
        "documents",
        Prefetch(
            "status_changes",
            queryset=TenderStatusChange.objects.select_related("actor").order_by("changed_at"),
        ),
    )


def criteria_weight_total(tender: Tender) -> int:
    return sum(c.weight for c in tender.criteria.all())


def panel_candidates(tender: Tender) -> QuerySet[User]:
    """Colleagues who may join the panel: active users of the commissioner not on it yet."""
    return (
        User.objects.filter(commissioner_id=tender.commissioner_id, is_active=True)
        .exclude(pk__in=tender.panel_members.values("user_id"))
        .order_by("full_name")
    )


def lot_value_total(tender: Tender):
    return tender.lots.aggregate(total=Sum("estimated_value"))["total"] or 0
