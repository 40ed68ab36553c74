from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

from .services import reviews as review_services
from .services import tenders as tender_services

# close_due_tenders is further down, with the other jobs, sharing their retry policy.

# --- contract management ------------------------------------------------------------------

RETRYABLE = (OperationalError, InterfaceError, BrokerError, RedisConnectionError)


@shared_task(
    name="commissioning.tasks.contract_reviews",
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=settings.JOB_SOFT_TIME_LIMIT,
    time_limit=settings.JOB_TIME_LIMIT,
)
def contract_reviews() -> int:
    return review_services.contract_reviews_create_due()


# --- renewals, expiry, and closing tenders ------------------------------------------------

from core.tasks import run_recorded_if_busy  # noqa: E402

from .services import renewals as renewal_services  # noqa: E402


@shared_task(
    name="commissioning.tasks.close_due_tenders",
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
)
def close_due_tenders() -> int:
    return run_recorded_if_busy("close_due_tenders", tender_services.tenders_close_due)


@shared_task(
    name="commissioning.tasks.contract_renewals",
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=settings.JOB_SOFT_TIME_LIMIT,
    time_limit=settings.JOB_TIME_LIMIT,
)
def contract_renewals() -> int:
    return sum(renewal_services.contract_renewals_run().values())
