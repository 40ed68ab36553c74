"""Journey 1: an officer creates and publishes a tender with two lots."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commissioning.choices import TenderStatus
from commissioning.models import Tender
from tests.factories import PASSWORD, CpvCodeFactory, OfficerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def _when(days):
    return (timezone.localtime() + timedelta(days=days)).strftime("%d/%m/%Y %H:%M")


def test_officer_creates_and_publishes_a_tender_with_two_lots(journey):
    CpvCodeFactory(code="85312000-9", description="Social work services without accommodation")
    officer = OfficerFactory(email="olu@northshire.example", full_name="Olu Officer")
    colleague = OfficerFactory(commissioner=officer.commissioner, full_name="Ada Evaluator")
    page = journey.page

    page.goto("/accounts/login/")
    journey.check()
    page.get_by_label("Email address").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    journey.check()

    page.get_by_role("link", name="Create a tender").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a tender")
    journey.check()
    page.get_by_label("Title").fill("Community befriending service")
    page.get_by_label("Description").fill("Weekly visits and calls for older people.")
    page.get_by_label("Main service category").select_option("85312000-9")
    page.get_by_label("Region").select_option("UKD")
    page.get_by_label("Open procedure").check()
    page.get_by_label("Estimated total value, in pounds").fill("180000")
    page.get_by_label("Initial contract term (months)").fill("24")
    page.get_by_label("Extension options (months)").fill("12, 12")
    page.get_by_label("Clarification deadline").fill(_when(20))
    page.get_by_label("Submission deadline").fill(_when(30))
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Before you can publish")).to_be_visible()
    journey.check()

    for title in ("North Northshire", "South Northshire"):
        page.get_by_role("link", name="Add a lot").click()
        journey.check()
        page.get_by_label("Lot title").fill(title)
        page.get_by_label("Estimated value, in pounds").fill("90000")
        if title.startswith("North"):
            page.get_by_label("Reserved for voluntary, community and social enterprise").check()
        page.get_by_role("button", name="Add").click()
        journey.check()

    for kind, title, weight in (
        ("Price", "Price", "40"),
        ("Quality", "Quality of support", "50"),
        ("Social value", "Local volunteering", "10"),
    ):
        page.get_by_role("link", name="Add a criterion").click()
        journey.check()
        page.get_by_label(kind, exact=True).check()
        page.get_by_label("Title").fill(title)
        page.get_by_label("Weight (%)").fill(weight)
        page.get_by_role("button", name="Add").click()
        journey.check()

    page.get_by_role("link", name="Add an evaluator").click()
    journey.check()
    page.get_by_label("Evaluator").select_option(label=colleague.full_name)
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Ready to publish")).to_be_visible()
    journey.check()

    page.get_by_role("button", name="Publish the tender").click()
    expect(page.get_by_role("heading", name="Tender published")).to_be_visible()
    journey.check()

    tender = Tender.objects.get()
    assert tender.status == TenderStatus.PUBLISHED
    assert list(tender.lots.values_list("title", flat=True)) == [
        "North Northshire",
        "South Northshire",
    ]
    expect(page.get_by_text(tender.reference)).to_be_visible()
