"""Registration tells a stranger nothing about who has an account: it once said "An account
with this email address already exists" (for staff too), and had no limit. Now every address
gets the same "check your email" page after the same work, its owner learns the rest by
email, and both the client and the address are limited."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from core.models import OutboxMessage
from providers.models import PendingRegistration, ProviderOrganisation
from providers.services import pending_registrations_remove_expired
from tests.factories import OfficerFactory, StaffFactory
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

REGISTER = "/providers/register/"
CHECK = "/providers/register/check/"
SENT = "/providers/register/sent/"


class _FixedClock:
    def time(self) -> float:
        return 1_800_000_000.0


@pytest.fixture(autouse=True)
def _setup(monkeypatch):
    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "time", _FixedClock())
    call_command("load_cpv", stdout=StringIO())


def _answers(email, name="Kirkby Community Transport", **overrides):
    return {
        "name": name,
        "kind": "third_sector",
        "legal_form": "cio",
        "size_band": "small",
        "address": "Unit 4, Station Road",
        "postcode": "L32 1AB",
        "regions": ["UKD"],
        "categories": ["60130000-8"],
        "capability_statement": "Door-to-door minibus transport.",
        "admin_full_name": "Kemi Adebayo",
        "admin_email": email,
        "password": "minibus-route-77",
        "password_confirmation": "minibus-route-77",
        **overrides,
    }


def _start(client, email, address="203.0.113.5", **overrides):
    """The question page, then "Register organisation" on check your answers."""
    questions = client.post(REGISTER, _answers(email, **overrides), REMOTE_ADDR=address)
    assert questions.status_code == 302, questions.content.decode()[:2000]
    return client.post(CHECK, REMOTE_ADDR=address)


def _link(email: str) -> str | None:
    message = OutboxMessage.objects.filter(to=email).latest("id")
    found = re.search(r"https?://[^/\s]+(/providers/register/confirm/[^/\s]+/)", message.body)
    return found.group(1) if found else None


@pytest.mark.parametrize("factory", [OfficerFactory, StaffFactory])
def test_an_address_with_an_account_gets_the_same_pages_after_the_same_work(client, factory):
    factory(email="taken@example.org")

    taken_questions = client.post(REGISTER, _answers("taken@example.org"))
    taken_queries = count_queries(client.post, CHECK)
    taken_sent = client.get(SENT).content.decode()
    free_questions = client.post(REGISTER, _answers("free@example.org"))
    free_queries = count_queries(client.post, CHECK)
    free_sent = client.get(SENT).content.decode()

    assert taken_questions["Location"] == free_questions["Location"] == CHECK
    assert taken_queries == free_queries
    assert taken_sent.replace("taken@", "free@") == free_sent
    assert OutboxMessage.objects.filter(to="taken@example.org").count() == 1
    assert OutboxMessage.objects.filter(to="free@example.org").count() == 1
    # Its owner, and only its owner, learns the address has an account.
    assert _link("taken@example.org") is None
    assert _link("free@example.org") is not None
    assert not ProviderOrganisation.objects.filter(name="Kirkby Community Transport").exists()


def test_the_link_registers_once_and_opening_it_changes_nothing(client):
    _start(client, "kemi@kirkbyct.example")
    link = _link("kemi@kirkbyct.example")

    opened = client.get(link)
    assert "Finish registering your organisation" in opened.content.decode()
    assert not ProviderOrganisation.objects.exists()

    finished = client.post(link)
    assert finished["Location"] == "/providers/register/done/"
    assert User.objects.get(email="kemi@kirkbyct.example").provider.name == (
        "Kirkby Community Transport"
    )
    assert not PendingRegistration.objects.exists()

    client.post("/accounts/logout/")
    again = client.post(link)
    assert again.status_code == 404
    assert "expired or has already been used" in again.content.decode()


def test_an_expired_link_registers_nothing_and_expired_requests_are_removed(client):
    _start(client, "kemi@kirkbyct.example")
    link = _link("kemi@kirkbyct.example")
    PendingRegistration.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404
    assert not ProviderOrganisation.objects.exists()
    assert pending_registrations_remove_expired() == 1
    assert not PendingRegistration.objects.exists()


def test_an_account_made_for_the_address_since_the_link_was_sent_is_named_to_its_owner(client):
    _start(client, "kemi@kirkbyct.example")
    OfficerFactory(email="kemi@kirkbyct.example")

    response = client.post(_link("kemi@kirkbyct.example"))

    assert response.status_code == 409
    assert "already exists. Sign in with it instead" in response.content.decode()
    assert not ProviderOrganisation.objects.exists()


@override_settings(REGISTRATION_ADDRESS_RATE="2/h")
def test_one_address_gets_only_so_many_emails_whoever_asks(client):
    answers = [
        _start(client, "kemi@kirkbyct.example", address=f"198.51.100.{n}", name=f"Org {n}")[
            "Location"
        ]
        for n in range(5)
    ]

    assert answers == [SENT] * 5
    assert OutboxMessage.objects.filter(to="kemi@kirkbyct.example").count() == 2


@override_settings(REGISTRATION_RATE="2/h")
def test_one_client_can_start_only_so_many_registrations(client):
    answers = [
        _start(client, f"admin{n}@example.org", name=f"Org {n}").status_code for n in range(3)
    ]

    assert answers == [302, 302, 429]
    assert OutboxMessage.objects.count() == 2
