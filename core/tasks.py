from celery import shared_task

from . import services


@shared_task(name="core.tasks.heartbeat", acks_late=True)
def heartbeat() -> None:
    services.heartbeat_record()
