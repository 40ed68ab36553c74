from celery import shared_task

from core.tasks import run_recorded_if_busy

from . import services


@shared_task(name="providers.tasks.remove_expired_registrations", acks_late=True)
def remove_expired_registrations() -> int:
    """Registrations whose emailed link was never opened hold a name, an address and a
    password hash: they go once the link has expired."""
    return run_recorded_if_busy(
        "remove_expired_registrations", services.pending_registrations_remove_expired
    )
