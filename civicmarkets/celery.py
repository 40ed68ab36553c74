"""The Celery app: configured from Django settings (CELERY_*), tasks discovered per app."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicmarkets.settings.base")

app = Celery("civicmarkets")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# --- keys: a worker refuses to start with a BID_MASTER_KEY that cannot open the bids ---------


@worker_init.connect
def refuse_a_bid_master_key_that_cannot_open_the_bids(**kwargs):
    """Runs once in the worker's main process, before it consumes anything: better a worker
    that will not start, saying why, than jobs failing one by one on every tender."""
    from commissioning.worker import check_bid_master_key

    check_bid_master_key()
