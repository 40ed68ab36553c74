"""A provider bids for a lot with a document; the commissioner's officer then looks at the
tender and sees no sign of the bid."""

import re

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from tests.factories import PASSWORD, ProviderAdminFactory, published_tender

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def sign_in(journey, user, next_url):
    page = journey.page
    page.goto(f"/accounts/login/?next={next_url}")
    journey.check()
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(journey):
    journey.page.get_by_role("button", name="Sign out").click()
    expect(journey.page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    journey.check()


def officer_pages(tender):
    """The officer's and the public's pages about the tender, as far as they exist yet."""
    pages = [("core:dashboard", [])]
    pages += [("tendering:list", []), ("tendering:detail", [tender.pk])]
    pages += [("tenders:list", []), ("tenders:detail", [tender.pk])]
    pages += [("evaluation:overview", [tender.pk])]
    urls = []
    for name, args in pages:
        try:
            urls.append(reverse(name, args=args))
        except NoReverseMatch:
            continue
    return urls


def test_provider_submits_a_sealed_bid_and_the_officer_sees_no_sign_of_it(journey):
    tender = published_tender(lots=2, title="Befriending older people in Ashby")
    lot = tender.lots.get(number=1)
    bidder = ProviderAdminFactory(
        email="admin@northshiremind.example",
        full_name="Nia Provider",
        provider__name="Northshire Mind",
    )
    page = journey.page

    sign_in(journey, bidder, f"/bids/new/{lot.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bid for Lot 1: Lot area 1")
    expect(page.get_by_text("Your bid is sealed.")).to_be_visible()
    journey.check()

    page.get_by_role("button", name="Submit your bid").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_role("alert")).to_contain_text("Enter your price for this lot")
    expect(page.get_by_role("alert")).to_contain_text("Enter your answer to ‘Quality’")
    journey.check()

    page.get_by_label("Your price for this lot, in pounds").fill("98765.43")
    page.get_by_label("Quality (50% of the marks)").fill(
        "Trained volunteers visit each person weekly, matched by interests."
    )
    page.get_by_label("Social value (10% of the marks)").fill(
        "We recruit volunteers locally and pay the Real Living Wage."
    )
    page.get_by_label("Partner 1: name").fill("Ashby Youth Club")
    page.get_by_label("Partner 1: what kind of group it is").select_option("community group")
    page.get_by_label("Supporting documents (optional)").set_input_files(
        files=[{"name": "method-statement.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Submit your bid").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Bid submitted")
    expect(page.get_by_text("method-statement.pdf")).to_be_visible()
    journey.check()

    page.get_by_role("link", name="See all your bids").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your bids")
    expect(page.get_by_role("cell", name="Lot 1: Lot area 1", exact=True)).to_be_visible()
    journey.check()

    page.get_by_role("link", name="Befriending older people in Ashby").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your bid for Lot 1: Lot area 1")
    expect(page.get_by_text("£98,765.43")).to_be_visible()
    expect(page.get_by_role("cell", name="Ashby Youth Club")).to_be_visible()
    journey.check()
    sign_out(journey)

    sign_in(journey, tender.created_by, "/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Commissioning dashboard")
    journey.check()
    for url in officer_pages(tender):
        page.goto(url)
        journey.check()
        shown = page.locator("main").inner_text()
        for secret in ("98,765", "98765", "Northshire Mind", "method-statement", "Ashby Youth"):
            assert secret not in shown, f"{url} shows {secret!r} before the deadline"
        assert not re.search(r"\b1 bids?\b", shown), f"{url} shows how many bids there are"
