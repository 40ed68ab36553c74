"""A provider submits a KPI return that misses its target; the officer sees it on the
contract's KPI page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commissioning.selectors_kpis import add_months
from tests.factories import (
    PASSWORD,
    ContractFactory,
    KpiFactory,
    OfficerFactory,
    ProviderAdminFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _sign_in(journey, user):
    page = journey.page
    page.goto("/accounts/login/")
    journey.check()
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    journey.check()


def _sign_out(journey):
    journey.page.get_by_role("button", name="Sign out").click()
    journey.check()


def test_provider_submits_a_missed_kpi_return_and_the_officer_sees_it(journey):
    today = timezone.localdate()
    contract = ContractFactory(
        title="Home care in Northshire",
        start_date=add_months(today, -2),
        end_date=add_months(today, 24),
    )
    KpiFactory(contract=contract, name="Visits on time", reporting_frequency="monthly")
    provider_admin = ProviderAdminFactory(provider=contract.provider)
    officer = OfficerFactory(commissioner=contract.commissioner)
    page = journey.page

    _sign_in(journey, provider_admin)
    page.goto("/contract-management/kpi-returns/")
    expect(page.get_by_role("heading", level=1)).to_have_text("KPI returns")
    journey.check()

    page.get_by_role("link", name="Submit Visits on time").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submit a KPI return")
    journey.check()

    page.get_by_label("Your figure for the period").fill("lots")
    page.get_by_role("button", name="Submit return").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the figure as a number")
    expect(page).to_have_title("Error: Submit a KPI return – CivicMarkets")
    journey.check()

    page.get_by_label("Your figure for the period").fill("70")
    page.get_by_role("button", name="Submit return").click()
    expect(page.get_by_text("rated Missed")).to_be_visible()
    expect(page.get_by_role("table", name="Submitted KPI returns")).to_contain_text("Missed")
    journey.check()
    _sign_out(journey)

    _sign_in(journey, officer)
    page.goto(f"/contract-management/contracts/{contract.pk}/kpis/")
    expect(page.get_by_role("heading", level=1)).to_have_text("KPIs: Home care in Northshire")
    table = page.get_by_role("table", name="Returns for Visits on time")
    expect(table).to_contain_text("70.00 %")
    expect(table).to_contain_text("Missed")
    expect(table).to_contain_text("Late")  # the overdue month, submitted after its due date
    expect(table).to_contain_text("Due")  # the month that ended yesterday
    journey.check()
