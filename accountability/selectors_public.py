"""Public accountability reads: counts and decisions only, never personal data or internal
notes. Each function makes a fixed number of queries, however many rows there are."""

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber, TruncQuarter
from django.utils import timezone

from commissioning.models import KpiResult

from .choices import UPHELD_OUTCOMES, EscalationLevel
from .models import Complaint, EscalationStep

QUARTER_NAMES = {1: "January to March", 4: "April to June", 7: "July to September"}
QUARTER_NAMES[10] = "October to December"


def latest_kpi_results(contract) -> dict[int, KpiResult]:
    """Each KPI's most recent result, by KPI id."""
    latest = (
        KpiResult.objects.filter(kpi__contract_id=contract.pk)
        .annotate(
            recency=Window(RowNumber(), partition_by=F("kpi_id"), order_by=F("period_start").desc())
        )
        .filter(recency=1)
    )
    return {result.kpi_id: result for result in latest}


def complaints_by_quarter(complaints) -> list[dict]:
    """Complaints received and upheld per calendar quarter of receipt, newest first."""
    rows = (
        complaints.annotate(
            quarter=TruncQuarter("received_at", tzinfo=timezone.get_current_timezone())
        )
        .values("quarter")
        .annotate(
            received=Count("id"),
            upheld=Count("id", filter=Q(outcome__in=UPHELD_OUTCOMES)),
        )
        .order_by("-quarter")
    )
    return [
        {
            "label": f"{QUARTER_NAMES[row['quarter'].month]} {row['quarter'].year}",
            "received": row["received"],
            "upheld": row["upheld"],
        }
        for row in rows
    ]


def escalation_history(contract) -> list[EscalationStep]:
    """The decided steps, oldest first: levels, dates and the published reason."""
    return list(
        EscalationStep.objects.filter(contract_id=contract.pk)
        .only("id", "contract_id", "from_level", "level", "reason", "decided_at")
        .order_by("decided_at", "id")
    )


def contract_accountability(contract) -> dict:
    latest = latest_kpi_results(contract)
    return {
        "kpi_rows": [(kpi, latest.get(kpi.pk)) for kpi in contract.kpis.all()],
        "complaint_quarters": complaints_by_quarter(
            Complaint.objects.filter(contract_id=contract.pk)
        ),
        "escalation_label": EscalationLevel(contract.escalation_level).label,
        "escalation_steps": escalation_history(contract),
    }


def provider_accountability(provider, contracts) -> dict:
    """Across the provider's contracts: complaints per quarter, and each contract's level
    (labelled on the contracts already loaded, so no extra query)."""
    for contract in contracts:
        contract.escalation_label = EscalationLevel(contract.escalation_level).label
    return {
        "complaint_quarters": complaints_by_quarter(
            Complaint.objects.filter(provider_id=provider.pk)
        ),
    }
