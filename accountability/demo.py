"""Demo complaints at every stage and contracts at every escalation level, made through the
services. Where a stage needs time to pass (an overdue complaint), the demo moves the dates
into the past first, as if the time had gone by.

Idempotent: once the demo has complaints, it adds none.
"""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from commissioning.models import Contract

from .choices import (
    ComplaintCategory,
    ComplaintOutcome,
    ContinuityOption,
    EscalationLevel,
    Ombudsman,
)
from .models import Complaint, EscalationProposal
from .services import complaints, escalation, handling


def _complain(contract, category, description, *, email="", name=""):
    complaint, _token = complaints.complaint_submit(
        contract=contract,
        category=category,
        description=description,
        postcode="M1 1AE",
        complainant_name=name,
        complainant_email=email,
    )
    return complaint


def _respond(complaint, officer, outcome, text, remedy=""):
    handling.complaint_acknowledge(complaint=complaint, actor=officer)
    handling.complaint_start_investigation(complaint=complaint, actor=officer)
    return handling.complaint_respond(
        complaint=complaint, actor=officer, outcome=outcome, text=text, remedy=remedy
    )


def _as_if_received_days_ago(complaint, days):
    received = timezone.now() - timedelta(days=days)
    Complaint.objects.filter(pk=complaint.pk).update(
        received_at=received,
        acknowledge_due_on=(received + timedelta(days=7)).date(),
        response_due_on=(received + timedelta(days=14)).date(),
    )


def seed() -> int:
    if Complaint.objects.exists():
        return 0
    users = {u.email: u for u in User.objects.all()}
    nsh = users["officer@northshire.example"]
    icb = users["officer@riverside-icb.example"]
    clerk = users["clerk@ashbyparva.example"]
    carewell = users["admin@carewell.example"]
    contracts = {c.title.split(":")[0]: c for c in Contract.objects.all()}
    grounds = contracts["Grounds maintenance for community centres"]
    lunch = contracts["Village lunch club"]
    homecare = contracts["Domiciliary care in South Northshire"]
    parents = contracts["Peer support for new parents"]
    youth = contracts["Youth clubs on two estates"]
    made = 0

    # Level 0, with complaints at every stage of handling.
    _complain(lunch, ComplaintCategory.QUALITY, "The soup was cold two weeks running.")
    late = _complain(
        lunch,
        ComplaintCategory.MISSED_SERVICE,
        "Nobody collected my mother for the lunch club.",
        name="Sam Jones",
        email="sam.jones@example.org",
    )
    _as_if_received_days_ago(late, 30)
    handling.complaints_sweep_overdue()
    handling.complaint_refer_to_ombudsman(
        complaint=late,
        actor=clerk,
        ombudsman=Ombudsman.LGSCO,
        referred_on=timezone.localdate(),
    )
    reviewed = _complain(
        lunch,
        ComplaintCategory.STAFF_CONDUCT,
        "A volunteer was rude to my father.",
        name="Alex Smith",
        email="alex.smith@example.org",
    )
    _respond(
        reviewed,
        clerk,
        ComplaintOutcome.NOT_UPHELD,
        "We spoke to the volunteers and the other guests, who did not see rudeness.",
    )
    complaints.complaint_request_stage2(
        complaint=reviewed, reason="Nobody asked my father what happened."
    )
    made += 3

    # Level 1: an upheld safeguarding complaint proposes enhanced monitoring; confirmed.
    safeguarding = _complain(
        parents,
        ComplaintCategory.SAFEGUARDING,
        "A peer supporter shared a mother's address with another group member.",
        email="concerned.parent@example.org",
    )
    _respond(
        safeguarding,
        icb,
        ComplaintOutcome.UPHELD,
        "We agree this was a serious breach of confidentiality.",
        remedy="Data protection retraining for all peer supporters within a month.",
    )
    proposal = EscalationProposal.objects.get(contract=parents, status="pending")
    escalation.proposal_confirm(
        proposal=proposal,
        actor=icb,
        reason="A safeguarding complaint was upheld: monthly monitoring visits for six months.",
    )
    made += 1

    # Level 2: upheld complaints, a performance notice and the provider's improvement plan.
    for text in (
        "Carers arrived three hours late.",
        "The evening visit was missed.",
        "Medication was not recorded.",
    ):
        upheld = _complain(homecare, ComplaintCategory.MISSED_SERVICE, text)
        _respond(
            upheld,
            nsh,
            ComplaintOutcome.UPHELD,
            "We agree; we are sorry.",
            remedy="The provider has apologised and refunded the missed visits.",
        )
        made += 1
    for proposal in EscalationProposal.objects.filter(contract=homecare, status="pending"):
        escalation.proposal_override(
            proposal=proposal,
            actor=nsh,
            reason="Decided together as a performance notice below.",
        )
    escalation.escalation_step_record(
        contract=homecare,
        actor=nsh,
        level=EscalationLevel.ENHANCED_MONITORING,
        reason="Three upheld complaints about missed and late visits in a month.",
    )
    step = escalation.escalation_step_record(
        contract=homecare,
        actor=nsh,
        level=EscalationLevel.PERFORMANCE_NOTICE,
        reason="Late and missed visits continued under enhanced monitoring.",
        plan_due_on=timezone.localdate() + timedelta(days=14),
    )
    escalation.improvement_plan_submit(
        step=step,
        actor=carewell,
        text="Rota software with live alerts, two extra carers, weekly reports to the council.",
    )

    # Level 3: a formal warning.
    escalation.escalation_step_record(
        contract=youth,
        actor=nsh,
        level=EscalationLevel.FORMAL_WARNING,
        reason="Sessions were cancelled repeatedly without notice, after two earlier letters.",
    )
    # Level 4: termination, with the service re-procured.
    escalation.escalation_step_record(
        contract=grounds,
        actor=nsh,
        level=EscalationLevel.TERMINATION,
        reason="Persistent failure to maintain sites safely after a formal warning.",
        continuity=ContinuityOption.REPROCURE,
    )
    return made
