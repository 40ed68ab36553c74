"""Keeping complainants' personal data no longer than the retention period."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from core.dbclock import db_now

from ..models import Complaint, ComplaintAttachment, PendingAttachment

# Uploads of complaint forms that were never sent; a day is longer than anyone takes.
PENDING_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class RetentionResult:
    complaints_wiped: int
    attachments_deleted: int
    pending_deleted: int


def complaints_anonymise_expired() -> RetentionResult:
    """Wipes the name, email and phone, and deletes the attachments, of complaints closed more
    than COMPLAINT_RETENTION_DAYS ago; deletes uploads of forms never sent. Set-based and
    idempotent: already wiped complaints are skipped."""
    now = db_now()
    cutoff = now - timedelta(days=settings.COMPLAINT_RETENTION_DAYS)
    expired = Complaint.objects.filter(closed_at__lt=cutoff)
    with transaction.atomic():
        wiped = expired.filter(personal_data_removed_at__isnull=True).update(
            complainant_name="",
            complainant_email="",
            complainant_phone="",
            personal_data_removed_at=now,
        )
        attachments = ComplaintAttachment.objects.filter(complaint__in=expired)
        attachment_files = list(attachments.values_list("file", flat=True))
        attachments_deleted, _ = attachments.delete()
        stale = PendingAttachment.objects.filter(uploaded_at__lt=now - PENDING_MAX_AGE)
        pending_files = list(stale.values_list("file", flat=True))
        pending_deleted, _ = stale.delete()
        storage = ComplaintAttachment._meta.get_field("file").storage
        # Files go only once the rows are surely gone.
        transaction.on_commit(
            lambda: [storage.delete(name) for name in attachment_files + pending_files if name]
        )
    return RetentionResult(wiped, attachments_deleted, pending_deleted)


# --- the nightly retention job: complainants' details, sent emails, held webhook events ------


@dataclass(frozen=True)
class RetentionRunResult:
    complaints: RetentionResult
    emails_deleted: int
    webhook_events_expired: int


def retention_run() -> RetentionRunResult:
    """The nightly job (`anonymise_complaints`): complainants' details and attachments after
    COMPLAINT_RETENTION_DAYS, what is left of sent and given-up emails after
    OUTBOX_RETENTION_DAYS, and webhook events held longer than WEBHOOK_HOLD_DAYS for endpoints
    that are turned off. Recorded as a job run, so a lost night is caught up."""
    from core.jobs import job_run
    from core.outbox import outbox_purge_expired
    from core.webhooks import webhooks_expire_held

    with job_run("anonymise_complaints") as run:
        complaints = complaints_anonymise_expired()
        emails = outbox_purge_expired()
        expired = webhooks_expire_held()
        run.add(
            complaints.complaints_wiped
            + complaints.attachments_deleted
            + complaints.pending_deleted
            + emails
            + expired
        )
    return RetentionRunResult(complaints, emails, expired)
