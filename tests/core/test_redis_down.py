"""Redis down must not stop citizens: with the cache that counts rate limits stopped (or
hanging), complaints are still taken, through the form and the API, and the limits that
could not be counted say so in the log."""

import logging
import time

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accountability.models import Complaint
from tests.factories import PASSWORD, ContractFactory, OfficerFactory
from tests.redis_server import cache_on, redis_server, silent_server

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def redis_stopped():
    """The cache on a Redis of the test's own, proven to work, then stopped."""
    with redis_server() as server, cache_on(server.url):
        cache.set("proof", "it works")
        assert cache.get("proof") == "it works"
        server.stop()
        assert not server.answers()
        yield


def _limit_warnings(caplog) -> str:
    return "\n".join(
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name == "core.ratelimits"
    )


def _fill_in_the_form(client, contract):
    client.get(reverse("public:complaint_service"), {"contract": contract.pk})
    client.post(
        reverse("public:complaint_what"),
        {"category": "missed_service", "description": "Nobody came to help my father on Monday."},
    )
    client.post(reverse("public:complaint_when"), {"occurred_on": "", "location": ""})
    uploaded = client.post(
        reverse("public:complaint_files"),
        {"file": SimpleUploadedFile("bruise.png", PNG), "action": "upload"},
    )
    assert uploaded.status_code == 302
    client.post(reverse("public:complaint_files"), {"action": "continue"})
    client.post(reverse("public:complaint_contact"), {"contact": "anonymous"})


def _api_complaint(contract):
    return {
        "contract": contract.pk,
        "category": "quality",
        "description": "The carer did not arrive on Tuesday.",
        "contact": "anonymous",
    }


def test_a_complaint_sent_through_the_form_with_redis_down_is_stored(client, redis_stopped, caplog):
    contract = ContractFactory()
    _fill_in_the_form(client, contract)

    response = client.post(reverse("public:complaint_check"), {"website": ""})

    assert response.status_code == 302
    assert response["Location"] == reverse("public:complaint_done")
    complaint = Complaint.objects.get(contract=contract)
    assert complaint.attachments.count() == 1
    assert "Complaint sent" in client.get(response["Location"]).content.decode()
    warnings = _limit_warnings(caplog)
    assert "Rate limit complaint-upload not applied" in warnings
    assert "Rate limit complaint-submit not applied" in warnings


def test_a_complaint_sent_through_the_api_with_redis_down_is_stored(api, redis_stopped, caplog):
    contract = ContractFactory()

    response = api.post("/api/v1/complaints/", _api_complaint(contract), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["reference"] == Complaint.objects.get().reference
    warnings = _limit_warnings(caplog)
    assert "Rate limit complaint-submit not applied" in warnings
    assert "Rate limit api:anon not applied" in warnings


def test_with_redis_down_the_api_still_answers_and_its_errors_are_json(api, redis_stopped):
    assert api.get("/api/v1/tenders/").status_code == 200

    missing = api.get("/api/v1/tenders/999999/")
    nowhere = api.get("/api/v1/no-such-thing/")

    for response in (missing, nowhere):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found.", "errors": {}}


def test_with_redis_down_officers_still_sign_in_and_citizens_still_track(client, redis_stopped):
    OfficerFactory(email="olu@northshire.example")
    response = client.post(
        "/accounts/login/", {"username": "olu@northshire.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    client.post("/accounts/logout/")

    lookup = client.post(
        reverse("public:track_start"), {"reference": "CMP-2026-000001", "code": "nothing"}
    )
    assert lookup.status_code == 404
    assert "We could not find" in lookup.content.decode()


def test_a_hanging_redis_delays_a_complaint_by_its_timeouts_not_forever(api):
    contract = ContractFactory()
    with silent_server() as url, cache_on(url):
        started = time.monotonic()
        response = api.post("/api/v1/complaints/", _api_complaint(contract), format="json")
        took = time.monotonic() - started

    assert response.status_code == 201
    assert Complaint.objects.count() == 1
    # Two limits time out (the API's throttle and the complaint allowance), each after the
    # cache's socket timeout.
    assert took < 10
