"""An upheld safeguarding complaint proposes escalation; an officer confirms it, and the
public contract page shows the contract under enhanced monitoring."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accountability.choices import ComplaintCategory, ComplaintOutcome, ComplaintStatus
from accountability.services.escalation import evaluate_triggers
from tests.factories import PASSWORD, ComplaintFactory, ContractFactory, OfficerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_officer_confirms_safeguarding_escalation_and_the_public_sees_it(journey):
    contract = ContractFactory(title="Home care in Northshire: North lot")
    officer = OfficerFactory(commissioner=contract.commissioner, full_name="Olu Officer")
    complaint = ComplaintFactory(
        contract=contract,
        category=ComplaintCategory.SAFEGUARDING,
        status=ComplaintStatus.RESPONDED,
        outcome=ComplaintOutcome.UPHELD,
        responded_at=timezone.now(),
    )
    [proposal] = evaluate_triggers(contract=contract)
    page = journey.page

    page.goto("/accounts/login/")
    journey.check()
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Commissioning dashboard")
    journey.check()

    page.goto("/accountability/escalations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Escalations awaiting a decision")
    journey.check()
    page.get_by_role("link", name=contract.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Escalation: {contract.title}")
    expect(page.get_by_text(proposal.reason).first).to_be_visible()
    expect(page.get_by_text(f"Complaint {complaint.reference}")).to_be_visible()
    journey.check()

    page.get_by_role("link", name="Confirm the proposal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Confirm escalation to Enhanced monitoring"
    )
    journey.check()
    page.get_by_label("Reason (optional)").fill("A child was left without a visit")
    page.get_by_role("button", name="Confirm escalation").click()
    expect(page.get_by_text("Escalation confirmed")).to_be_visible()
    expect(page.get_by_text("Enhanced monitoring (current)")).to_be_visible()
    journey.check()

    page.get_by_role("link", name="See the contract's public page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(contract.title)
    journey.check()
    page.get_by_role("button", name="Sign out").click()
    journey.check()
    page.goto(f"/contracts/{contract.pk}/")
    level = page.locator(".govuk-summary-list__row", has_text="Escalation level")
    expect(level).to_contain_text("Enhanced monitoring")
    expect(page.get_by_text("A child was left without a visit")).to_be_visible()
    journey.check()
