"""Journey 2: a provider registers, is verified, asks a clarification, and bids with a document."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from commissioning.models import Bid, Clarification
from providers.models import ProviderOrganisation
from providers.services import provider_verify
from tests.browser.registration import finish_registering
from tests.factories import StaffFactory, published_tender

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "minibus-route-77"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def test_new_provider_registers_asks_a_question_and_bids_with_a_document(journey):
    call_command("load_cpv", stdout=StringIO())
    tender = published_tender(lots=1, title="Community transport for Kirkby")
    page = journey.page

    page.goto("/providers/register/")
    journey.check()
    page.get_by_label("Organisation name").fill("Kirkby Community Transport")
    page.get_by_label("Third sector (charity, social enterprise, co-operative, mutual)").check()
    page.get_by_label("Registered charity", exact=True).check()
    page.get_by_label("Small (10 to 49 staff)").check()
    page.get_by_label("Charity number in England and Wales (optional)").fill("1123456")
    page.locator("#id_address").fill("Unit 4, Station Road, Kirkby")
    page.get_by_label("Postcode").fill("L32 1AB")
    page.get_by_label("North West").check()
    page.get_by_label("Special-purpose road passenger-transport services").check()
    page.get_by_label("What your organisation does").fill("Door-to-door minibus transport.")
    page.get_by_label("Your full name").fill("Kemi Adebayo")
    page.get_by_label("Your email address").fill("kemi@kirkbyct.example")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before registering"
    )
    journey.check()
    page.get_by_role("button", name="Register organisation").click()
    finish_registering(journey, "kemi@kirkbyct.example")
    expect(page.locator(".govuk-panel__title")).to_have_text("Registration complete")
    journey.check()

    # Not yet verified, the provider may already ask questions.
    page.goto(f"/tenders/{tender.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Community transport for Kirkby")
    journey.check()
    page.get_by_role("link", name="Ask a question").click()
    journey.check()
    page.get_by_label("Your question").fill("Must the minibuses carry two wheelchairs?")
    page.get_by_role("button", name="Send question").click()
    expect(page.get_by_text("Your question has been sent")).to_be_visible()
    journey.check()
    provider = ProviderOrganisation.objects.get(name="Kirkby Community Transport")
    assert Clarification.objects.get(tender=tender).asked_by_provider == provider

    # Platform staff verify the organisation (in the admin, which this journey does not drive).
    provider_verify(provider=provider, actor=StaffFactory())

    page.goto(f"/tenders/{tender.pk}/")
    journey.check()
    page.get_by_role("button", name=re.compile("^Bid for this lot")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bid for Lot 1")
    journey.check()
    page.get_by_label("Your price for this lot, in pounds").fill("142000")
    page.get_by_label("Quality (50% of the marks)").fill("Two accessible minibuses, trained crews.")
    page.get_by_label("Social value (10% of the marks)").fill("Local drivers on the Living Wage.")
    page.get_by_label("Supporting documents (optional)").set_input_files(
        files=[{"name": "fleet.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Submit your bid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bid submitted")
    expect(page.get_by_text("fleet.pdf")).to_be_visible()
    journey.check()

    bid = Bid.objects.get(provider=provider)
    assert bid.documents.count() == 1
    assert b"fleet.pdf" not in bytes(bid.documents.get().sealed_name)
