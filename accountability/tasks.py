from celery import shared_task

from .services import handling


@shared_task(name="accountability.tasks.complaint_overdue_sweep", acks_late=True)
def complaint_overdue_sweep() -> int:
    return handling.complaints_sweep_overdue()
