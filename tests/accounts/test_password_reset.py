"""Password reset tells a stranger nothing and cannot be used to flood anyone: the same page
after the same work for an address with an account and one without, a limit per client
address, and a limit per email address whoever asks (30 requests once sent 31 emails to one
officer)."""

import pytest
from django.core import mail
from django.test import override_settings

from core.models import OutboxMessage
from core.outbox import outbox_dispatch
from tests.factories import OfficerFactory, StaffFactory
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

RESET = "/accounts/password/reset/"
SENT = "/accounts/password/reset/sent/"


class _FixedClock:
    def time(self) -> float:
        return 1_800_000_000.0


@pytest.fixture(autouse=True)
def _one_rate_limit_window(monkeypatch):
    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "time", _FixedClock())


def _ask(client, email, address="203.0.113.9"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def _emails_to(address: str) -> list:
    """Everything sent to `address`, the outbox delivered first."""
    outbox_dispatch()
    return [m for m in mail.outbox if m.to == [address]]


def test_thirty_requests_from_anywhere_send_one_officer_three_emails(client):
    OfficerFactory(email="olu@northshire.example")

    answers = {
        _ask(client, "olu@northshire.example", address=f"198.51.100.{n}")["Location"]
        for n in range(30)
    }

    assert answers == {SENT}
    assert len(_emails_to("olu@northshire.example")) == 3


def test_one_client_asking_too_often_is_refused(client):
    answers = [_ask(client, f"person{n}@example.org").status_code for n in range(11)]

    assert answers == [302] * 10 + [429]
    assert "too many attempts" in _ask(client, "another@example.org").content.decode()


@pytest.mark.parametrize("factory", [OfficerFactory, StaffFactory])
def test_an_address_with_an_account_and_one_without_get_the_same_answer_after_the_same_work(
    client, factory
):
    factory(email="known@example.org")

    known_queries = count_queries(_ask, client, "known@example.org")
    unknown_queries = count_queries(_ask, client, "unknown@example.org", "203.0.113.10")
    known, unknown = _ask(client, "known@example.org"), _ask(client, "unknown@example.org")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == SENT
    assert known_queries == unknown_queries
    assert OutboxMessage.objects.filter(to="known@example.org").count() == 2
    assert OutboxMessage.objects.filter(to="unknown@example.org").count() == 2
    # Only the owner of the address learns which it is, from the email.
    with_link, without = _emails_to("known@example.org")[0], _emails_to("unknown@example.org")[0]
    assert "/accounts/password/reset/" in with_link.body
    assert "there is no account with it" in without.body


@override_settings(PASSWORD_RESET_ADDRESS_RATE="1/h")
def test_past_the_limit_for_an_address_the_page_is_unchanged_but_nothing_is_sent(client):
    OfficerFactory(email="olu@northshire.example")

    first = _ask(client, "olu@northshire.example")
    second = _ask(client, "OLU@northshire.example", address="198.51.100.1")

    assert first["Location"] == second["Location"] == SENT
    assert len(_emails_to("olu@northshire.example")) == 1
