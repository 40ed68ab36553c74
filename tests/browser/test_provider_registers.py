"""A visitor registers a charity as a provider: one question page, check your answers, the
link emailed to them, confirmation, and the dashboard that says the organisation is not yet
verified."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from providers.models import ProviderOrganisation
from tests.browser.registration import finish_registering

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PASSWORD = "minibus-route-77"


def test_visitor_registers_a_charity_and_lands_on_the_dashboard_not_yet_verified(journey):
    call_command("load_cpv", stdout=StringIO())
    page = journey.page

    page.goto("/")
    journey.check()
    page.get_by_role("link", name="Register your organisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register your organisation")
    journey.check()

    page.get_by_label("Organisation name").fill("Kirkby Community Transport")
    page.get_by_label("Third sector (charity, social enterprise, co-operative, mutual)").check()
    page.get_by_label("Registered charity", exact=True).check()
    page.get_by_label("Small (10 to 49 staff)").check()
    page.get_by_label("Companies House number (optional)").fill("01234567")
    page.get_by_label("Charity number in England and Wales (optional)").fill("CH 12")
    page.locator("#id_address").fill("Unit 4, Station Road\nKirkby")
    page.get_by_label("Postcode").fill("L32 1AB")
    page.get_by_label("North West").check()
    page.get_by_label("Special-purpose road passenger-transport services").check()
    page.get_by_label("What your organisation does").fill(
        "Door-to-door minibus transport for older and disabled people."
    )
    page.get_by_label("Your full name").fill("Kemi Adebayo")
    page.get_by_label("Your email address").fill("kemi@kirkbyct.example")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    # The charity number was mistyped: the error summary says how, and the answers are kept.
    expect(page).to_have_title("Error: Register your organisation – CivicMarkets")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("6 or 7 digits, like 1234567")
    expect(page.get_by_label("Organisation name")).to_have_value("Kirkby Community Transport")
    journey.check()
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_charity_number")).to_be_focused()

    page.get_by_label("Charity number in England and Wales (optional)").fill("1123456")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before registering"
    )
    answers = page.locator(".govuk-summary-list")
    expect(answers).to_contain_text("Companies House number: 01234567")
    expect(answers).to_contain_text("Charity number in England and Wales: 1123456")
    expect(answers).to_contain_text("Special-purpose road passenger-transport services")
    journey.check()
    assert not ProviderOrganisation.objects.exists()

    page.get_by_role("button", name="Register organisation").click()
    assert not ProviderOrganisation.objects.exists()  # not until the link is opened
    finish_registering(journey, "kemi@kirkbyct.example")
    expect(page.locator(".govuk-panel__title")).to_have_text("Registration complete")
    expect(page.locator(".govuk-panel__body")).to_contain_text("Kirkby Community Transport")
    journey.check()

    page.get_by_role("link", name="Go to your dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Provider dashboard")
    expect(page.get_by_text("Your organisation is not yet verified")).to_be_visible()
    expect(page.get_by_text("Signed in as Kemi Adebayo")).to_be_visible()
    journey.check()

    provider = ProviderOrganisation.objects.get()
    assert sorted(i.org_id for i in provider.identifiers.all()) == [
        "GB-CHC-1123456",
        "GB-COH-01234567",
    ]


def test_admin_invites_a_colleague_who_joins_through_the_emailed_link(journey):
    from django.core import mail

    from tests.factories import PASSWORD as ADMIN_PASSWORD
    from tests.factories import BidWriterFactory, ProviderAdminFactory

    admin = ProviderAdminFactory(
        email="nia@northshiremind.example", full_name="Nia Admin", provider__name="Northshire Mind"
    )
    BidWriterFactory(provider=admin.provider, full_name="Leaving Soon")
    page = journey.page

    page.goto(f"/providers/{admin.provider_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Northshire Mind")
    expect(page.get_by_text("does not hold any contracts")).to_be_visible()
    journey.check()

    page.goto("/accounts/login/")
    journey.check()
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Provider dashboard")
    journey.check()

    page.get_by_role("link", name="Your organisation").click()
    journey.check()
    page.get_by_role("link", name="Remove Leaving Soon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove Leaving Soon from your team?")
    journey.check()
    page.get_by_role("button", name="Remove Leaving Soon").click()
    expect(page.get_by_role("alert")).to_contain_text("Leaving Soon has been removed")
    journey.check()

    page.get_by_role("link", name="Invite a colleague").click()
    journey.check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter your colleague's full name")
    journey.check()
    page.get_by_label("Full name").fill("Ben Writer")
    page.get_by_label("Email address").fill("ben@northshiremind.example")
    page.get_by_label("Bid writer").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("alert")).to_contain_text("Invitation sent to Ben Writer")
    expect(page.get_by_role("link", name="Revoke the invitation for Ben Writer")).to_be_visible()
    journey.check()

    page.get_by_role("button", name="Sign out").click()
    journey.check()
    [email] = mail.outbox
    path = "/providers/invitations/" + email.body.split("/providers/invitations/")[1].split()[0]
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Northshire Mind")
    journey.check()
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Provider dashboard")
    expect(page.get_by_text("Signed in as Ben Writer, bid writer")).to_be_visible()
    journey.check()
