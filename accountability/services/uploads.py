"""Uploads of complaint forms never sent: removed soon after, not kept for days.

A citizen's photos and documents wait as PendingAttachment rows (and files) against their
session until the check-your-answers page sends the complaint. Most are sent within minutes;
what is left after COMPLAINT_UPLOAD_KEEP_MINUTES was abandoned, and may be personal (a photo
of an injury) or an abuse of the anonymous form (files uploaded only to fill the disk)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from core.dbclock import db_now

from ..models import PendingAttachment

CHUNK = 500


def pending_attachments_remove_abandoned() -> int:
    """Deletes uploads older than COMPLAINT_UPLOAD_KEEP_MINUTES, rows first and their files
    once the rows are surely gone, a chunk per transaction. Rows a submission is moving
    (locked) are left for the next run. Returns how many were removed."""
    cutoff = db_now() - timedelta(minutes=settings.COMPLAINT_UPLOAD_KEEP_MINUTES)
    storage = PendingAttachment._meta.get_field("file").storage
    removed = 0
    while True:
        with transaction.atomic():
            chunk = list(
                PendingAttachment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(uploaded_at__lt=cutoff)
                .order_by("id")
                .values_list("pk", "file")[:CHUNK]
            )
            if not chunk:
                return removed
            PendingAttachment.objects.filter(pk__in=[pk for pk, _ in chunk]).delete()
            names = [name for _, name in chunk if name]
            transaction.on_commit(lambda names=names: [storage.delete(n) for n in names])
        removed += len(chunk)
