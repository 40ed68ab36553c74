from celery import shared_task
from django.conf import settings

from core.tasks import run_recorded_if_busy

from . import services


# One DELETE of the expired rows: the minutely tasks' limits (CELERY_TASK_*) are ample.
@shared_task(
    name="providers.tasks.remove_expired_registrations",
    acks_late=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def remove_expired_registrations() -> int:
    """Registrations whose emailed link was never opened hold a name, an address and a
    password hash: they go once the link has expired."""
    return run_recorded_if_busy(
        "remove_expired_registrations", services.pending_registrations_remove_expired
    )
