"""People in an organisation issue API keys for their systems, see the key once, and revoke
it; managers and provider admins can see and cut off their colleagues' keys."""

import pytest
from django.test import Client
from django.utils.html import escape

from accounts.models import ApiKey
from accounts.services import api_key_issue, api_key_revoke, hash_secret
from core.models import AuditEntry
from tests.factories import (
    BidWriterFactory,
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

ISSUE = "/accounts/api-keys/new/"
LIST = "/accounts/api-keys/"


def _issue(client, **data):
    form = {"name": "Finance system", "scopes": ["tenders:read"], "lifetime_days": "365"}
    form.update(data)
    return client.post(ISSUE, form)


def test_officer_issues_a_key_and_sees_the_whole_key_once(sign_in):
    officer = OfficerFactory()
    client = sign_in(officer)

    response = _issue(client, scopes=["tenders:read", "contracts:read"], lifetime_days="30")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/api-keys/issued/"
    key = ApiKey.objects.get(user=officer)
    assert key.name == "Finance system"
    assert key.scopes == ["tenders:read", "contracts:read"]
    page = client.get(response["Location"]).content.decode()
    assert "API key issued" in page
    assert "will not show it again" in page
    secret = page.split('data-testid="api-key">', 1)[1].split("<", 1)[0]
    assert secret.startswith(f"cm_{key.prefix}_")
    assert hash_secret(secret) == key.secret_hash
    assert "Read tenders, lots, criteria and clarifications" in page

    again = client.get("/accounts/api-keys/issued/")
    assert again.status_code == 302
    assert again["Location"] == LIST
    assert secret not in client.get(LIST).content.decode()


@pytest.mark.parametrize("factory", [OfficerFactory, ProviderAdminFactory])
def test_the_issued_key_works_against_the_api(sign_in, factory):
    client = sign_in(factory())
    _issue(client, scopes=["bids:read"])
    page = client.get("/accounts/api-keys/issued/").content.decode()
    secret = page.split('data-testid="api-key">', 1)[1].split("<", 1)[0]

    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200
    assert response.json()["scopes"] == ["bids:read"]


def test_issue_form_offers_every_scope_with_its_label_and_a_year_by_default(sign_in):
    page = sign_in(OfficerFactory()).get(ISSUE).content.decode()

    assert "Issue an API key" in page
    assert 'value="365"' in page
    assert 'type="checkbox" name="scopes" value="webhooks:manage"' in page
    assert "Register webhooks and read their deliveries (webhooks:manage)" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "id_name", "Enter what the key is for"),
        ({"scopes": []}, "id_scopes_0", "Choose at least one scope"),
        ({"scopes": ["everything"]}, "id_scopes_0", "Select a valid choice"),
        ({"lifetime_days": "0"}, "id_lifetime_days", "Enter a lifetime from 1 to 730 days"),
        ({"lifetime_days": "731"}, "id_lifetime_days", "Enter a lifetime from 1 to 730 days"),
        ({"lifetime_days": "a year"}, "id_lifetime_days", "whole number"),
    ],
)
def test_a_wrong_answer_is_shown_in_the_error_summary(sign_in, data, field, message):
    response = _issue(sign_in(OfficerFactory()), **data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Issue an API key" in page
    assert "govuk-error-summary" in page
    assert f'href="#{field}"' in page
    assert message in page
    assert not ApiKey.objects.exists()


def test_typed_answers_are_kept_when_the_form_is_wrong(sign_in):
    page = _issue(sign_in(OfficerFactory()), name="", scopes=["bids:read"], lifetime_days="90")
    html = page.content.decode()
    assert 'value="90"' in html
    bids_read = html.split('value="bids:read"', 1)[1].split(">", 1)[0]
    assert "checked" in bids_read


def test_people_outside_an_organisation_cannot_issue_keys(sign_in):
    client = sign_in(StaffFactory())

    assert client.get(ISSUE).status_code == 403
    assert _issue(client).status_code == 403
    page = client.get(LIST).content.decode()
    assert "Only people in a registered organisation can issue API keys" in page
    assert not ApiKey.objects.exists()


def test_signed_out_visitors_are_asked_to_sign_in(client):
    for url in (LIST, ISSUE, "/accounts/api-keys/issued/", "/accounts/api-keys/1/revoke/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_list_shows_my_keys_with_their_status(sign_in):
    officer = OfficerFactory()
    active = api_key_issue(actor=officer, name="Case system", scopes=["tenders:read"]).api_key
    revoked = api_key_issue(actor=officer, name="Old sync", scopes=["bids:read"]).api_key
    api_key_revoke(api_key=revoked, actor=officer)

    page = sign_in(officer).get(LIST).content.decode()

    assert "Case system" in page and f"cm_{active.prefix}_" in page
    assert "Old sync" in page and "Revoked" in page and "Active" in page
    assert f"/accounts/api-keys/{active.pk}/revoke/" in page
    assert f"/accounts/api-keys/{revoked.pk}/revoke/" not in page
    assert "colleagues" not in page


def test_managers_see_and_revoke_their_colleagues_keys_but_not_other_organisations(sign_in):
    officer = OfficerFactory()
    manager = ManagerFactory(commissioner=officer.commissioner)
    colleague_key = api_key_issue(actor=officer, name="Officer's sync", scopes=["tenders:read"])
    elsewhere = api_key_issue(actor=OfficerFactory(), name="Elsewhere", scopes=["tenders:read"])
    client = sign_in(manager)

    page = client.get(LIST).content.decode()
    assert "Your colleagues&#x27; API keys" in page or "Your colleagues' API keys" in page
    assert "Officer&#x27;s sync" in page and escape(officer.full_name) in page
    assert "Elsewhere" not in page

    url = f"/accounts/api-keys/{colleague_key.api_key.pk}/revoke/"
    assert "Any system using this key will stop working" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == LIST
    colleague_key.api_key.refresh_from_db()
    assert colleague_key.api_key.revoked_by == manager
    assert client.get(f"/accounts/api-keys/{elsewhere.api_key.pk}/revoke/").status_code == 404


def test_provider_admin_sees_bid_writers_keys_and_a_writer_sees_only_their_own(sign_in):
    admin = ProviderAdminFactory()
    writer = BidWriterFactory(provider=admin.provider)
    api_key_issue(actor=writer, name="Writer's tool", scopes=["bids:read"])
    api_key_issue(actor=admin, name="Admin's tool", scopes=["bids:read"])

    assert "Writer&#x27;s tool" in sign_in(admin).get(LIST).content.decode()
    writer_page = sign_in(writer).get(LIST).content.decode()
    assert "Admin&#x27;s tool" not in writer_page


def test_a_colleague_cannot_revoke_someone_elses_key(sign_in):
    officer = OfficerFactory()
    other_officer = OfficerFactory(commissioner=officer.commissioner)
    key = api_key_issue(actor=officer, name="Sync", scopes=["tenders:read"]).api_key
    client = sign_in(other_officer)

    assert client.get(f"/accounts/api-keys/{key.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/api-keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_revoking_asks_first_then_the_key_stops_working_and_is_audited(sign_in):
    officer = OfficerFactory()
    issued = api_key_issue(actor=officer, name="Sync", scopes=["tenders:read"])
    client = sign_in(officer)
    url = f"/accounts/api-keys/{issued.api_key.pk}/revoke/"

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Revoke the API key “Sync”?" in confirm.content.decode()
    issued.api_key.refresh_from_db()
    assert issued.api_key.revoked_at is None

    done = client.post(url, follow=True)
    assert "API key “Sync” revoked" in done.content.decode()
    assert AuditEntry.objects.filter(action="api_key.revoked").exists()
    response = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert response.status_code == 401


def test_revoking_twice_says_it_is_already_revoked(sign_in):
    officer = OfficerFactory()
    key = api_key_issue(actor=officer, name="Sync", scopes=["tenders:read"]).api_key
    api_key_revoke(api_key=key, actor=officer)

    response = sign_in(officer).post(f"/accounts/api-keys/{key.pk}/revoke/")

    assert response.status_code == 200
    assert "This key has already been revoked." in response.content.decode()


def test_people_in_an_organisation_find_api_keys_in_the_menu(sign_in, client):
    page = sign_in(OfficerFactory()).get("/dashboard/").content.decode()
    assert 'href="/accounts/api-keys/"' in page
    client.logout()
    assert 'href="/accounts/api-keys/"' not in sign_in(StaffFactory()).get("/").content.decode()
