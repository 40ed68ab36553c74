"""Renewal decisions: the daily job that opens, chases and escalates them and expires ended
contracts, and the officer's decision (extend, re-procure, bring in-house, decommission).

The job's four steps are each set-based and chunked: the due rows are found through an
indexed column (`Contract.end_date`, `RenewalDecision.due_on`), a chunk is locked with
SKIP LOCKED and changed in one transaction with the same few queries whatever it holds, so a
second run, or a second worker, finds nothing left to do, and a run that dies halfway leaves
only whole chunks behind for the next run to finish.

Emails and `contract.renewal_due` events go out only for what a chunk changed. Two runs at
once can both pick a contract (one's query can read before the other commits, and lock the
row just after): the decisions are inserted with ON CONFLICT DO NOTHING RETURNING, and only
those this run inserted are announced. Reminders and escalations change the locked row
itself, which PostgreSQL re-checks against the query when another run changed it first.
"""

from collections.abc import Callable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Count, DateField, Exists, F, IntegerField, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from core.dbclock import db_now
from core.errors import DomainError
from core.inserts import bulk_insert_new
from core.jobs import job_run
from core.models import OutboxMessage
from core.permissions import Action
from core.services import audit_record
from core.webhooks import renewals_due_emit

from ..choices import MAX_RENEWAL_NOTICE_MONTHS, ContractStatus
from ..models import (
    Contract,
    ContractExtension,
    KpiRating,
    KpiResult,
    RenewalDecision,
    RenewalRecommendation,
)
from ..permissions import renewal_policy

RUNNING = (ContractStatus.ACTIVE, ContractStatus.EXTENDED)
# The officers have a month from the notice point to decide, but never less than a month
# before the contract ends: a decision to re-procure needs that month at least to be acted on.
DECISION_WINDOW = timedelta(days=30)
DECIDE_BEFORE_END = relativedelta(months=1)
REMIND_WITHIN = timedelta(days=14)
REMIND_EVERY = timedelta(days=7)
# KPIs judged on their latest this many periods, as the escalation trigger does.
KPI_PERIODS_JUDGED = 2
MAX_ESCALATION_FOR_EXTENSION = 1

# The notice point in SQL: end date minus the contract's own notice months.
NOTICE_POINT = RawSQL(
    '("commissioning_contract"."end_date"'
    ' - make_interval(months => "commissioning_contract"."renewal_notice_months"))::date',
    [],
    output_field=DateField(),
)


def _today() -> date:
    return timezone.localtime(db_now()).date()


def renewal_due_on(*, end_date: date, notice_months: int, opened_on: date) -> date:
    """A month after the notice point, but at the latest a month before the end date; never
    before the day it opens (a contract that reached its notice point before the job saw it
    still gets a few weeks' decision, not an instant escalation, when time allows)."""
    notice_point = end_date - relativedelta(months=notice_months)
    due_on = min(notice_point + DECISION_WINDOW, end_date - DECIDE_BEFORE_END)
    return max(due_on, opened_on)


def _kpis_missed_recently():
    """A KPI result rated missed among its KPI's latest two periods, for OuterRef contract."""
    newer = (
        KpiResult.objects.filter(kpi=OuterRef("kpi"), period_start__gt=OuterRef("period_start"))
        .order_by()
        .values("kpi")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        KpiResult.objects.filter(kpi__contract=OuterRef("pk"), rating=KpiRating.MISSED)
        .annotate(newer=Coalesce(Subquery(newer, output_field=IntegerField()), 0))
        .filter(newer__lt=KPI_PERIODS_JUDGED)
    )


def recommend(*, options_remaining: list[int], kpis_missed: bool, escalation_level: int):
    """The recommendation and its reasons, in words, from what the contract shows."""
    reasons = []
    if options_remaining:
        reasons.append(
            f"An extension option of {options_remaining[0]} months remains"
            f" ({len(options_remaining)} in all)."
        )
    else:
        reasons.append("No extension option remains.")
    if kpis_missed:
        reasons.append("A KPI was missed in one of its last two reporting periods.")
    else:
        reasons.append("No KPI was missed in its last two reporting periods.")
    if escalation_level > MAX_ESCALATION_FOR_EXTENSION:
        reasons.append(
            f"The contract is at escalation level {escalation_level}, above "
            f"{MAX_ESCALATION_FOR_EXTENSION}."
        )
    else:
        reasons.append(f"The contract is at escalation level {escalation_level}.")
    extend = (
        bool(options_remaining)
        and not kpis_missed
        and escalation_level <= MAX_ESCALATION_FOR_EXTENSION
    )
    recommendation = RenewalRecommendation.EXTEND if extend else RenewalRecommendation.REPROCURE
    return recommendation, " ".join(reasons)


# --- the job --------------------------------------------------------------------------------


def contract_renewals_run(
    *, chunk_size: int = 500, on_chunk: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """The daily job: opens renewal decisions at the notice point, reminds and escalates the
    open ones, and expires contracts past their end date. Returns the rows each step did."""
    done = {}
    with job_run("contract_renewals") as run:
        for step, work in (
            ("opened", _open_chunk),
            ("reminded", _remind_chunk),
            ("escalated", _escalate_chunk),
            ("expired", _expire_chunk),
        ):
            done[step] = 0
            while True:
                with transaction.atomic():
                    # Due rows seen, and those this run changed (another run can take some).
                    seen, rows = work(chunk_size)
                done[step] += rows
                run.add(rows)
                if on_chunk:
                    on_chunk(step, rows)
                if seen < chunk_size:
                    break
    return done


def _open_chunk(chunk_size: int) -> tuple[int, int]:
    today = _today()
    # end_date's index bounds the rows to running contracts not yet ended; the notice point
    # itself depends on each contract's notice months, so it is computed in SQL, never here.
    due = list(
        Contract.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
        # The upper bound keeps a run with nothing due to the contracts ending within the
        # longest notice period, not every future contract.
        .filter(
            status__in=RUNNING,
            end_date__gte=today,
            end_date__lte=today + relativedelta(months=MAX_RENEWAL_NOTICE_MONTHS),
        )
        .annotate(notice_point=NOTICE_POINT)
        .filter(notice_point__lte=today)
        .exclude(
            Exists(
                RenewalDecision.objects.filter(
                    contract=OuterRef("pk"), end_date=OuterRef("end_date")
                )
            )
        )
        .annotate(kpis_missed=Exists(_kpis_missed_recently()))
        .order_by("end_date", "pk")
        .values_list(
            "pk",
            "title",
            "commissioner_id",
            "commissioner__contact_email",
            "end_date",
            "renewal_notice_months",
            "extension_options_remaining",
            "escalation_level",
            "kpis_missed",
        )[:chunk_size]
    )
    if not due:
        return 0, 0
    decisions = []
    about: dict[int, tuple[str, int, str]] = {}
    for pk, title, commissioner_id, contact, end_date, notice, options, level, missed in due:
        recommendation, reasons = recommend(
            options_remaining=options, kpis_missed=missed, escalation_level=level
        )
        decisions.append(
            RenewalDecision(
                contract_id=pk,
                end_date=end_date,
                opened_on=today,
                due_on=renewal_due_on(end_date=end_date, notice_months=notice, opened_on=today),
                recommendation=recommendation,
                recommendation_reasons=reasons,
            )
        )
        about[pk] = (title, commissioner_id, contact)
    # The unique constraint makes a second run's insert a no-op, never a duplicate; only the
    # decisions this insert wrote are announced.
    opened = bulk_insert_new(decisions, key=("contract_id", "end_date"))
    if not opened:
        return len(due), 0
    # contract.renewal_due webhooks to the contracts' parties: a set-based insert per chunk.
    renewals_due_emit(opened)
    lines: dict[int, list[str]] = {}
    contacts: dict[int, str] = {}
    for decision in opened:
        title, commissioner_id, contact = about[decision.contract_id]
        contacts[commissioner_id] = contact
        lines.setdefault(commissioner_id, []).append(
            f"- {title}: ends {decision.end_date:%d %B %Y}, decide by "
            f"{decision.due_on:%d %B %Y}. Recommended: "
            f"{RenewalRecommendation(decision.recommendation).label.lower()}."
        )
    recipients = _officers_of(lines)
    for commissioner_id, contact in contacts.items():
        if contact:
            recipients.append((contact, commissioner_id))
    _queue_emails(
        recipients,
        subject="Contract renewal decisions are open",
        intro="These contracts have reached their notice point and need a renewal decision:",
        lines=lines,
    )
    return len(due), len(opened)


def _remind_chunk(chunk_size: int) -> tuple[int, int]:
    today = _today()
    due = list(
        RenewalDecision.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
        .filter(
            status=RenewalDecision.Status.OPEN,
            due_on__gte=today,
            due_on__lte=today + REMIND_WITHIN,
            # The email that opened it is reminder enough for its first day.
            opened_on__lt=today,
        )
        .exclude(last_reminded_on__gt=today - REMIND_EVERY)
        .order_by("due_on", "pk")
        .values_list("pk", "contract__commissioner_id", "contract__title", "due_on")[:chunk_size]
    )
    if not due:
        return 0, 0
    RenewalDecision.objects.filter(pk__in=[row[0] for row in due]).update(
        last_reminded_on=today, reminders_sent=F("reminders_sent") + 1
    )
    lines = _lines_by_commissioner(due)
    _queue_emails(
        _officers_of(lines),
        subject="Contract renewal decisions are due soon",
        intro="These renewal decisions are due within two weeks:",
        lines=lines,
    )
    return len(due), len(due)


def _escalate_chunk(chunk_size: int) -> tuple[int, int]:
    today = _today()
    due = list(
        RenewalDecision.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
        .filter(status=RenewalDecision.Status.OPEN, due_on__lt=today, escalated_on__isnull=True)
        .order_by("due_on", "pk")
        .values_list("pk", "contract__commissioner_id", "contract__title", "due_on")[:chunk_size]
    )
    if not due:
        return 0, 0
    RenewalDecision.objects.filter(pk__in=[row[0] for row in due]).update(escalated_on=today)
    lines = _lines_by_commissioner(due)
    _queue_emails(
        _users_of(lines, Role.COMMISSIONING_MANAGER),
        subject="Contract renewal decisions are overdue",
        intro="These renewal decisions have passed their due date without a decision:",
        lines=lines,
    )
    return len(due), len(due)


def _expire_chunk(chunk_size: int) -> tuple[int, int]:
    today = _today()
    # An approved extension moves the end date forward, so a running contract whose end
    # date has passed has none.
    due = list(
        Contract.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
        .filter(status__in=RUNNING, end_date__lt=today)
        .order_by("end_date", "pk")
        .values_list("pk", flat=True)[:chunk_size]
    )
    if due:
        Contract.objects.filter(pk__in=due).update(
            status=ContractStatus.EXPIRED, updated_at=timezone.now()
        )
    return len(due), len(due)


def _lines_by_commissioner(due) -> dict[int, list[str]]:
    lines: dict[int, list[str]] = {}
    for _pk, commissioner_id, title, due_on in due:
        lines.setdefault(commissioner_id, []).append(f"- {title}: decide by {due_on:%d %B %Y}")
    return lines


def _users_of(lines: dict, role: str) -> list[tuple[str, int]]:
    return list(
        User.objects.filter(commissioner_id__in=lines, role=role, is_active=True).values_list(
            "email", "commissioner_id"
        )
    )


def _officers_of(lines: dict) -> list[tuple[str, int]]:
    return _users_of(lines, Role.COMMISSIONING_OFFICER)


def _queue_emails(recipients, *, subject: str, intro: str, lines: dict) -> None:
    """One email per person per chunk; bulk_create keeps the chunk's queries constant."""
    address = f"{settings.SITE_URL}{reverse('renewals:list')}"
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            to=email,
            subject=subject,
            body=f"{intro}\n\n" + "\n".join(lines[commissioner_id]) + f"\n\nSee them at {address}",
            next_attempt_at=now,
        )
        for email, commissioner_id in dict.fromkeys(recipients)
    )


# --- the officer's decision -----------------------------------------------------------------


def renewal_decide(*, renewal: RenewalDecision, actor, decision: str, reason: str = ""):
    """Records the officer's decision; "extend" uses the first remaining extension option."""
    reason = (reason or "").strip()
    with transaction.atomic():
        # The contract before its renewal decision: the platform's lock order (core.locking).
        contract = Contract.objects.select_for_update(of=("self",), no_key=True).get(
            pk=renewal.contract_id
        )
        renewal = RenewalDecision.objects.select_for_update(of=("self",), no_key=True).get(
            pk=renewal.pk
        )
        if not renewal_policy.can(actor, renewal, Action.CHANGE):
            raise DomainError(renewal_policy.refusals[Action.CHANGE])
        if renewal.status != RenewalDecision.Status.OPEN:
            raise DomainError("This renewal has already been decided.")
        if decision not in RenewalRecommendation.values:
            raise DomainError(
                "Choose what happens at the end of the contract",
                field_errors={"decision": ["Choose what happens at the end of the contract"]},
            )
        if decision != renewal.recommendation and not reason:
            raise DomainError(
                "Enter why you are not following the recommendation",
                field_errors={"reason": ["Enter why you are not following the recommendation"]},
            )
        if decision == RenewalRecommendation.EXTEND:
            if contract.status not in RUNNING:
                raise DomainError(
                    "Only a running contract can be extended",
                    field_errors={"decision": ["Only a running contract can be extended"]},
                )
            if not contract.extension_options_remaining:
                raise DomainError(
                    "The contract has no extension option left. Choose another decision",
                    field_errors={
                        "decision": [
                            "The contract has no extension option left. Choose another decision"
                        ]
                    },
                )
        now = timezone.now()
        before = {"status": renewal.status, "end_date": str(contract.end_date)}
        renewal.status = RenewalDecision.Status.DECIDED
        renewal.decision = decision
        renewal.decision_reason = reason
        renewal.decided_by = actor
        renewal.decided_at = now
        renewal.save(
            update_fields=["status", "decision", "decision_reason", "decided_by", "decided_at"]
        )
        after = {"status": renewal.status, "decision": decision, "reason": reason}
        if decision == RenewalRecommendation.EXTEND:
            months, *rest = contract.extension_options_remaining
            previous_end_date = contract.end_date
            contract.end_date = previous_end_date + relativedelta(months=months)
            contract.extension_options_remaining = rest
            contract.status = ContractStatus.EXTENDED
            contract.save(
                update_fields=["end_date", "extension_options_remaining", "status", "updated_at"]
            )
            ContractExtension.objects.create(
                contract=contract,
                renewal=renewal,
                previous_end_date=previous_end_date,
                new_end_date=contract.end_date,
                months=months,
                approved_by=actor,
                approved_at=now,
            )
            after |= {"end_date": str(contract.end_date), "months": months}
        audit_record(
            actor=actor, action="renewal.decide", target=renewal, before=before, after=after
        )
    return renewal
