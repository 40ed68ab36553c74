"""Reads for the renewal pages, with the joins they need."""

from django.db.models import Prefetch

from .models import ContractExtension, Kpi, KpiResult, RenewalDecision


def open_renewals_for(*, commissioner_id: int):
    """The commissioner's open renewal decisions, soonest due first."""
    return (
        RenewalDecision.objects.filter(
            contract__commissioner_id=commissioner_id, status=RenewalDecision.Status.OPEN
        )
        .select_related("contract", "contract__provider")
        .order_by("due_on", "pk")
    )


def renewal_page(renewal: RenewalDecision) -> dict:
    """The contract's performance summary and extension history beside the decision."""
    contract = renewal.contract
    kpis = list(
        Kpi.objects.filter(contract=contract).prefetch_related(
            Prefetch(
                "results", queryset=KpiResult.objects.order_by("-period_start"), to_attr="latest"
            )
        )
    )
    for kpi in kpis:
        kpi.latest = kpi.latest[:2]
    extensions = ContractExtension.objects.filter(contract=contract).select_related("approved_by")
    return {"kpis": kpis, "extensions": list(extensions)}
