"""A citizen, with no account, complains about a service twice: first anonymously, then with
an email address and a photo, and follows the second complaint through the emailed link."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accountability.models import Complaint
from core.models import OutboxMessage
from tests.factories import ContractFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REFERENCE = re.compile(r"CMP-\d{4}-\d{6}")


def _describe_and_continue(journey, description):
    page = journey.page
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile("^Error: What went wrong"))
    expect(page.get_by_role("alert")).to_contain_text("Select what kind of problem it was")
    journey.check()

    page.get_by_label("Missed service").check()
    page.get_by_label("What went wrong?").fill(description)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("When and where did it happen?")
    journey.check()

    page.get_by_label("When did it happen? (optional)").fill("3/11/2026")
    page.get_by_label("Postcode (optional)").fill("LS1 4AP")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Add photos or documents")
    journey.check()


def _send_and_read_reference(journey) -> str:
    page = journey.page
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending your complaint"
    )
    journey.check()
    page.get_by_role("button", name="Send complaint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Complaint sent")
    journey.check()
    return REFERENCE.search(page.locator(".govuk-panel__body").inner_text()).group(0)


def test_citizen_complains_anonymously_then_with_an_email_and_follows_it(journey, tmp_path):
    contract = ContractFactory(
        title="Home care for older people",
        provider__name="Carewell Ltd",
        commissioner__name="Northshire County Council",
    )
    page = journey.page

    page.goto("/")
    journey.check()
    page.get_by_role("link", name="Make a complaint about a public service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Which service is your complaint about?"
    )
    journey.check()
    page.get_by_label("Service, provider or area").fill("carewell")
    page.get_by_role("button", name="Search").click()
    journey.check()
    page.get_by_label(re.compile("^Home care for older people")).check()
    page.get_by_role("button", name="Continue").click()
    journey.check()
    _describe_and_continue(journey, "Nobody came to help my father on Monday.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your contact details")
    journey.check()
    page.get_by_label("Stay anonymous").check()
    page.get_by_role("button", name="Continue").click()
    first_reference = _send_and_read_reference(journey)
    assert Complaint.objects.get(reference=first_reference).is_anonymous

    page.goto(f"/contracts/{contract.pk}/")
    journey.check()
    page.get_by_role("link", name="Complain about this service").click()
    journey.check()
    _describe_and_continue(journey, "The carer left the front door open.")
    photo = tmp_path / "front-door.png"
    photo.write_bytes(PNG)
    page.get_by_label("Upload a file (optional)").set_input_files(str(photo))
    page.get_by_role("button", name="Upload file").click()
    expect(page.get_by_text("front-door.png (72 bytes)")).to_be_visible()
    journey.check()
    page.get_by_role("button", name="Continue").click()
    journey.check()
    page.get_by_label("Give my details").check()
    page.get_by_label("Full name").fill("Pat Citizen")
    page.get_by_label("Email address").fill("pat@example.org")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("front-door.png")).to_be_visible()
    second_reference = _send_and_read_reference(journey)
    assert second_reference != first_reference
    assert Complaint.objects.get(reference=second_reference).attachments.count() == 1

    body = OutboxMessage.objects.get(to="pat@example.org").body
    link = re.search(re.escape(settings.SITE_URL) + r"(/complaints/track/\S+)", body).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Home care for older people")
    expect(page.locator("main .govuk-tag")).to_have_text("Received")
    expect(page.get_by_text(second_reference)).to_be_visible()
    journey.check()
