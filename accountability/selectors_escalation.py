"""Reads for the officers' and providers' escalation pages, with the joins each page needs."""

from django.db.models import Prefetch, QuerySet

from commissioning.models import KpiResult

from .choices import EscalationLevel, ProposalStatus
from .models import Complaint, EscalationProposal, EscalationStep

LADDER = [(level.value, level.label) for level in EscalationLevel]


def _with_evidence(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(
        Prefetch(
            "evidence_complaints",
            queryset=Complaint.objects.only(
                "id", "reference", "category", "outcome", "responded_at"
            ).order_by("responded_at", "id"),
        ),
        Prefetch(
            "evidence_kpi_results",
            queryset=KpiResult.objects.select_related("kpi").order_by("kpi_id", "period_start"),
        ),
    )


def contract_escalation(contract) -> dict:
    """Everything the officer's escalation page shows about one contract."""
    proposals = _with_evidence(
        EscalationProposal.objects.filter(contract=contract, status=ProposalStatus.PENDING)
    ).order_by("created_at", "id")
    steps = _with_evidence(
        EscalationStep.objects.filter(contract=contract).select_related(
            "decided_by", "improvement_plan__submitted_by", "proposal"
        )
    ).order_by("-decided_at", "-id")
    decided = EscalationProposal.objects.filter(
        contract=contract, status=ProposalStatus.OVERRIDDEN
    ).select_related("decided_by")
    return {
        "ladder": LADDER,
        "pending_proposals": list(proposals),
        "steps": list(steps),
        "overridden_proposals": list(decided.order_by("-decided_at", "-id")),
    }


def pending_proposals_for(*, commissioner_id: int) -> QuerySet[EscalationProposal]:
    return (
        EscalationProposal.objects.filter(
            contract__commissioner_id=commissioner_id, status=ProposalStatus.PENDING
        )
        .select_related("contract__provider")
        .order_by("created_at", "id")
    )


def provider_escalation_steps(*, provider_id: int) -> QuerySet[EscalationStep]:
    return (
        EscalationStep.objects.filter(contract__provider_id=provider_id)
        .select_related("contract__commissioner", "improvement_plan")
        .order_by("-decided_at", "-id")
    )


def escalation_proposals_for_api() -> QuerySet[EscalationProposal]:
    """Proposals with the contract, the decider and the evidence ids the API shows."""
    return _with_evidence(EscalationProposal.objects.select_related("contract", "decided_by"))


def escalation_steps_for_api() -> QuerySet[EscalationStep]:
    """Steps with the contract, the improvement plan and the evidence ids the API shows."""
    return _with_evidence(EscalationStep.objects.select_related("contract", "improvement_plan"))
