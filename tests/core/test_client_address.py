"""Every limit sees the same client address: the connection's, unless PROXY_COUNT says how
many reverse proxies stand in front, and then the address the outermost one saw. A client
cannot buy extra requests by forging X-Forwarded-For, and clients behind the proxy are
never counted as one."""

import pytest
from django.test import override_settings

from accountability.models import Complaint
from core.api.throttling import AnonymousRateThrottle
from tests.factories import PASSWORD, ContractFactory, OfficerFactory

pytestmark = pytest.mark.django_db

PROXY = "172.18.0.5"  # the nginx container, as gunicorn sees it
ALICE = "203.0.113.10"
BOB = "198.51.100.20"


class _FixedClock:
    def time(self) -> float:
        return 1_800_000_000.0


@pytest.fixture(autouse=True)
def _one_rate_limit_window(monkeypatch):
    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "time", _FixedClock())


@pytest.fixture
def anon_rate(monkeypatch):
    """The anonymous API allowance, lowered to 5 a minute so the test is short."""
    monkeypatch.setattr(
        AnonymousRateThrottle,
        "THROTTLE_RATES",
        {**AnonymousRateThrottle.THROTTLE_RATES, "anon": "5/min"},
    )


def _through_proxy(client_address, forged=""):
    """What gunicorn receives when nginx forwards a request from `client_address`: nginx
    appends the address it saw to whatever X-Forwarded-For the client sent."""
    chain = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


def _complaint(contract):
    return {
        "contract": contract.pk,
        "category": "quality",
        "description": "The carer did not arrive on Tuesday.",
        "contact": "anonymous",
    }


# --- no proxy (the default): X-Forwarded-For is the client's own invention ------------------


def test_a_rotating_forged_forwarded_for_buys_no_extra_api_requests(client, anon_rate):
    answers = [
        client.get("/api/v1/", REMOTE_ADDR=ALICE, HTTP_X_FORWARDED_FOR=f"10.9.0.{n}").status_code
        for n in range(8)
    ]
    assert answers == [200] * 5 + [429] * 3


@override_settings(COMPLAINT_SUBMIT_RATE="3/h")
def test_a_rotating_forged_forwarded_for_buys_no_extra_complaints(api):
    contract = ContractFactory()
    answers = [
        api.post(
            "/api/v1/complaints/",
            _complaint(contract),
            format="json",
            REMOTE_ADDR=ALICE,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        ).status_code
        for n in range(5)
    ]
    assert answers == [201] * 3 + [429] * 2
    assert Complaint.objects.count() == 3


def test_a_rotating_forged_forwarded_for_does_not_escape_the_sign_in_lock_out(client, settings):
    OfficerFactory(email="olu@northshire.example")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "olu@northshire.example", "password": "guess"},
            REMOTE_ADDR=ALICE,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "olu@northshire.example", "password": PASSWORD},
        REMOTE_ADDR=ALICE,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429


# --- one proxy in front (docker-compose.yml): each client counted by its own address ---------


@override_settings(PROXY_COUNT=1)
def test_behind_the_proxy_each_client_has_its_own_api_allowance(client, anon_rate):
    alice = [client.get("/api/v1/", **_through_proxy(ALICE)).status_code for _ in range(6)]
    # Forging the header changes nothing: nginx appends the address it really saw.
    forged = client.get("/api/v1/", **_through_proxy(ALICE, forged=BOB)).status_code
    bob = client.get("/api/v1/", **_through_proxy(BOB)).status_code

    assert alice == [200] * 5 + [429]
    assert forged == 429
    assert bob == 200


@override_settings(PROXY_COUNT=1, COMPLAINT_SUBMIT_RATE="3/h")
def test_behind_the_proxy_each_client_has_its_own_complaint_allowance(api):
    contract = ContractFactory()

    def send(address, forged=""):
        return api.post(
            "/api/v1/complaints/",
            _complaint(contract),
            format="json",
            **_through_proxy(address, forged),
        ).status_code

    alice = [send(ALICE) for _ in range(4)]
    assert alice == [201, 201, 201, 429]
    assert send(ALICE, forged="192.0.2.77") == 429
    assert send(BOB) == 201
    assert Complaint.objects.count() == 4


@override_settings(PROXY_COUNT=1)
def test_behind_the_proxy_a_lock_out_stops_the_guesser_not_the_officer(client, settings):
    OfficerFactory(email="olu@northshire.example")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/accounts/login/",
            {"username": "olu@northshire.example", "password": "guess"},
            **_through_proxy(ALICE),
        )
    guesser = client.post(
        "/accounts/login/",
        {"username": "olu@northshire.example", "password": PASSWORD},
        **_through_proxy(ALICE, forged=BOB),
    )
    officer = client.post(
        "/accounts/login/",
        {"username": "olu@northshire.example", "password": PASSWORD},
        **_through_proxy(BOB),
    )

    assert guesser.status_code == 429
    assert officer.status_code == 302
    assert officer["Location"] == "/dashboard/"
