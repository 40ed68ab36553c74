"""An officer finds a contract review awaiting sign-off, reads its figures and signs it off."""

import pytest
from playwright.sync_api import expect

from commissioning.services.reviews import contract_reviews_create_due
from tests.factories import PASSWORD, OfficerFactory, contract_due_for_review

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_officer_signs_off_a_contract_review(journey):
    contract = contract_due_for_review(title="Youth clubs on two estates")
    contract_reviews_create_due()
    officer = OfficerFactory(commissioner=contract.commissioner)
    page = journey.page

    page.goto("/accounts/login/")
    journey.check()
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    journey.check()

    page.goto("/contract-management/reviews/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contract reviews to sign off")
    journey.check()

    page.get_by_role("link", name="Youth clubs on two estates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Youth clubs on two estates")
    journey.check()

    page.get_by_label("Your conclusions from the review").fill("A steady quarter.")
    page.get_by_role("button", name="Sign off review").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the social value delivered")
    expect(page.get_by_label("Your conclusions from the review")).to_have_value("A steady quarter.")
    journey.check()

    page.get_by_label("Social value delivered in the period").fill("Two apprentices started.")
    page.get_by_role("button", name="Sign off review").click()
    expect(page.get_by_text("Review signed off")).to_be_visible()
    expect(page.get_by_text("Two apprentices started.")).to_be_visible()
    journey.check()

    page.get_by_role("link", name="See the contract's KPI returns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("KPIs: Youth clubs on two estates")
    journey.check()
