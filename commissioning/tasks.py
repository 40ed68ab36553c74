from celery import shared_task

from .services import tenders as tender_services


@shared_task(name="commissioning.tasks.close_due_tenders", acks_late=True)
def close_due_tenders() -> int:
    return tender_services.tenders_close_due()
