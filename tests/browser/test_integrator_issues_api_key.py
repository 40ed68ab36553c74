"""An officer sets up an integration: issues an API key, copies it from the one page that shows
it, uses it against the API, then revokes it, and the key stops working."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, OfficerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _me(base_url: str, key: str) -> tuple[int, dict]:
    # The live server's own http:// address, never a user's URL.
    request = urllib.request.Request(  # noqa: S310
        f"{base_url}/api/v1/me/", headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_officer_issues_a_key_uses_it_and_revokes_it(journey, live_server):
    officer = OfficerFactory(
        email="olu@northshire.example",
        full_name="Olu Officer",
        commissioner__name="Northshire County Council",
    )
    page = journey.page

    page.goto("/accounts/login/")
    journey.check()
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commissioning dashboard")
    journey.check()

    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API keys")
    expect(page.get_by_text("You have not issued any API keys.")).to_be_visible()
    journey.check()

    page.get_by_role("button", name="Issue a key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue an API key")
    journey.check()

    # Nothing chosen: the error summary says what to fix, and the title says there is an error.
    page.get_by_role("button", name="Issue key").click()
    expect(page).to_have_title("Error: Issue an API key – CivicMarkets")
    expect(page.get_by_role("alert")).to_contain_text("Enter what the key is for")
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one scope")
    journey.check()

    page.get_by_label("What is the key for?").fill("Case management sync")
    page.get_by_label("Read tenders, lots, criteria and clarifications").check()
    page.get_by_label("Read contracts, KPIs, reviews and renewal decisions").check()
    page.get_by_label("How many days should the key work for?").fill("90")
    page.get_by_role("button", name="Issue key").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API key issued")
    expect(page.get_by_text("We will not show it again")).to_be_visible()
    journey.check()

    key = page.get_by_test_id("api-key").inner_text().strip()
    assert key.startswith("cm_")
    status, me = _me(live_server.url, key)
    assert status == 200
    assert me["email"] == officer.email
    assert me["scopes"] == ["tenders:read", "contracts:read"]

    # The key is shown once: coming back finds only the list, and the key is not in it.
    page.goto("/accounts/api-keys/issued/")
    expect(page.get_by_role("heading", level=1)).to_have_text("API keys")
    expect(page.get_by_role("cell", name="Case management sync", exact=True)).to_be_visible()
    expect(page.get_by_text("Active", exact=True)).to_be_visible()
    assert key not in page.content()
    journey.check()

    page.get_by_role("link", name="Revoke Case management sync").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Revoke the API key “Case management sync”?"
    )
    journey.check()

    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_text("API key “Case management sync” revoked")).to_be_visible()
    expect(page.get_by_text("Revoked", exact=True)).to_be_visible()
    journey.check()

    status, body = _me(live_server.url, key)
    assert status == 401
    assert "revoked" in body["detail"]
