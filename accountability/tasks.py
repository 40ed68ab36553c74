from celery import shared_task
from django.conf import settings

from core.tasks import run_recorded_if_busy

from .services import handling, retention


@shared_task(name="accountability.tasks.complaint_overdue_sweep", acks_late=True)
def complaint_overdue_sweep() -> int:
    return run_recorded_if_busy("complaint_overdue_sweep", handling.complaints_sweep_overdue)


@shared_task(
    name="accountability.tasks.anonymise_complaints",
    acks_late=True,
    soft_time_limit=settings.JOB_SOFT_TIME_LIMIT,
    time_limit=settings.JOB_TIME_LIMIT,
)
def anonymise_complaints() -> int:
    return retention.retention_run().complaints.complaints_wiped
