"""The escalation ladder of failing contracts: triggers propose, officers decide.

Triggers (upheld complaints, an upheld safeguarding complaint, a KPI missed in consecutive
periods) only ever create a pending proposal. A contract moves up or down the ladder only when
one of the commissioner's officers confirms a proposal or records a step of their own, with a
reason: nothing terminates a contract without a person deciding. Every decision locks the
contract row, is audited, and tells the provider's admins by email.
"""

from datetime import date, timedelta
from itertools import pairwise

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from commissioning.choices import ContractStatus
from commissioning.models import Contract, KpiRating, KpiResult
from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.permissions import Action
from core.services import audit_record, outbox_enqueue, snapshot

from ..choices import (
    UPHELD_OUTCOMES,
    ComplaintCategory,
    ContinuityOption,
    EscalationLevel,
    EscalationTrigger,
    ProposalStatus,
)
from ..models import (
    Complaint,
    EscalationPolicy,
    EscalationProposal,
    EscalationStep,
    ImprovementPlan,
)
from ..permissions import contract_escalation_policy, escalation_step_policy

TOP_LEVEL = EscalationLevel.TERMINATION
LIVE_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXTENDED)
THRESHOLD_FIELDS = (
    "upheld_complaints_threshold",
    "upheld_complaints_window_days",
    "escalate_on_upheld_safeguarding",
    "kpi_consecutive_misses",
)
THRESHOLD_LIMITS = {
    "upheld_complaints_threshold": (1, 100, "Enter a number of upheld complaints from 1 to 100"),
    "upheld_complaints_window_days": (1, 730, "Enter a window from 1 to 730 days"),
    "kpi_consecutive_misses": (1, 12, "Enter a number of consecutive periods from 1 to 12"),
}


def db_today() -> date:
    return timezone.localdate(db_now())


def level_label(level: int) -> str:
    return EscalationLevel(level).label


# --- thresholds ---------------------------------------------------------------------------


def escalation_policy_for(contract: Contract) -> EscalationPolicy:
    """The contract's thresholds; contracts made before escalation existed get the defaults."""
    policy, _ = EscalationPolicy.objects.get_or_create(contract_id=contract.pk)
    return policy


@transaction.atomic
def escalation_policy_update(*, contract: Contract, actor, **thresholds) -> EscalationPolicy:
    unknown = set(thresholds) - set(THRESHOLD_FIELDS)
    if unknown:
        raise ValueError(f"not a threshold: {', '.join(sorted(unknown))}")
    contract = _lock_contract(contract, actor=actor)
    policy = escalation_policy_for(contract)
    policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
    problems = {}
    for name, (low, high, message) in THRESHOLD_LIMITS.items():
        value = thresholds.get(name)
        if name in thresholds and (value is None or not low <= value <= high):
            problems[name] = [message]
    if problems:
        raise DomainError("Check the thresholds you entered.", field_errors=problems)
    before = snapshot(policy, thresholds)
    for name, value in thresholds.items():
        setattr(policy, name, value)
    policy.save()
    after = snapshot(policy, thresholds)
    changed = {k: v for k, v in after.items() if before[k] != v}
    if changed:
        audit_record(
            actor=actor,
            action="escalation.thresholds_changed",
            target=contract,
            before={k: before[k] for k in changed},
            after=changed,
        )
    return policy


# --- triggers -----------------------------------------------------------------------------


def _cited_complaints(contract, trigger):
    """Complaints already cited by a proposal for this trigger: once an officer has decided on
    them they do not propose the same step again."""
    through = EscalationProposal.evidence_complaints.through
    return through.objects.filter(
        escalationproposal__contract_id=contract.pk, escalationproposal__trigger=trigger
    ).values("complaint_id")


@transaction.atomic
def evaluate_triggers(*, contract: Contract) -> list[EscalationProposal]:
    """Checks the contract's three triggers and proposes one step per trigger that fired.

    Idempotent: an open proposal for the same trigger blocks a second (the partial unique
    constraint), and evidence an officer already decided on is not counted again.
    The number of queries does not depend on how many complaints or KPIs there are."""
    contract = Contract.objects.get(pk=contract.pk)
    if contract.status not in LIVE_CONTRACT_STATUSES:
        return []
    policy = escalation_policy_for(contract)
    now = db_now()
    proposed_level = min(contract.escalation_level + 1, TOP_LEVEL)
    fired: list[tuple[str, str, list, list]] = []

    cutoff = now - timedelta(days=policy.upheld_complaints_window_days)
    upheld = list(
        Complaint.objects.filter(contract_id=contract.pk, outcome__in=UPHELD_OUTCOMES)
        .filter(
            Q(responded_at__gte=cutoff)
            | Q(
                category=ComplaintCategory.SAFEGUARDING,
                responded_at__isnull=False,
            )
        )
        .annotate(
            cited_for_count=Exists(
                _cited_complaints(contract, EscalationTrigger.UPHELD_COMPLAINTS).filter(
                    complaint_id=OuterRef("pk")
                )
            ),
            cited_for_safeguarding=Exists(
                _cited_complaints(contract, EscalationTrigger.SAFEGUARDING).filter(
                    complaint_id=OuterRef("pk")
                )
            ),
        )
        .order_by("responded_at", "id")
    )
    in_window = [c for c in upheld if c.responded_at >= cutoff and not c.cited_for_count]
    if len(in_window) >= policy.upheld_complaints_threshold:
        fired.append(
            (
                EscalationTrigger.UPHELD_COMPLAINTS,
                f"{_plural(len(in_window), 'upheld complaint')} in the last "
                f"{policy.upheld_complaints_window_days} days "
                f"(threshold {policy.upheld_complaints_threshold})",
                in_window,
                [],
            )
        )
    safeguarding = [
        c
        for c in upheld
        if c.category == ComplaintCategory.SAFEGUARDING and not c.cited_for_safeguarding
    ]
    if policy.escalate_on_upheld_safeguarding and safeguarding:
        fired.append(
            (
                EscalationTrigger.SAFEGUARDING,
                f"{_plural(len(safeguarding), 'upheld safeguarding complaint')} "
                f"({', '.join(c.reference for c in safeguarding)})",
                safeguarding,
                [],
            )
        )

    missed_kpis = _kpis_missed(contract, periods=policy.kpi_consecutive_misses)
    if missed_kpis:
        names = ", ".join(f"“{results[0].kpi.name}”" for results in missed_kpis)
        fired.append(
            (
                EscalationTrigger.KPI_MISSES,
                f"KPI {names} missed in the last {policy.kpi_consecutive_misses} "
                f"consecutive reporting periods (threshold {policy.kpi_consecutive_misses})",
                [],
                [r for results in missed_kpis for r in results],
            )
        )

    created = []
    for trigger, reason, complaints, kpi_results in fired:
        try:
            # A savepoint: the one open proposal per trigger may already exist, and the
            # failed insert must not end the caller's transaction.
            with transaction.atomic():
                proposal = EscalationProposal.objects.create(
                    contract=contract, trigger=trigger, proposed_level=proposed_level, reason=reason
                )
        except IntegrityError:
            continue
        if complaints:
            proposal.evidence_complaints.set(complaints)
        if kpi_results:
            proposal.evidence_kpi_results.set(kpi_results)
        audit_record(
            actor=None,
            action="escalation.proposed",
            target=contract,
            after={"trigger": trigger, "proposed_level": proposed_level, "reason": reason},
        )
        created.append(proposal)
    return created


def _kpis_missed(contract, *, periods: int) -> list[list[KpiResult]]:
    """Per KPI, its latest `periods` results when all were missed in consecutive periods and
    no proposal has cited them yet."""
    cited = EscalationProposal.evidence_kpi_results.through.objects.filter(
        escalationproposal__contract_id=contract.pk,
        escalationproposal__trigger=EscalationTrigger.KPI_MISSES,
        kpiresult_id=OuterRef("pk"),
    )
    latest = (
        KpiResult.objects.filter(kpi__contract_id=contract.pk)
        .select_related("kpi")
        .annotate(
            recency=Window(
                RowNumber(), partition_by=F("kpi_id"), order_by=F("period_start").desc()
            ),
            cited=Exists(cited),
        )
        .filter(recency__lte=periods)
        .order_by("kpi_id", "period_start")
    )
    by_kpi: dict[int, list[KpiResult]] = {}
    for result in latest:
        by_kpi.setdefault(result.kpi_id, []).append(result)
    missed = []
    for results in by_kpi.values():
        if len(results) < periods or any(r.cited for r in results):
            continue
        if all(r.rating == KpiRating.MISSED for r in results) and _consecutive(results):
            missed.append(results)
    return missed


def _consecutive(results: list[KpiResult]) -> bool:
    # A period starts the day after the one before ends (or on the same day, as some
    # reports are entered with inclusive ends).
    return all(
        later.period_start <= earlier.period_end + timedelta(days=1)
        for earlier, later in pairwise(results)
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def evaluate_triggers_for_due_contracts(*, chunk_size: int = 500) -> int:
    """The daily sweep: evaluates only live contracts with upheld complaints or missed KPI
    results, in chunks, each contract in its own transaction. Returns proposals created."""
    upheld = Complaint.objects.filter(contract_id=OuterRef("pk"), outcome__in=UPHELD_OUTCOMES)
    missed = KpiResult.objects.filter(kpi__contract_id=OuterRef("pk"), rating=KpiRating.MISSED)
    due = (
        Contract.objects.filter(status__in=LIVE_CONTRACT_STATUSES)
        .filter(Exists(upheld) | Exists(missed))
        .order_by("id")
        .values_list("id", flat=True)
    )
    created = 0
    for contract_id in due.iterator(chunk_size=chunk_size):
        created += len(evaluate_triggers(contract=Contract(pk=contract_id)))
    return created


# --- decisions ----------------------------------------------------------------------------


def _lock_contract(contract: Contract, *, actor) -> Contract:
    """The contract's row, locked for this transaction, so two officers cannot both move it."""
    locked = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("commissioner", "provider")
        .get(pk=contract.pk)
    )
    if not contract_escalation_policy.can(actor, locked, Action.CHANGE):
        raise NotPermitted(contract_escalation_policy.refusals[Action.CHANGE])
    return locked


def _step_problems(
    *, level: int, reason: str, plan_due_on, continuity: str, today: date
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if level == EscalationLevel.PERFORMANCE_NOTICE:
        if plan_due_on is None:
            problems["plan_due_on"] = ["Enter the date the improvement plan is due"]
        elif plan_due_on <= today:
            problems["plan_due_on"] = ["The improvement plan's due date must be in the future"]
    if level == EscalationLevel.TERMINATION:
        if continuity not in ContinuityOption.values or not continuity:
            problems["continuity"] = ["Choose how the service will continue"]
        if not reason:
            problems["reason"] = ["Enter the reason for terminating the contract"]
    return problems


def _record_step(
    *,
    contract: Contract,
    actor,
    level: int,
    reason: str,
    plan_due_on,
    continuity: str,
    proposal: EscalationProposal | None = None,
) -> EscalationStep:
    """Writes a decided step on a locked contract: the step, the contract's level, the audit
    entry and the provider's emails."""
    from_level = contract.escalation_level
    step = EscalationStep.objects.create(
        contract=contract,
        from_level=from_level,
        level=level,
        reason=reason,
        proposal=proposal,
        decided_by=actor,
        decided_at=db_now(),
        plan_due_on=plan_due_on if level == EscalationLevel.PERFORMANCE_NOTICE else None,
        continuity=continuity if level == EscalationLevel.TERMINATION else "",
    )
    if proposal is not None:
        step.evidence_complaints.set(proposal.evidence_complaints.all())
        step.evidence_kpi_results.set(proposal.evidence_kpi_results.all())
    contract.escalation_level = level
    contract.save(update_fields=["escalation_level", "updated_at"])
    audit_record(
        actor=actor,
        action="escalation.step_decided",
        target=contract,
        before={"escalation_level": from_level},
        after={
            "escalation_level": level,
            "reason": reason,
            **({"proposal": proposal.pk} if proposal else {}),
            **({"plan_due_on": str(plan_due_on)} if step.plan_due_on else {}),
            **({"continuity": continuity} if step.continuity else {}),
        },
    )
    _tell_provider(step)
    return step


def _tell_provider(step: EscalationStep) -> None:
    contract = step.contract
    admins = User.objects.filter(
        provider_id=contract.provider_id, role=Role.PROVIDER_ADMIN, is_active=True
    ).values_list("email", flat=True)
    direction = "raised" if step.level > step.from_level else "lowered"
    lines = [
        f"{contract.commissioner.name} has {direction} the escalation level of the contract "
        f"“{contract.title}” ({contract.reference}) from {level_label(step.from_level)} "
        f"to {level_label(step.level)}.",
        "",
        f"Reason: {step.reason}",
    ]
    if step.plan_due_on:
        lines += [
            "",
            "Submit your improvement plan by "
            f"{step.plan_due_on:%-d %B %Y}: {settings.SITE_URL}"
            f"{reverse('escalation:provider_list')}",
        ]
    for email in admins:
        outbox_enqueue(
            to=email,
            subject=f"{contract.title}: escalation level now {level_label(step.level)}",
            body="\n".join(lines),
        )


@transaction.atomic
def proposal_confirm(
    *,
    proposal: EscalationProposal,
    actor,
    reason: str = "",
    plan_due_on: date | None = None,
    continuity: str = "",
) -> EscalationStep:
    """Moves the contract to the proposed level. The reason, if given, is published in place of
    the trigger's own; a performance notice needs the plan's due date, termination a reason and
    a continuity option."""
    contract = _lock_contract(proposal.contract, actor=actor)
    proposal = EscalationProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING:
        raise DomainError(
            "Another officer already decided this proposal: it is "
            f"{proposal.get_status_display().lower()}."
        )
    level = proposal.proposed_level
    if level <= contract.escalation_level:
        raise DomainError(
            f"The contract is already at {level_label(contract.escalation_level)}. Override "
            "this proposal with a reason, or record a step up the ladder."
        )
    reason = (reason or "").strip()
    problems = _step_problems(
        level=level,
        reason=reason,
        plan_due_on=plan_due_on,
        continuity=continuity,
        today=db_today(),
    )
    if problems:
        raise DomainError("Check the details of your decision.", field_errors=problems)
    step = _record_step(
        contract=contract,
        actor=actor,
        level=level,
        reason=reason or proposal.reason,
        plan_due_on=plan_due_on,
        continuity=continuity,
        proposal=proposal,
    )
    proposal.status = ProposalStatus.CONFIRMED
    proposal.decided_by = actor
    proposal.decided_at = step.decided_at
    proposal.decision_reason = reason
    proposal.save()
    return step


@transaction.atomic
def proposal_override(*, proposal: EscalationProposal, actor, reason: str) -> EscalationProposal:
    """Declines a trigger's proposal; the officer must say why, for the record."""
    contract = _lock_contract(proposal.contract, actor=actor)
    proposal = EscalationProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING:
        raise DomainError(
            "Another officer already decided this proposal: it is "
            f"{proposal.get_status_display().lower()}."
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Enter why you are not escalating the contract.",
            field_errors={"reason": ["Enter why you are not escalating the contract"]},
        )
    proposal.status = ProposalStatus.OVERRIDDEN
    proposal.decided_by = actor
    proposal.decided_at = db_now()
    proposal.decision_reason = reason
    proposal.save()
    audit_record(
        actor=actor,
        action="escalation.proposal_overridden",
        target=contract,
        after={
            "proposal": proposal.pk,
            "proposed_level": proposal.proposed_level,
            "reason": reason,
        },
    )
    return proposal


@transaction.atomic
def escalation_step_record(
    *,
    contract: Contract,
    actor,
    level: int,
    reason: str,
    plan_due_on: date | None = None,
    continuity: str = "",
) -> EscalationStep:
    """An officer's own decision, up or down the ladder, without a trigger."""
    contract = _lock_contract(contract, actor=actor)
    reason = (reason or "").strip()
    problems: dict[str, list[str]] = {}
    if level not in EscalationLevel.values:
        problems["level"] = ["Choose a level"]
    elif level == contract.escalation_level:
        problems["level"] = [
            f"The contract is already at {level_label(level)}: choose another level"
        ]
    if not reason:
        problems["reason"] = ["Enter the reason for your decision"]
    if "level" not in problems:
        problems = {
            **_step_problems(
                level=level,
                reason=reason,
                plan_due_on=plan_due_on,
                continuity=continuity,
                today=db_today(),
            ),
            **problems,
        }
    if problems:
        raise DomainError("Check the details of your decision.", field_errors=problems)
    return _record_step(
        contract=contract,
        actor=actor,
        level=level,
        reason=reason,
        plan_due_on=plan_due_on,
        continuity=continuity,
    )


# --- improvement plans --------------------------------------------------------------------


@transaction.atomic
def improvement_plan_submit(*, step: EscalationStep, actor, text: str) -> ImprovementPlan:
    """The provider's answer to a performance notice, once. Accepted after the due date, but
    marked late by the database's date."""
    step = EscalationStep.objects.select_for_update().select_related("contract").get(pk=step.pk)
    if not escalation_step_policy.can(actor, step, Action.CHANGE):
        raise NotPermitted(escalation_step_policy.refusals[Action.CHANGE])
    if step.level != EscalationLevel.PERFORMANCE_NOTICE:
        raise DomainError("Only a performance notice asks for an improvement plan.")
    if ImprovementPlan.objects.filter(step=step).exists():
        raise DomainError("Your organisation has already submitted the improvement plan.")
    text = (text or "").strip()
    if not text:
        raise DomainError(
            "Enter your improvement plan.", field_errors={"text": ["Enter your improvement plan"]}
        )
    now = db_now()
    plan = ImprovementPlan.objects.create(
        step=step,
        text=text,
        submitted_by=actor,
        submitted_at=now,
        is_late=step.plan_due_on is not None and timezone.localdate(now) > step.plan_due_on,
    )
    audit_record(
        actor=actor,
        action="escalation.improvement_plan_submitted",
        target=step.contract,
        after={"step": step.pk, "is_late": plan.is_late},
    )
    return plan
