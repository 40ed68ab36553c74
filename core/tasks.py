from celery import shared_task

from . import services


@shared_task(name="core.tasks.heartbeat", acks_late=True)
def heartbeat() -> None:
    services.heartbeat_record()


@shared_task(name="core.tasks.dispatch_outbox", acks_late=True)
def dispatch_outbox() -> int:
    from .outbox import outbox_dispatch

    return outbox_dispatch()
