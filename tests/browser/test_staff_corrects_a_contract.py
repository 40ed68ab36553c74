"""Platform staff find a contract whose value was typed wrongly and correct it from the
dashboard: the question page (with a mistake first), check your answers, the confirmation."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from commissioning.models import Contract
from tests.factories import PASSWORD, ContractFactory, StaffFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_staff_correct_a_contracts_value_from_the_dashboard(journey):
    staff = StaffFactory(email="sam@civicmarkets.example", full_name="Sam Staff")
    contract = ContractFactory(value=Decimal("230000.00"), title="Home care: North")
    page = journey.page

    page.goto("/accounts/login/")
    journey.check()
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform staff dashboard")
    journey.check()

    page.get_by_role("link", name="Correct a contract's value").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct a contract's value")
    journey.check()
    page.get_by_label("Contract reference").fill(contract.reference)
    page.get_by_label("The correct value, in pounds").fill("two hundred")
    page.get_by_label("Why is the value being corrected?").fill("Variation 2 set £203,000.")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Error: Correct a contract's value – CivicMarkets")
    expect(page.get_by_role("alert")).to_contain_text("Enter the contract's value in pounds")
    journey.check()

    page.get_by_label("The correct value, in pounds").fill("203000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    expect(page.get_by_text("£230,000.00")).to_be_visible()
    journey.check()

    page.get_by_role("button", name="Correct the value").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Value corrected")
    journey.check()
    assert Contract.objects.get(pk=contract.pk).value == Decimal("203000.00")
