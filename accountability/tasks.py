from celery import shared_task

from core.tasks import run_recorded_if_busy

from .services import handling, retention, uploads


@shared_task(name="accountability.tasks.complaint_overdue_sweep", acks_late=True)
def complaint_overdue_sweep() -> int:
    return run_recorded_if_busy("complaint_overdue_sweep", handling.complaints_sweep_overdue)


@shared_task(name="accountability.tasks.remove_abandoned_uploads", acks_late=True)
def remove_abandoned_uploads() -> int:
    return run_recorded_if_busy(
        "remove_abandoned_uploads", uploads.pending_attachments_remove_abandoned
    )


@shared_task(name="accountability.tasks.anonymise_complaints", acks_late=True)
def anonymise_complaints() -> int:
    return retention.complaints_anonymise_expired().complaints_wiped
