"""/healthz: what a load balancer or an operator reads to know the service is alive."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.utils import timezone

from civicmarkets.celery import app as celery_app
from core.models import Heartbeat
from core.services import heartbeat_record
from tests.factories import published_tender

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


# --- naming the failed check, never its raw error text --------------------------------------
#
# /healthz is public: a failing check is named (and its fixed explanation given) while the
# exception's own text, which carries hostnames, ports and driver messages, goes to the log.


def test_an_unreachable_broker_is_named_without_its_address_or_error(client, caplog):
    heartbeat_record()
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    body = response.content.decode()
    for raw in ("127.0.0.1", "Connection refused", "Error 111", "redis://"):
        assert raw not in body
    report = response.json()
    assert report["failed"] == ["broker"]
    assert report["broker"] == {"ok": False, "error": "the broker did not answer"}
    # The operator still gets the details, in the server's log.
    assert "127.0.0.1" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_is_named_without_its_address_or_error(client, caplog):
    heartbeat_record()
    connection.close()
    saved = dict(connection.settings_dict)
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1", PASSWORD="dsn-password-never-shown")
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    report = response.json()
    assert report["database"] == {"ok": False, "error": "the database did not answer"}
    assert "database" in report["failed"]
    body = response.content.decode()
    for raw in ("127.0.0.1", "port 1", "Connection refused", "dsn-password", "postgres"):
        assert raw not in body
    assert "Connection refused" in caplog.text or "port 1" in caplog.text


def test_a_stale_heartbeat_is_named(client, settings):
    settings.HEARTBEAT_MAX_AGE_SECONDS = 60
    Heartbeat.objects.create(name="celery-beat", last_run_at=timezone.now() - timedelta(minutes=5))
    report = client.get("/healthz").json()
    assert report["failed"] == ["heartbeat"]
    assert report["status"] == "unhealthy"


def test_a_healthy_report_names_no_failed_check(client):
    heartbeat_record()
    report = client.get("/healthz").json()
    assert report["failed"] == []
    assert report["bid_key"] == {"ok": True}


# --- the bid master key -----------------------------------------------------------------------


def test_a_bid_key_that_cannot_open_the_tenders_keys_is_unhealthy(client, settings):
    heartbeat_record()
    published_tender(lots=1)  # its key wrapped by the configured master key
    wrong = Fernet.generate_key().decode()
    settings.BID_MASTER_KEY = wrong  # e.g. a database restored without its key

    response = client.get("/healthz")

    assert response.status_code == 503
    report = response.json()
    assert report["failed"] == ["bid_key"]
    assert report["bid_key"]["ok"] is False
    assert "cannot open" in report["bid_key"]["error"]
    assert wrong not in response.content.decode()
    assert "InvalidToken" not in response.content.decode()


def test_removing_the_old_key_before_rotating_is_unhealthy(client, settings):
    heartbeat_record()
    old = settings.BID_MASTER_KEY
    published_tender(lots=1)  # under the old key
    new = Fernet.generate_key().decode()
    settings.BID_MASTER_KEY = f"{new},{old}"  # step 1 of rotation: the new key first
    published_tender(lots=1)  # under the new key
    assert client.get("/healthz").status_code == 200

    settings.BID_MASTER_KEY = new  # the old key removed without re-wrapping

    report = client.get("/healthz").json()
    assert report["failed"] == ["bid_key"]


def test_a_fresh_installation_with_a_good_key_is_healthy(client, settings):
    heartbeat_record()
    settings.BID_MASTER_KEY = Fernet.generate_key().decode()  # no tender sealed yet
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["bid_key"] == {"ok": True}


@pytest.mark.parametrize(
    ("configured", "explanation"),
    [("", "BID_MASTER_KEY is not set"), ("not-a-fernet-key", "not a valid Fernet key")],
)
def test_a_missing_or_malformed_bid_key_is_unhealthy(client, settings, configured, explanation):
    heartbeat_record()
    settings.BID_MASTER_KEY = configured
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["failed"] == ["bid_key"]
    assert explanation in report["bid_key"]["error"]
    assert "not-a-fernet-key" not in response.content.decode()
