"""One stuck transaction fails requests fast instead of taking the site down: every connection
carries lock and statement timeouts, a request that gives up answers 503 "busy, try again",
and /healthz answers 503 promptly while the database is blocked."""

import threading
import time
from contextlib import contextmanager

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from commissioning.models import Tender
from core.services import heartbeat_record
from tests.commissioning.test_tender_drafting import _draft_form
from tests.factories import OfficerFactory, TenderFactory

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def blocking_transaction(*statements, release_after: float = 30):
    """Another session (an admin's console, a stuck job) holds locks in an open transaction.
    It lets go after `release_after` seconds at the latest, so a request that waits for it
    ends even when nothing else stops it."""
    db = connection.settings_dict
    blocker = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432
    )
    with blocker.cursor() as cursor:
        for sql, args in statements:
            cursor.execute(sql, args)
    timer = threading.Timer(release_after, blocker.rollback)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        blocker.rollback()
        blocker.close()


def _timed(request):
    began = time.monotonic()
    response = request()
    return response, time.monotonic() - began


@pytest.mark.django_db
def test_every_connection_carries_the_timeouts():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')"
        )
        lock, statement = cursor.fetchone()
    assert lock == f"{settings.DATABASE_LOCK_TIMEOUT_MS // 1000}s"
    assert statement == f"{settings.DATABASE_STATEMENT_TIMEOUT_MS // 1000}s"


def test_a_change_waiting_on_a_locked_row_fails_fast_with_busy(sign_in):
    officer = OfficerFactory()
    tender = TenderFactory(commissioner=officer.commissioner, created_by=officer, title="Before")
    client = sign_in(officer)
    lock = ("SELECT 1 FROM commissioning_tender WHERE id = %s FOR UPDATE", [tender.pk])
    with blocking_transaction(lock):
        response, took = _timed(
            lambda: client.post(f"/tendering/{tender.pk}/edit/", _draft_form(title="After"))
        )
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "the service is busy" in response.content.decode()
    assert took < settings.DATABASE_LOCK_TIMEOUT_MS / 1000 + 10
    assert Tender.objects.get(pk=tender.pk).title == "Before"


def test_an_api_change_waiting_on_a_locked_row_answers_503_busy_in_the_apis_shape(api):
    officer = OfficerFactory()
    tender = TenderFactory(commissioner=officer.commissioner, created_by=officer, title="Before")
    api.as_key(officer, "tenders:read", "tenders:write")
    lock = ("SELECT 1 FROM commissioning_tender WHERE id = %s FOR UPDATE", [tender.pk])
    with blocking_transaction(lock):
        response, took = _timed(
            lambda: api.patch(f"/api/v1/tenders/{tender.pk}/", {"title": "After"}, format="json")
        )
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json() == {
        "detail": "The service is busy: nothing was changed. Try again.",
        "errors": {},
    }
    assert took < settings.DATABASE_LOCK_TIMEOUT_MS / 1000 + 10
    assert Tender.objects.get(pk=tender.pk).title == "Before"


def test_healthz_answers_503_promptly_while_a_transaction_blocks_the_database(client):
    heartbeat_record()
    assert client.get("/healthz").status_code == 200
    with blocking_transaction(("LOCK TABLE core_heartbeat IN ACCESS EXCLUSIVE MODE", [])):
        response, took = _timed(lambda: client.get("/healthz"))
    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
    assert took < settings.HEALTHZ_DATABASE_TIMEOUT_MS / 1000 + 5
