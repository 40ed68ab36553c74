"""Anyone can look a provider up: what it is, where it works, what it does, its register
numbers and the contracts it holds."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from commissioning.choices import AwardStatus, ContractStatus, TenderStatus
from commissioning.models import Award, Bid, Contract
from core.choices import Region
from providers.choices import IdentifierScheme, VerificationStatus
from tests.factories import (
    CommissionerFactory,
    CpvCodeFactory,
    LotFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
    ProviderIdentifierFactory,
    StaffFactory,
    TenderFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def page_of(provider) -> str:
    return f"/providers/{provider.pk}/"


def contract_for(provider, *, title="Befriending service", commissioner=None, **fields):
    """A contract as the award process leaves it: tender, lot, winning bid, award."""
    commissioner = commissioner or CommissionerFactory()
    tender = TenderFactory(commissioner=commissioner, status=TenderStatus.CONTRACTED)
    lot = LotFactory(tender=tender, number=1)
    now = timezone.now()
    bid = Bid.objects.create(
        tender=tender,
        lot=lot,
        provider=provider,
        sealed_contents=b"sealed",
        submitted_by=ProviderAdminFactory(provider=provider),
        submitted_at=now,
        updated_at=now,
    )
    award = Award.objects.create(
        lot=lot,
        bid=bid,
        status=AwardStatus.CONTRACTED,
        decided_by=tender.created_by,
        decided_at=now,
    )
    return Contract.objects.create(
        commissioner=commissioner,
        provider=provider,
        tender=tender,
        lot=lot,
        award=award,
        title=title,
        value=fields.pop("value", Decimal("120000.00")),
        start_date=fields.pop("start_date", date(2026, 4, 1)),
        end_date=fields.pop("end_date", date(2028, 3, 31)),
        created_by=tender.created_by,
        **fields,
    )


def test_a_visitor_sees_what_the_provider_is_and_does(client):
    provider = ProviderFactory(
        name="Northshire Mind",
        regions=[Region.NORTH_WEST.value, Region.YORKSHIRE.value],
        capability_statement="Crisis cafes and peer support groups.",
    )
    provider.categories.add(CpvCodeFactory(code="85312320-8", description="Counselling services"))
    ProviderIdentifierFactory(
        provider=provider, scheme=IdentifierScheme.CHARITY_ENGLAND_WALES, value="1098765"
    )
    ProviderIdentifierFactory(
        provider=provider, scheme=IdentifierScheme.COMPANIES_HOUSE, value="04455667"
    )
    response = client.get(page_of(provider))
    assert response.status_code == 200
    page = response.content.decode()
    for shown in (
        '<h1 class="govuk-heading-l">Northshire Mind</h1>',
        "Third sector",
        "Registered charity",
        "Small (10 to 49 staff)",
        "GB-CHC-1098765",
        "GB-COH-04455667",
        "North West",
        "Yorkshire and The Humber",
        "Counselling services",
        "Crisis cafes and peer support groups.",
        "Verified",
    ):
        assert shown in page, shown


def test_the_contracts_it_holds_are_listed_with_commissioner_value_dates_and_status(client):
    provider = ProviderFactory()
    contract_for(
        provider,
        title="Crisis cafe, Preston",
        commissioner=CommissionerFactory(name="Northshire County Council"),
        value=Decimal("1250000.00"),
        start_date=date(2026, 4, 1),
        end_date=date(2029, 3, 31),
        status=ContractStatus.EXTENDED,
    )
    page = client.get(page_of(provider)).content.decode()
    for shown in (
        "Crisis cafe, Preston",
        "Northshire County Council",
        "£1,250,000",
        "1 Apr 2026",
        "31 Mar 2029",
        "Extended",
    ):
        assert shown in page, shown


def test_a_provider_with_no_contracts_says_so(client):
    provider = ProviderFactory(name="Eastfield Youth Trust")
    page = client.get(page_of(provider)).content.decode()
    assert "Eastfield Youth Trust does not hold any contracts" in page
    assert "govuk-table" not in page


def test_a_provider_not_yet_verified_is_shown_as_such(client):
    provider = ProviderFactory(verification_status=VerificationStatus.UNVERIFIED)
    assert "Not yet verified" in client.get(page_of(provider)).content.decode()


def test_a_provider_refused_verification_is_not_published_but_staff_can_see_it(client, sign_in):
    provider = ProviderFactory(verification_status=VerificationStatus.REJECTED)
    assert client.get(page_of(provider)).status_code == 404
    assert sign_in(OfficerFactory()).get(page_of(provider)).status_code == 404
    assert sign_in(StaffFactory()).get(page_of(provider)).status_code == 200


def test_a_missing_provider_is_not_found(client):
    assert client.get("/providers/999999/").status_code == 404


@pytest.mark.parametrize("viewer", ["anonymous", "own admin", "other provider", "officer"])
def test_everyone_sees_the_same_public_page(client, sign_in, viewer):
    provider = ProviderFactory(name="Open To All")
    users = {
        "own admin": lambda: ProviderAdminFactory(provider=provider),
        "other provider": ProviderAdminFactory,
        "officer": OfficerFactory,
    }
    browser = sign_in(users[viewer]()) if viewer in users else client
    response = browser.get(page_of(provider))
    assert response.status_code == 200
    assert "Open To All" in response.content.decode()


@pytest.mark.parametrize("viewer", ["anonymous", "officer"])
def test_the_page_takes_the_same_queries_for_2_contracts_as_for_20(client, sign_in, viewer):
    provider = ProviderFactory()
    provider.categories.add(CpvCodeFactory())
    ProviderIdentifierFactory(provider=provider)
    browser = sign_in(OfficerFactory()) if viewer == "officer" else client
    browser.get(page_of(provider))  # the session's first queries are not the page's
    for n in range(2):
        contract_for(provider, title=f"Contract {n}")
    few = count_queries(browser.get, page_of(provider))
    for n in range(2, 20):
        contract_for(provider, title=f"Contract {n}")
    many = count_queries(browser.get, page_of(provider))
    assert 0 < few == many
    page = browser.get(page_of(provider)).content.decode()
    assert all(f"Contract {n}<" in page for n in range(20))
