"""Officers handling complaints: acknowledge, investigate, respond, close, and the work around
them (assigning, notes, forwarding to the provider, the ombudsman), plus the overdue sweep.

Every function locks the complaint, checks the policy and the state machine, and writes the
complaint's history and the audit log in one transaction. Due dates and "overdue" are judged
by the database's clock.
"""

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.models import OutboxMessage
from core.permissions import Action
from core.services import audit_record, outbox_enqueue
from core.workingdays import add_working_days

from ..choices import (
    UPHELD_OUTCOMES,
    ComplaintOutcome,
    ComplaintStatus,
    Ombudsman,
    OmbudsmanOutcome,
)
from ..models import (
    COMPLAINT_STATES,
    Complaint,
    ComplaintNote,
    ComplaintResponse,
    ComplaintStatusChange,
)
from ..permissions import complaint_policy

OPEN_STATUSES = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.ACKNOWLEDGED,
    ComplaintStatus.INVESTIGATING,
)


# --- timescales and the database's date -----------------------------------------------------


def db_today() -> date:
    return timezone.localtime(db_now()).date()


def complaint_due_dates(*, received_at: datetime | date, stage: int = 1) -> dict[str, date]:
    """The Complaint Handling Code's due dates in working days, both counted from receipt."""
    start = (
        timezone.localtime(received_at).date() if isinstance(received_at, datetime) else received_at
    )
    response_days = (
        settings.COMPLAINT_STAGE1_RESPONSE_DAYS
        if stage == 1
        else settings.COMPLAINT_STAGE2_RESPONSE_DAYS
    )
    return {
        "acknowledge_due_on": add_working_days(start, settings.COMPLAINT_ACKNOWLEDGE_DAYS),
        "response_due_on": add_working_days(start, response_days),
    }


def overdue_q(today: date) -> Q:
    """Complaints still open past the due date of their next step: acknowledging while
    received, responding at every open status."""
    return Q(status__in=OPEN_STATUSES) & (
        Q(status=ComplaintStatus.RECEIVED, acknowledge_due_on__lt=today)
        | Q(response_due_on__lt=today)
    )


def is_overdue(complaint: Complaint, today: date) -> bool:
    if complaint.status not in OPEN_STATUSES:
        return False
    if complaint.status == ComplaintStatus.RECEIVED and complaint.acknowledge_due_on < today:
        return True
    return complaint.response_due_on < today


# --- the shape every handling step shares ---------------------------------------------------


def lock_complaint(complaint: Complaint, *, actor) -> Complaint:
    """The complaint's row, locked for this transaction, after checking the actor may handle it."""
    locked = Complaint.objects.select_for_update(of=("self",), no_key=True).get(pk=complaint.pk)
    if not complaint_policy.can(actor, locked, Action.CHANGE):
        raise NotPermitted(complaint_policy.refusals[Action.CHANGE])
    return locked


def _move(complaint: Complaint, target: str, *, actor, **stamp) -> Complaint:
    """Moves a locked complaint to `target`, recording its history and the audit log."""
    previous = COMPLAINT_STATES.move(complaint, target)
    for field, value in stamp.items():
        setattr(complaint, field, value)
    complaint.save()
    ComplaintStatusChange.objects.create(
        complaint=complaint,
        stage=complaint.stage,
        from_status=previous,
        to_status=target,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=f"complaint.{target}",
        target=complaint,
        before={"status": previous},
        after={"status": target, "stage": complaint.stage},
    )
    return complaint


# --- moving a complaint through its stage ---------------------------------------------------


@transaction.atomic
def complaint_acknowledge(*, complaint: Complaint, actor) -> Complaint:
    complaint = lock_complaint(complaint, actor=actor)
    # response_due_on stays as set at receipt: the Code counts the response from receipt,
    # so a late acknowledgement never buys more time.
    return _move(complaint, ComplaintStatus.ACKNOWLEDGED, actor=actor, acknowledged_at=db_now())


@transaction.atomic
def complaint_start_investigation(*, complaint: Complaint, actor) -> Complaint:
    complaint = lock_complaint(complaint, actor=actor)
    if complaint.assigned_to_id is None:
        complaint.assigned_to = actor
    return _move(complaint, ComplaintStatus.INVESTIGATING, actor=actor)


@transaction.atomic
def complaint_respond(
    *, complaint: Complaint, actor, outcome: str, text: str, remedy: str = ""
) -> ComplaintResponse:
    complaint = lock_complaint(complaint, actor=actor)
    COMPLAINT_STATES.check(complaint, ComplaintStatus.RESPONDED)
    text, remedy = (text or "").strip(), (remedy or "").strip()
    errors = {}
    if outcome not in ComplaintOutcome.values:
        errors["outcome"] = ["Select whether the complaint is upheld, partly upheld or not upheld"]
    if not text:
        errors["text"] = ["Enter the response to send to the complainant"]
    if outcome in UPHELD_OUTCOMES and not remedy:
        errors["remedy"] = ["Enter what will be done to put things right"]
    if errors:
        raise DomainError("Check the response.", field_errors=errors)
    if complaint.responses.filter(stage=complaint.stage).exists():
        raise DomainError(f"Stage {complaint.stage} of this complaint already has a response.")
    now = db_now()
    response = ComplaintResponse.objects.create(
        complaint=complaint,
        stage=complaint.stage,
        outcome=outcome,
        remedy=remedy,
        text=text,
        author=actor,
        sent_at=now,
    )
    _move(
        complaint,
        ComplaintStatus.RESPONDED,
        actor=actor,
        outcome=outcome,
        remedy=remedy,
        responded_at=now,
    )
    if complaint.complainant_email:
        outbox_enqueue(
            to=complaint.complainant_email,
            subject=f"Response to your complaint {complaint.reference}",
            body=_response_email(complaint, response),
        )
    if outcome in UPHELD_OUTCOMES:
        _evaluate_escalation_triggers(complaint.contract)
    return response


def _response_email(complaint: Complaint, response: ComplaintResponse) -> str:
    # The tracking secret is never in an email we send: the citizen already holds the link
    # from their confirmation, and mail is often forwarded or read by others.
    lines = [
        f"We have responded to your complaint {complaint.reference} (stage {response.stage}).",
        "",
        f"Outcome: {response.get_outcome_display()}",
        "",
        response.text,
    ]
    if response.remedy:
        lines += ["", "What we will do to put things right:", response.remedy]
    lines += [
        "",
        "You can read the response and, if you are not satisfied, ask for a review using "
        f"the private link from your confirmation email, at {settings.SITE_URL}/complaints/track/",
    ]
    return "\n".join(lines)


def _evaluate_escalation_triggers(contract) -> None:
    # The escalation triggers are another area's work and may not exist in this build yet.
    try:
        from accountability.services.escalation import evaluate_triggers
    except ImportError:
        return
    evaluate_triggers(contract=contract)


@transaction.atomic
def complaint_close(*, complaint: Complaint, actor) -> Complaint:
    complaint = lock_complaint(complaint, actor=actor)
    return _move(complaint, ComplaintStatus.CLOSED, actor=actor, closed_at=db_now())


# --- the work around a complaint ------------------------------------------------------------


@transaction.atomic
def complaint_assign(*, complaint: Complaint, actor, assignee) -> Complaint:
    complaint = lock_complaint(complaint, actor=actor)
    if (
        assignee is None
        or not assignee.is_active
        or not assignee.is_commissioner_user
        or assignee.commissioner_id != complaint.commissioner_id
    ):
        raise DomainError(
            "Choose someone to handle the complaint.",
            field_errors={"assignee": ["Choose an officer of your own organisation"]},
        )
    before = complaint.assigned_to_id
    complaint.assigned_to = assignee
    complaint.save(update_fields=["assigned_to", "updated_at"])
    audit_record(
        actor=actor,
        action="complaint.assigned",
        target=complaint,
        before={"assigned_to": before},
        after={"assigned_to": assignee.pk},
    )
    return complaint


@transaction.atomic
def complaint_add_note(*, complaint: Complaint, actor, text: str) -> ComplaintNote:
    complaint = lock_complaint(complaint, actor=actor)
    text = (text or "").strip()
    if not text:
        raise DomainError("Enter the note.", field_errors={"text": ["Enter the note"]})
    if len(text) > 5000:
        raise DomainError(
            "The note is too long.",
            field_errors={"text": ["The note must be 5,000 characters or fewer"]},
        )
    note = ComplaintNote.objects.create(complaint=complaint, author=actor, text=text)
    audit_record(actor=actor, action="complaint.note_added", target=complaint)
    return note


@transaction.atomic
def complaint_forward_to_provider(*, complaint: Complaint, actor) -> Complaint:
    complaint = lock_complaint(complaint, actor=actor)
    if complaint.forwarded_to_provider_at is not None:
        raise DomainError("This complaint has already been forwarded to the provider.")
    if complaint.status == ComplaintStatus.CLOSED:
        raise DomainError("This complaint is closed and cannot be forwarded.")
    complaint.forwarded_to_provider_at = db_now()
    complaint.save(update_fields=["forwarded_to_provider_at", "updated_at"])
    audit_record(
        actor=actor,
        action="complaint.forwarded_to_provider",
        target=complaint,
        after={"provider": complaint.provider_id},
    )
    return complaint


def can_refer_to_ombudsman(complaint: Complaint, today: date) -> bool:
    """After the final (stage 2) response, or when the complaint is overdue."""
    if complaint.ombudsman:
        return False
    after_final_response = complaint.stage == 2 and complaint.status in (
        ComplaintStatus.RESPONDED,
        ComplaintStatus.CLOSED,
    )
    return (
        after_final_response
        or complaint.overdue_flagged_at is not None
        or is_overdue(complaint, today)
    )


@transaction.atomic
def complaint_refer_to_ombudsman(
    *, complaint: Complaint, actor, ombudsman: str, referred_on: date
) -> Complaint:
    complaint = lock_complaint(complaint, actor=actor)
    today = db_today()
    if complaint.ombudsman:
        raise DomainError("This complaint has already been referred to an ombudsman.")
    if not can_refer_to_ombudsman(complaint, today):
        raise DomainError(
            "A complaint can go to the ombudsman after the stage 2 response, or once it is overdue."
        )
    errors = {}
    if ombudsman not in Ombudsman.values:
        errors["ombudsman"] = ["Select the ombudsman"]
    if referred_on is None:
        errors["referred_on"] = ["Enter the date of the referral"]
    elif referred_on > today:
        errors["referred_on"] = ["The date of the referral must be today or in the past"]
    elif referred_on < timezone.localtime(complaint.received_at).date():
        errors["referred_on"] = ["The date of the referral must be after the complaint arrived"]
    if errors:
        raise DomainError("Check the referral.", field_errors=errors)
    complaint.ombudsman = ombudsman
    complaint.ombudsman_referred_on = referred_on
    complaint.save(update_fields=["ombudsman", "ombudsman_referred_on", "updated_at"])
    audit_record(
        actor=actor,
        action="complaint.referred_to_ombudsman",
        target=complaint,
        after={"ombudsman": ombudsman, "referred_on": referred_on.isoformat()},
    )
    return complaint


@transaction.atomic
def complaint_record_ombudsman_outcome(
    *, complaint: Complaint, actor, outcome: str, decided_on: date
) -> Complaint:
    complaint = lock_complaint(complaint, actor=actor)
    if not complaint.ombudsman:
        raise DomainError("Refer the complaint to an ombudsman before recording their decision.")
    if complaint.ombudsman_outcome:
        raise DomainError("The ombudsman's decision has already been recorded.")
    errors = {}
    if not outcome or outcome not in OmbudsmanOutcome.values:
        errors["outcome"] = ["Select the ombudsman's decision"]
    if decided_on is None:
        errors["decided_on"] = ["Enter the date of the decision"]
    elif decided_on > db_today():
        errors["decided_on"] = ["The date of the decision must be today or in the past"]
    elif decided_on < complaint.ombudsman_referred_on:
        errors["decided_on"] = ["The date of the decision must be on or after the referral"]
    if errors:
        raise DomainError("Check the decision.", field_errors=errors)
    complaint.ombudsman_outcome = outcome
    complaint.ombudsman_outcome_on = decided_on
    complaint.save(update_fields=["ombudsman_outcome", "ombudsman_outcome_on", "updated_at"])
    audit_record(
        actor=actor,
        action="complaint.ombudsman_decided",
        target=complaint,
        after={"outcome": outcome, "decided_on": decided_on.isoformat()},
    )
    return complaint


# --- the overdue sweep ----------------------------------------------------------------------


def complaints_sweep_overdue(*, chunk_size: int = 500) -> int:
    """Flags open complaints past their due date and tells the commissioner's managers, once
    per stage.

    Set-based, a chunk per transaction, the same few queries whatever the chunk holds; rows
    another worker holds are skipped (it is sweeping them). Returns how many were flagged."""
    flagged = 0
    while True:
        with transaction.atomic():
            now = db_now()
            today = timezone.localtime(now).date()
            due = list(
                Complaint.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
                # overdue_flagged_at, not escalated_to_manager_at: a stage 2 review clears
                # the flag, so an overdue review is flagged and escalated again.
                .filter(overdue_q(today), overdue_flagged_at__isnull=True)
                .order_by("response_due_on", "id")
                .values_list("pk", "commissioner_id", "reference", "response_due_on")[:chunk_size]
            )
            if due:
                Complaint.objects.filter(pk__in=[row[0] for row in due]).update(
                    overdue_flagged_at=now, escalated_to_manager_at=now
                )
                _tell_managers(due, now)
        flagged += len(due)
        if len(due) < chunk_size:
            return flagged


def _tell_managers(due, now) -> None:
    """One email per manager per sweep, listing their newly overdue complaints."""
    by_commissioner: dict[int, list[str]] = {}
    for _pk, commissioner_id, reference, response_due_on in due:
        by_commissioner.setdefault(commissioner_id, []).append(
            f"- {reference}, response due {response_due_on:%d %B %Y}"
        )
    managers = User.objects.filter(
        commissioner_id__in=by_commissioner,
        role=Role.COMMISSIONING_MANAGER,
        is_active=True,
    ).values_list("email", "commissioner_id")
    address = f"{settings.SITE_URL}/accountability/complaints/?overdue=on"
    # bulk_create rather than outbox_enqueue per message: the sweep's queries stay constant
    # however many managers and complaints a chunk holds.
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            to=email,
            subject="Complaints are overdue",
            body="These complaints have passed their due date without a response:\n\n"
            + "\n".join(by_commissioner[commissioner_id])
            + f"\n\nSee them at {address}",
            next_attempt_at=now,
        )
        for email, commissioner_id in managers
    )
