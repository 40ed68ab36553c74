"""First journey: a visitor opens the home page, signs in as an officer, sees the dashboard."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, OfficerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_visitor_signs_in_as_an_officer_and_sees_the_dashboard(journey):
    officer = OfficerFactory(
        email="olu@northshire.example",
        full_name="Olu Officer",
        commissioner__name="Northshire County Council",
    )
    page = journey.page

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Commission public services fairly and in the open"
    )
    journey.check()

    page.get_by_role("link", name="Sign in", exact=True).click()
    expect(page).to_have_title("Sign in – CivicMarkets")
    journey.check()

    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a correct email address and password")
    expect(page).to_have_title("Error: Sign in – CivicMarkets")
    journey.check()

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commissioning dashboard")
    expect(page.get_by_text("Signed in as Olu Officer")).to_be_visible()
    expect(page.get_by_text("You have no tenders yet")).to_be_visible()
    journey.check()

    page.get_by_role("link", name="Your organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northshire County Council")
    journey.check()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    journey.check()


def test_error_pages_are_accessible_too(journey):
    page = journey.page
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    journey.check()
