"""An officer opens the complaints queue, acknowledges a complaint, investigates it and
upholds it with a remedy; the citizen reads the response on their tracking page and asks
for a stage 2 review."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accountability.choices import ComplaintStatus
from accountability.models import Complaint
from core.models import OutboxMessage
from tests.factories import PASSWORD, ComplaintFactory, OfficerFactory, ProviderAdminFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _tracking_address(complaint, token):
    return reverse("public:track_complaint", args=[complaint.reference, token])


def test_officer_upholds_a_complaint_and_the_citizen_reads_the_response(journey):
    complaint = ComplaintFactory(
        contract__title="Home care in Northshire",
        tracking_token="a-private-tracking-secret",
    )
    officer = OfficerFactory(commissioner=complaint.commissioner, full_name="Olu Officer")
    page = journey.page

    page.goto("/accounts/login/?next=/dashboard/")
    journey.check()
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commissioning dashboard")
    journey.check()

    page.get_by_role("link", name="Your complaints").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Complaints")
    expect(page.get_by_role("cell", name="Home care in Northshire")).to_be_visible()
    journey.check()

    page.get_by_role("link", name=complaint.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Complaint {complaint.reference}")
    expect(page.get_by_text("pat@example.org")).to_be_visible()
    journey.check()

    page.get_by_role("button", name="Acknowledge the complaint").click()
    expect(page.get_by_text("Complaint acknowledged")).to_be_visible()
    journey.check()

    page.get_by_role("button", name="Start the investigation").click()
    expect(page.get_by_text("Investigation started")).to_be_visible()
    journey.check()

    page.get_by_role("button", name="Respond to the complaint").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Respond to the complaint")
    journey.check()

    page.get_by_label("Upheld", exact=True).check()
    page.get_by_label("Response to the complainant").fill(
        "The carer's visit was missed because of a rota error."
    )
    page.get_by_role("button", name="Send the response").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter what will be done to put things right")
    expect(page).to_have_title("Error: Respond to the complaint – CivicMarkets")
    expect(page.get_by_label("Response to the complainant")).to_have_value(
        "The carer's visit was missed because of a rota error."
    )
    journey.check()

    page.get_by_label("What will be done to put things right").fill(
        "A refund of one week's charges, and rota checks every Friday."
    )
    page.get_by_role("button", name="Send the response").click()
    expect(page.get_by_text("Response sent")).to_be_visible()
    expect(page.get_by_text("Stage 1: Upheld")).to_be_visible()
    journey.check()

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESPONDED
    assert OutboxMessage.objects.filter(to="pat@example.org").count() == 1

    address = _tracking_address(complaint, "a-private-tracking-secret")
    page.context.clear_cookies()
    page.goto(address)
    expect(page.get_by_text("rota error")).to_be_visible()
    expect(page.get_by_text("A refund of one week's charges")).to_be_visible()
    journey.check()

    page.get_by_label("Why are you unhappy with the response?").fill(
        "A refund does not make up for being left alone all day."
    )
    page.get_by_role("button", name="Ask for a stage 2 review").click()
    expect(page.get_by_text("You have asked for a stage 2 review")).to_be_visible()
    journey.check()
    assert Complaint.objects.get(pk=complaint.pk).stage == 2


def test_officer_assigns_and_refers_a_late_complaint_and_the_provider_reads_it(journey):
    today = timezone.localdate()
    complaint = ComplaintFactory(
        received_at=timezone.now() - timedelta(days=20),
        acknowledge_due_on=today - timedelta(days=10),
        response_due_on=today - timedelta(days=1),
    )
    officer = OfficerFactory(commissioner=complaint.commissioner)
    OfficerFactory(commissioner=complaint.commissioner, full_name="Ada Colleague")
    provider_user = ProviderAdminFactory(provider=complaint.provider)
    page = journey.page

    sign_in(journey, officer, f"/accountability/complaints/{complaint.pk}/")
    expect(page.get_by_text("Overdue", exact=True)).to_be_visible()

    page.get_by_role("link", name="Change who handles the complaint").click()
    journey.check()
    page.get_by_label("Who should handle this complaint?").select_option(label="Ada Colleague")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_text("Complaint assigned")).to_be_visible()
    journey.check()

    page.get_by_role("link", name="Record a referral to the ombudsman").click()
    journey.check()
    page.get_by_label("Local Government and Social Care Ombudsman").check()
    page.get_by_label("Date of the referral").fill(today.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Record the referral").click()
    expect(page.get_by_text("Referral to the ombudsman recorded")).to_be_visible()
    journey.check()

    page.get_by_role("button", name="Forward to the provider").click()
    expect(page.get_by_text("Complaint forwarded to the provider")).to_be_visible()
    journey.check()

    sign_in(journey, provider_user, "/accountability/forwarded/")
    page.get_by_role("link", name=complaint.reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Complaint {complaint.reference}")
    expect(page.get_by_text("pat@example.org")).to_be_visible()
    journey.check()


def sign_in(journey, user, destination: str) -> None:
    """Signs `user` in afresh and lands on `destination`."""
    page = journey.page
    page.context.clear_cookies()
    page.goto(f"/accounts/login/?next={destination}")
    journey.check()
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{destination}")
    journey.check()
