"""An officer decides a renewal: opens the list, reads the recommendation to extend, approves
the extension and sees the new end date and the option used in the history."""

import pytest
from dateutil.relativedelta import relativedelta
from django.utils.dateformat import format as date_format
from playwright.sync_api import expect

from tests.factories import PASSWORD, OfficerFactory, RenewalDecisionFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_officer_approves_the_recommended_extension(journey):
    renewal = RenewalDecisionFactory(
        contract__title="Home care, north locality", contract__extension_options_remaining=[12]
    )
    officer = OfficerFactory(commissioner=renewal.contract.commissioner)
    new_end = renewal.contract.end_date + relativedelta(months=12)
    page = journey.page

    page.goto("/accounts/login/?next=/contract-management/renewals/")
    journey.check()
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contract renewal decisions")
    journey.check()

    page.get_by_role("link", name="Home care, north locality").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Renewal decision")
    expect(page.get_by_text("An extension option of 12 months remains")).to_be_visible()
    expect(page.get_by_text("The contract has not been extended")).to_be_visible()
    journey.check()

    page.get_by_label("Extend the contract").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Renewal decision recorded")).to_be_visible()
    history = page.get_by_role("table", name="Extensions approved")
    expect(history).to_contain_text("12 months")
    expect(history).to_contain_text(date_format(new_end, "j F Y"))
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    journey.check()


def test_staff_read_the_renewals_jobs_run_on_the_jobs_page(journey):
    from commissioning.services.renewals import contract_renewals_run
    from tests.factories import StaffFactory

    RenewalDecisionFactory()
    contract_renewals_run()
    staff = StaffFactory()
    page = journey.page

    page.goto("/accounts/login/?next=/jobs/")
    journey.check()
    page.get_by_label("Email address").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scheduled jobs")
    journey.check()

    page.get_by_label("Job").select_option("contract_renewals")
    page.get_by_role("button", name="Show runs").click()
    expect(page.get_by_role("table")).to_contain_text("Succeeded")
    journey.check()
