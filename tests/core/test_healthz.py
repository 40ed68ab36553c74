"""/healthz: what a load balancer or an operator reads to know the service is alive."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicmarkets.celery import app as celery_app
from core.models import Heartbeat
from core.services import heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthy_when_database_broker_and_heartbeat_answer(client):
    heartbeat_record()
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"]["ok"] and report["broker"]["ok"] and report["heartbeat"]["ok"]
    assert report["heartbeat"]["age_seconds"] < 5


def test_unhealthy_when_the_heartbeat_never_ran(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["heartbeat"] == {
        "ok": False,
        "error": "the heartbeat task has never run",
    }


def test_unhealthy_when_the_heartbeat_is_stale(client, settings):
    settings.HEARTBEAT_MAX_AGE_SECONDS = 60
    Heartbeat.objects.create(name="celery-beat", last_run_at=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 503
    heartbeat = response.json()["heartbeat"]
    assert heartbeat["ok"] is False
    assert heartbeat["age_seconds"] >= 300


def test_unhealthy_when_the_broker_is_unreachable(client):
    heartbeat_record()
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_heartbeat_counts_its_runs():
    heartbeat_record()
    beat = heartbeat_record()
    assert beat.runs == 2
