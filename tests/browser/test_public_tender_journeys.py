"""Browser journeys on the public tender pages and clarifications, axe-checked."""

import pytest
from playwright.sync_api import expect

from commissioning.choices import LotReservation
from tests.factories import (
    PASSWORD,
    LotFactory,
    OfficerFactory,
    ProviderAdminFactory,
    published_tender,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_visitor_searches_filters_and_reads_a_tender(journey):
    tender = published_tender(
        lots=0,
        title="Befriending for older people",
        commissioner__name="Northshire County Council",
    )
    LotFactory(tender=tender, number=1, title="Whole county", reservation=LotReservation.VCSE)
    published_tender(lots=1, title="Grounds maintenance", description="Grass cutting in parks.")

    page = journey.page
    page.goto("/tenders/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find opportunities")
    expect(page.get_by_role("heading", name="2 tenders")).to_be_visible()
    journey.check()

    page.get_by_label("Search").fill("befriend")
    page.get_by_label("Reserved for small providers, VCSEs or mutuals").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 tender", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Grounds maintenance")).to_have_count(0)
    journey.check()

    page.get_by_label("Results per page").fill("500")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_title("Error: Find opportunities – CivicMarkets")
    expect(page.get_by_role("alert")).to_contain_text("Results per page must be 100 or fewer")
    journey.check()

    page.get_by_label("Results per page").fill("20")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("heading", name="1 tender", exact=True)).to_be_visible()
    journey.check()

    page.get_by_role("link", name="Befriending for older people").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Befriending for older people")
    expect(page.get_by_text("Lot 1: Whole county")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in to ask a question")).to_be_visible()
    journey.check()


def test_provider_asks_and_officer_publishes_the_answer(journey):
    tender = published_tender(lots=1, title="Community transport")
    provider_user = ProviderAdminFactory(provider__name="Wheels Together")
    officer = OfficerFactory(commissioner=tender.commissioner)

    page = journey.page

    def sign_in_as(user):
        page.goto("/accounts/login/")
        journey.check()
        page.get_by_label("Email address").fill(user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        journey.check()

    sign_in_as(provider_user)
    page.goto(f"/tenders/{tender.pk}/")
    journey.check()
    page.get_by_role("link", name="Ask a question").click()
    journey.check()
    page.get_by_role("button", name="Send question").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your question")
    journey.check()
    page.get_by_label("Your question").fill("Are wheelchair-accessible vehicles required?")
    page.get_by_role("button", name="Send question").click()
    expect(page.get_by_text("Your question has been sent")).to_be_visible()
    expect(page.get_by_text("Are wheelchair-accessible vehicles required?")).to_be_visible()
    journey.check()
    page.get_by_role("button", name="Sign out").click()
    journey.check()

    sign_in_as(officer)
    page.goto(f"/tendering/{tender.pk}/clarifications/")
    expect(page.get_by_text("Wheels Together")).to_be_visible()
    journey.check()
    page.get_by_role("link", name="Answer").click()
    journey.check()
    page.get_by_label("Your answer").fill("Yes: every vehicle must take a wheelchair.")
    page.get_by_role("button", name="Save answer").click()
    expect(page.get_by_text("Your answer has been published to every provider")).to_be_visible()
    journey.check()

    page.goto(f"/tenders/{tender.pk}/")
    expect(page.get_by_text("Yes: every vehicle must take a wheelchair.")).to_be_visible()
    expect(page.get_by_text("Wheels Together")).to_have_count(0)
    journey.check()
