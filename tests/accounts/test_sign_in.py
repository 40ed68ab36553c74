"""Signing in and out, changing and resetting passwords, and throttled failures."""

import re

import pytest
from django.core import mail

from core.outbox import outbox_dispatch
from tests.factories import PASSWORD, OfficerFactory, ProviderAdminFactory

pytestmark = pytest.mark.django_db


def _sign_in(client, email, password):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_officer_signs_in_with_email_and_lands_on_their_dashboard(client):
    officer = OfficerFactory(email="olu@northshire.example")
    response = _sign_in(client, "olu@northshire.example", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    page = client.get("/dashboard/").content.decode()
    assert "Commissioning dashboard" in page
    assert officer.commissioner.name in page


def test_wrong_password_shows_the_error_summary_and_keeps_the_email(client):
    OfficerFactory(email="olu@northshire.example")
    response = _sign_in(client, "olu@northshire.example", "not-my-password")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in" in page
    assert "There is a problem" in page
    assert "Enter a correct email address and password" in page
    assert 'value="olu@northshire.example"' in page


def test_empty_form_says_which_fields_are_missing(client):
    page = client.post("/accounts/login/", {}).content.decode()
    assert page.count("This field is required") >= 2
    assert 'href="#id_username"' in page
    assert "govuk-input--error" in page


def test_repeated_failures_lock_the_account_out_from_that_client(client, settings):
    OfficerFactory(email="olu@northshire.example")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "olu@northshire.example", "guess")
    response = _sign_in(client, "olu@northshire.example", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts to sign in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_ends_the_session(client):
    ProviderAdminFactory(email="priya@carewell.example")
    _sign_in(client, "priya@carewell.example", PASSWORD)
    assert client.get("/dashboard/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/dashboard/")["Location"].startswith("/accounts/login/")


def test_user_changes_their_password(client):
    OfficerFactory(email="olu@northshire.example")
    _sign_in(client, "olu@northshire.example", PASSWORD)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert response["Location"] == "/accounts/password/change/done/"
    client.post("/accounts/logout/")
    assert _sign_in(client, "olu@northshire.example", "a-new-long-passphrase").status_code == 302


def test_user_resets_a_forgotten_password_by_email(client):
    OfficerFactory(email="olu@northshire.example")
    response = client.post("/accounts/password/reset/", {"email": "olu@northshire.example"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    # The email goes through the outbox, like every other.
    outbox_dispatch()
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    form_page = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "reset-to-this-phrase", "new_password2": "reset-to-this-phrase"},
    )
    assert done["Location"] == "/accounts/password/reset/complete/"
    assert _sign_in(client, "olu@northshire.example", "reset-to-this-phrase").status_code == 302


def test_reset_for_an_unknown_address_does_not_reveal_whether_it_exists(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    # Only the address's owner learns there is no account (tests/accounts/test_password_reset.py).
    outbox_dispatch()
    assert [m.to for m in mail.outbox] == [["nobody@example.org"]]
    assert "there is no account with it" in mail.outbox[0].body
    assert "/accounts/password/reset/" not in mail.outbox[0].body
