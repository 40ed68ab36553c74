"""Citizens' complaints: submission from the public form, and asking for a stage 2 review.

Citizens have no account: they hold the complaint through its reference and a secret tracking
token, of which only the SHA-256 is stored."""

import hashlib
import secrets

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from commissioning.choices import ContractStatus
from core.dbclock import db_now
from core.errors import DomainError
from core.inputs import single_line_problem
from core.services import audit_record, outbox_enqueue
from core.workingdays import add_working_days

from ..choices import ComplaintCategory, ComplaintStatus
from ..models import (
    COMPLAINT_STATES,
    Complaint,
    ComplaintAttachment,
    ComplaintStatusChange,
    PendingAttachment,
)

# Complaints a citizen can still make: about services that are running.
OPEN_CONTRACT_STATUSES = (ContractStatus.ACTIVE, ContractStatus.EXTENDED)
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_DESCRIPTION_CHARS = 5000
MAX_STAGE2_REASON_CHARS = 2000


def hash_tracking_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def tracking_path(reference: str, token: str) -> str:
    return reverse("public:track_complaint", args=[reference, token])


def _next_reference(received_on) -> tuple[int, str]:
    # The id is taken first so the reference can be written in the same INSERT.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Complaint._meta.db_table]
        )
        pk = cursor.fetchone()[0]
    return pk, f"CMP-{received_on.year}-{pk:06d}"


@transaction.atomic
def complaint_submit(
    *,
    contract,
    category: str,
    description: str,
    occurred_on=None,
    location: str = "",
    postcode: str = "",
    attachments=(),
    complainant_name: str = "",
    complainant_email: str = "",
    complainant_phone: str = "",
) -> tuple[Complaint, str]:
    """Records a citizen's complaint and returns it with its tracking token (shown once).

    Emails go through the outbox in this transaction: a broken mail server can never lose a
    complaint, and nothing is mailed for a complaint that was not saved."""
    description = (description or "").strip()
    problems = {}
    if category not in ComplaintCategory.values:
        problems["category"] = ["Select what went wrong"]
    if not description:
        problems["description"] = ["Enter what went wrong"]
    elif len(description) > MAX_DESCRIPTION_CHARS:
        problems["description"] = [
            f"What went wrong must be {MAX_DESCRIPTION_CHARS} characters or fewer"
        ]
    if complainant_name and (problem := single_line_problem(complainant_name)):
        problems["name"] = [problem]
    attachments = list(attachments)
    if len(attachments) > MAX_ATTACHMENTS:
        problems["file"] = [f"You can add up to {MAX_ATTACHMENTS} files"]
    if problems:
        raise DomainError("Check your answers", field_errors=problems)

    contract = type(contract).objects.select_related("commissioner").get(pk=contract.pk)
    if contract.status not in OPEN_CONTRACT_STATUSES:
        raise DomainError(
            "This service has ended. Contact the council directly about it.",
            field_errors={"contract": ["This service has ended"]},
        )

    received_at = db_now()
    received_on = timezone.localtime(received_at).date()
    pk, reference = _next_reference(received_on)
    token = secrets.token_urlsafe(32)
    complaint = Complaint.objects.create(
        pk=pk,
        reference=reference,
        tracking_token_hash=hash_tracking_token(token),
        contract=contract,
        commissioner_id=contract.commissioner_id,
        provider_id=contract.provider_id,
        category=category,
        description=description,
        occurred_on=occurred_on,
        location=location or "",
        postcode=postcode or "",
        is_urgent=category == ComplaintCategory.SAFEGUARDING,
        complainant_name=complainant_name or "",
        complainant_email=complainant_email or "",
        complainant_phone=complainant_phone or "",
        received_at=received_at,
        acknowledge_due_on=add_working_days(received_on, settings.COMPLAINT_ACKNOWLEDGE_DAYS),
        response_due_on=add_working_days(received_on, settings.COMPLAINT_STAGE1_RESPONSE_DAYS),
    )
    if attachments:
        # Locked, so the removal of abandoned uploads cannot take one while it is moved here.
        attachments = list(
            PendingAttachment.objects.select_for_update(of=("self",))
            .filter(pk__in=[p.pk for p in attachments])
            .order_by("uploaded_at", "id")
        )
    moved = []
    for pending in attachments:
        attachment = ComplaintAttachment(
            complaint=complaint,
            original_name=pending.original_name,
            content_type=pending.content_type,
            size=pending.size,
        )
        with pending.file.open("rb") as handle:
            attachment.file.save(pending.original_name, File(handle), save=False)
        attachment.save()
        moved.append(pending.file.name)
    if attachments:
        PendingAttachment.objects.filter(pk__in=[p.pk for p in attachments]).delete()
        storage = PendingAttachment._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in moved])

    ComplaintStatusChange.objects.create(
        complaint=complaint, stage=1, from_status="", to_status=ComplaintStatus.RECEIVED
    )
    # No personal data here: the audit log can never be wiped.
    audit_record(
        actor=None,
        action="complaint.submitted",
        target=complaint,
        after={
            "contract": contract.pk,
            "category": category,
            "is_urgent": complaint.is_urgent,
            "attachments": len(attachments),
            "anonymous": complaint.is_anonymous,
        },
    )
    _queue_submission_emails(complaint, contract, token)
    return complaint, token


def _queue_submission_emails(complaint, contract, token):
    service = settings.SERVICE_NAME
    if complaint.complainant_email:
        link = settings.SITE_URL.rstrip("/") + tracking_path(complaint.reference, token)
        outbox_enqueue(
            to=complaint.complainant_email,
            subject=f"Your complaint {complaint.reference} has been received",
            body=(
                f"Thank you. We have received your complaint about {contract.title}.\n\n"
                f"Your reference is {complaint.reference}.\n\n"
                f"{contract.commissioner.name} will acknowledge it by "
                f"{complaint.acknowledge_due_on:%-d %B %Y} and respond by "
                f"{complaint.response_due_on:%-d %B %Y}.\n\n"
                "Follow your complaint at this private link. Keep it to yourself: anyone "
                f"with the link can read your complaint.\n\n{link}\n\n{service}\n"
            ),
        )
    if contract.commissioner.contact_email:
        urgent = "Urgent (safeguarding): " if complaint.is_urgent else ""
        outbox_enqueue(
            to=contract.commissioner.contact_email,
            subject=f"{urgent}New complaint {complaint.reference} about {contract.title}",
            body=(
                f"A citizen has made a complaint about {contract.title} "
                f"({contract.reference}).\n\n"
                f"Reference: {complaint.reference}\n"
                f"Category: {complaint.get_category_display()}\n"
                f"Acknowledge by: {complaint.acknowledge_due_on:%-d %B %Y}\n"
                f"Respond by: {complaint.response_due_on:%-d %B %Y}\n\n"
                f"Sign in to {service} to read and handle it.\n"
            ),
        )


def stage2_problem(complaint) -> str:
    """Why a stage 2 review cannot be asked for now, or "" when it can."""
    if complaint.stage != 1 or complaint.stage2_requested_at is not None:
        return "You have already asked for a stage 2 review of this complaint."
    if complaint.status not in (ComplaintStatus.RESPONDED, ComplaintStatus.CLOSED):
        return "You can ask for a stage 2 review once you have had the stage 1 response."
    if not complaint.responses.filter(stage=1).exists():
        return "You can ask for a stage 2 review once you have had the stage 1 response."
    return ""


@transaction.atomic
def complaint_request_stage2(*, complaint, token_holder: bool = True, reason: str) -> Complaint:
    """The complainant, unhappy with the stage 1 response, asks for a review: the complaint
    starts again from received, at stage 2, with the longer stage 2 timescales. Once only."""
    if not token_holder:
        raise DomainError("Only the person who made the complaint can ask for a review.")
    complaint = Complaint.objects.select_for_update(of=("self",), no_key=True).get(pk=complaint.pk)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Enter why you are unhappy", field_errors={"reason": ["Enter why you are unhappy"]}
        )
    if len(reason) > MAX_STAGE2_REASON_CHARS:
        message = f"Why you are unhappy must be {MAX_STAGE2_REASON_CHARS} characters or fewer"
        raise DomainError(message, field_errors={"reason": [message]})
    problem = stage2_problem(complaint)
    if problem:
        raise DomainError(problem)
    from_status = COMPLAINT_STATES.move(complaint, ComplaintStatus.RECEIVED)
    now = db_now()
    today = timezone.localtime(now).date()
    complaint.stage = 2
    complaint.stage2_requested_at = now
    complaint.acknowledged_at = None
    complaint.responded_at = None
    complaint.closed_at = None
    complaint.overdue_flagged_at = None
    complaint.acknowledge_due_on = add_working_days(today, settings.COMPLAINT_ACKNOWLEDGE_DAYS)
    complaint.response_due_on = add_working_days(today, settings.COMPLAINT_STAGE2_RESPONSE_DAYS)
    # The model has no field of its own for the reason yet; it is the citizen's own words,
    # so it goes with their description (and never into the audit log).
    complaint.description = f"{complaint.description}\n\nStage 2 review requested: {reason}"
    complaint.save()
    ComplaintStatusChange.objects.create(
        complaint=complaint, stage=2, from_status=from_status, to_status=ComplaintStatus.RECEIVED
    )
    audit_record(
        actor=None,
        action="complaint.stage2_requested",
        target=complaint,
        before={"status": from_status, "stage": 1},
        after={"status": ComplaintStatus.RECEIVED, "stage": 2},
    )
    return complaint
