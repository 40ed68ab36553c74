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
from core.services import audit_record, audit_record_many, outbox_enqueue, snapshot

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
    policy = EscalationPolicy.objects.select_for_update(of=("self",), no_key=True).get(pk=policy.pk)
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


@transaction.atomic
def evaluate_triggers(*, contract: Contract) -> list[EscalationProposal]:
    """Checks one contract's three triggers (when a complaint is upheld or a KPI return comes
    in) and proposes one step per trigger that fired; returns the proposals made.

    Locks the contract's row first, so the check of its open proposals cannot race another
    evaluation or an officer's decision, then runs the same set-based evaluation as the daily
    jobs, for a chunk of one."""
    locked = Contract.objects.select_for_update(of=("self",), no_key=True).get(pk=contract.pk)
    return evaluate_triggers_for_contracts([locked]).get(locked.pk, [])


@transaction.atomic
def evaluate_triggers_for_contracts(
    contracts: list[Contract],
) -> dict[int, list[EscalationProposal]]:
    """Checks the triggers of a chunk of contracts at once and proposes one step per trigger
    that fired; returns the proposals made, by contract (contracts with none are left out).

    The caller holds the contracts' row locks (select_for_update), and their status and
    escalation level are read from the objects given. The number of queries does not depend
    on how many contracts, complaints, KPI results or proposals there are: one each for the
    thresholds, the database's clock, the upheld complaints, the latest KPI results and the
    open proposals; then, only when something fired, the proposals, their evidence and their
    audit entries in bulk (see `_audit_proposed`).

    Idempotent: a contract's open (pending) proposal for a trigger blocks a second (checked
    here, and by the partial unique constraint behind it), and evidence a proposal for the
    same trigger already cited is not counted again."""
    live = {c.pk: c for c in contracts if c.status in LIVE_CONTRACT_STATUSES}
    if not live:
        return {}
    ids = list(live)
    policies = _policies(ids)
    now = db_now()
    complaints = _upheld_complaints(ids, policies, now)
    kpi_results = _latest_kpi_results(ids, policies)
    open_triggers = _open_triggers(ids)

    proposals, evidence = [], {}
    for pk, contract in live.items():
        proposed_level = min(contract.escalation_level + 1, TOP_LEVEL)
        for trigger, reason, cited_complaints, cited_results in _fired(
            policies[pk], now, complaints.get(pk, []), kpi_results.get(pk, {})
        ):
            if (pk, trigger) in open_triggers:
                continue
            proposals.append(
                EscalationProposal(
                    contract=contract, trigger=trigger, proposed_level=proposed_level, reason=reason
                )
            )
            evidence[pk, trigger] = (cited_complaints, cited_results)
    if not proposals:
        return {}

    proposals = _insert_proposals(proposals, ids)
    complaint_links = EscalationProposal.evidence_complaints.through
    result_links = EscalationProposal.evidence_kpi_results.through
    complaint_rows, result_rows = [], []
    for proposal in proposals:
        cited_complaints, cited_results = evidence[proposal.contract_id, proposal.trigger]
        complaint_rows += [
            complaint_links(escalationproposal_id=proposal.pk, complaint_id=c.pk)
            for c in cited_complaints
        ]
        result_rows += [
            result_links(escalationproposal_id=proposal.pk, kpiresult_id=r.pk)
            for r in cited_results
        ]
    if complaint_rows:
        complaint_links.objects.bulk_create(complaint_rows)
    if result_rows:
        result_links.objects.bulk_create(result_rows)
    _audit_proposed(proposals)

    created: dict[int, list[EscalationProposal]] = {}
    for proposal in proposals:
        created.setdefault(proposal.contract_id, []).append(proposal)
    return created


def _policies(ids: list[int]) -> dict[int, EscalationPolicy]:
    """The contracts' thresholds; a contract without a row has the defaults (an unsaved
    policy: reading the defaults writes nothing)."""
    saved = {p.contract_id: p for p in EscalationPolicy.objects.filter(contract_id__in=ids)}
    return {pk: saved.get(pk) or EscalationPolicy(contract_id=pk) for pk in ids}


def _cited(through, trigger: str, evidence: str, contract_of: str):
    """Evidence already cited by a proposal for this trigger on the same contract: once an
    officer has decided on it, it does not propose the same step again."""
    return Exists(
        through.objects.filter(
            escalationproposal__contract_id=OuterRef(contract_of),
            escalationproposal__trigger=trigger,
            **{evidence: OuterRef("pk")},
        )
    )


def _upheld_complaints(ids, policies, now) -> dict[int, list[Complaint]]:
    """Per contract, oldest first: complaints upheld within the longest window of the chunk
    (each contract's own window is applied in `_fired`) and upheld safeguarding complaints of
    any age, each marked with whether a proposal already cited it, per trigger."""
    longest = max(p.upheld_complaints_window_days for p in policies.values())
    through = EscalationProposal.evidence_complaints.through
    rows = (
        Complaint.objects.filter(contract_id__in=ids, outcome__in=UPHELD_OUTCOMES)
        .filter(
            Q(responded_at__gte=now - timedelta(days=longest))
            | Q(category=ComplaintCategory.SAFEGUARDING, responded_at__isnull=False)
        )
        .only("id", "contract_id", "reference", "category", "responded_at")
        .annotate(
            cited_for_count=_cited(
                through, EscalationTrigger.UPHELD_COMPLAINTS, "complaint_id", "contract_id"
            ),
            cited_for_safeguarding=_cited(
                through, EscalationTrigger.SAFEGUARDING, "complaint_id", "contract_id"
            ),
        )
        .order_by("contract_id", "responded_at", "id")
    )
    by_contract: dict[int, list[Complaint]] = {}
    for complaint in rows:
        by_contract.setdefault(complaint.contract_id, []).append(complaint)
    return by_contract


def _latest_kpi_results(ids, policies) -> dict[int, dict[int, list[KpiResult]]]:
    """Per contract and KPI, oldest first: the KPI's latest results, as many as the chunk's
    largest number of consecutive misses (each contract's own number is applied in
    `_kpis_missed`), each marked with whether a KPI proposal already cited it."""
    most = max(p.kpi_consecutive_misses for p in policies.values())
    through = EscalationProposal.evidence_kpi_results.through
    rows = (
        KpiResult.objects.filter(kpi__contract_id__in=ids)
        .select_related("kpi")
        .annotate(
            recency=Window(
                RowNumber(), partition_by=F("kpi_id"), order_by=F("period_start").desc()
            ),
            cited=_cited(through, EscalationTrigger.KPI_MISSES, "kpiresult_id", "kpi__contract_id"),
        )
        .filter(recency__lte=most)
        .order_by("kpi_id", "period_start")
    )
    by_contract: dict[int, dict[int, list[KpiResult]]] = {}
    for result in rows:
        by_kpi = by_contract.setdefault(result.kpi.contract_id, {})
        by_kpi.setdefault(result.kpi_id, []).append(result)
    return by_contract


def _open_triggers(ids) -> set[tuple[int, str]]:
    """(contract, trigger) pairs with a pending proposal: the partial unique constraint allows
    one open proposal per contract and trigger."""
    return set(
        EscalationProposal.objects.filter(
            contract_id__in=ids, status=ProposalStatus.PENDING
        ).values_list("contract_id", "trigger")
    )


def _fired(policy, now, complaints, kpi_results) -> list[tuple[str, str, list, list]]:
    """The triggers of one contract that fired, from the chunk's rows: (trigger, reason,
    complaints cited, KPI results cited), in the order upheld complaints, safeguarding, KPIs."""
    fired: list[tuple[str, str, list, list]] = []
    cutoff = now - timedelta(days=policy.upheld_complaints_window_days)
    in_window = [c for c in complaints if c.responded_at >= cutoff and not c.cited_for_count]
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
        for c in complaints
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
    missed_kpis = _kpis_missed(kpi_results, periods=policy.kpi_consecutive_misses)
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
    return fired


def _kpis_missed(kpi_results: dict[int, list[KpiResult]], *, periods: int) -> list[list[KpiResult]]:
    """Per KPI, its latest `periods` results when all were missed in consecutive periods and
    no proposal has cited them yet."""
    missed = []
    for latest in kpi_results.values():
        results = latest[-periods:]
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


def _insert_proposals(proposals: list[EscalationProposal], ids) -> list[EscalationProposal]:
    """Inserts the proposals in one statement (PostgreSQL returns their keys).

    Under the contracts' row locks the open proposals read before cannot change, so the
    partial unique constraint should never refuse one. If it does (a caller that skipped the
    lock), the savepoint keeps the caller's transaction usable: the open proposals are read
    again, once, and the rest inserted; a second refusal fails the transaction."""
    try:
        with transaction.atomic():
            return EscalationProposal.objects.bulk_create(proposals)
    except IntegrityError:
        open_triggers = _open_triggers(ids)
        proposals = [
            EscalationProposal(
                contract=p.contract,
                trigger=p.trigger,
                proposed_level=p.proposed_level,
                reason=p.reason,
            )
            for p in proposals
            if (p.contract_id, p.trigger) not in open_triggers
        ]
        return EscalationProposal.objects.bulk_create(proposals) if proposals else []


def _audit_proposed(proposals: list[EscalationProposal]) -> None:
    """One "escalation.proposed" entry per proposal, in a constant number of queries."""
    audit_record_many(
        actor=None,
        action="escalation.proposed",
        changes=[
            (
                proposal.contract,
                {
                    "trigger": str(proposal.trigger),
                    "proposed_level": proposal.proposed_level,
                    "reason": proposal.reason,
                },
            )
            for proposal in proposals
        ],
    )


def evaluate_triggers_for_due_contracts(*, chunk_size: int = 500) -> int:
    """The daily sweep: evaluates live contracts with upheld complaints or missed KPI results,
    in chunks of `chunk_size`, each chunk one transaction with the same queries however many
    contracts it holds. Rows another worker or an officer's decision holds are skipped (the
    next run checks them). Returns proposals created."""
    upheld = Complaint.objects.filter(contract_id=OuterRef("pk"), outcome__in=UPHELD_OUTCOMES)
    missed = KpiResult.objects.filter(kpi__contract_id=OuterRef("pk"), rating=KpiRating.MISSED)
    due = (
        Contract.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
        .filter(status__in=LIVE_CONTRACT_STATUSES)
        .filter(Exists(upheld) | Exists(missed))
        .order_by("id")
    )
    created, after = 0, 0
    while True:
        with transaction.atomic():
            contracts = list(due.filter(pk__gt=after)[:chunk_size])
            if not contracts:
                return created
            proposals = evaluate_triggers_for_contracts(contracts)
        created += sum(len(made) for made in proposals.values())
        after = contracts[-1].pk


# --- decisions ----------------------------------------------------------------------------


def _lock_contract(contract: Contract, *, actor) -> Contract:
    """The contract's row, locked for this transaction, so two officers cannot both move it."""
    locked = (
        Contract.objects.select_for_update(of=("self",), no_key=True)
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
    proposal = EscalationProposal.objects.select_for_update(of=("self",), no_key=True).get(
        pk=proposal.pk
    )
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
    proposal = EscalationProposal.objects.select_for_update(of=("self",), no_key=True).get(
        pk=proposal.pk
    )
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
    step = (
        EscalationStep.objects.select_for_update(of=("self",), no_key=True)
        .select_related("contract")
        .get(pk=step.pk)
    )
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
