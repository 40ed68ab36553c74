from celery import shared_task
from django.conf import settings

from core.tasks import run_recorded_if_busy

from .services import handling, retention, uploads


@shared_task(name="accountability.tasks.complaint_overdue_sweep", acks_late=True)
def complaint_overdue_sweep() -> int:
    return run_recorded_if_busy("complaint_overdue_sweep", handling.complaints_sweep_overdue)


# Chunked sweeps: the minutely tasks' limits (CELERY_TASK_*), given here so they are seen; a
# run stopped by the soft limit keeps the chunks it committed and the next run does the rest.
@shared_task(
    name="accountability.tasks.remove_abandoned_uploads",
    acks_late=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def remove_abandoned_uploads() -> int:
    return run_recorded_if_busy(
        "remove_abandoned_uploads", uploads.pending_attachments_remove_abandoned
    )


@shared_task(
    name="accountability.tasks.anonymise_complaints",
    acks_late=True,
    soft_time_limit=settings.JOB_SOFT_TIME_LIMIT,
    time_limit=settings.JOB_TIME_LIMIT,
)
def anonymise_complaints() -> int:
    return retention.retention_run().complaints.complaints_wiped
