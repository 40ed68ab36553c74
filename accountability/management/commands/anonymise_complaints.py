"""Removes complainants' personal data once the retention period after closing has passed."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accountability.models import Complaint, ComplaintAttachment, PendingAttachment
from core.dbclock import db_now

# Uploads of complaint forms that were never sent; a day is longer than anyone takes.
PENDING_MAX_AGE = timedelta(days=1)


class Command(BaseCommand):
    help = (
        "Wipes the name, email and phone of complainants, and deletes the attachments, of "
        "complaints closed more than COMPLAINT_RETENTION_DAYS days ago; deletes uploads of "
        "complaint forms never sent. Safe to run again: already wiped complaints are skipped."
    )

    def handle(self, *args, **options):
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
        self.stdout.write(
            f"Removed personal data from {wiped} complaints; deleted {attachments_deleted} "
            f"attachments and {pending_deleted} unsent uploads."
        )
