"""The heartbeat job, run by a real Celery worker on the Redis broker."""

import pytest

from core.models import Heartbeat
from core.tasks import heartbeat
from tests.worker import celery_worker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_worker_runs_the_heartbeat_and_healthz_sees_it(client):
    assert client.get("/healthz").status_code == 503

    with celery_worker() as queue:
        heartbeat.apply_async(queue=queue)
        wait_until(
            lambda: Heartbeat.objects.filter(name="celery-beat").exists(),
            message="the worker to record the heartbeat",
        )

    assert Heartbeat.objects.get(name="celery-beat").runs == 1
    assert client.get("/healthz").status_code == 200


def test_heartbeat_is_on_the_beat_schedule_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == heartbeat.name
    assert entry["schedule"].remaining_estimate is not None
    assert str(entry["schedule"]) == "<crontab: * * * * * (m/h/dM/MY/d)>"
