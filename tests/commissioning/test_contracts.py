"""Officers make the contract once standstill is over; anyone can read contracts as open data;
each commissioner keeps a contract register it can download."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from commissioning import sealing
from commissioning.choices import AwardStatus, TenderStatus
from commissioning.models import Award, Bid, Contract, Kpi, Tender
from commissioning.services.awards import award_make
from commissioning.services.contracts import contract_create
from core.errors import DomainError
from core.models import AuditEntry
from providers.choices import ProviderKind, SizeBand
from tests.factories import (
    CommissionerFactory,
    ContractFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
    StaffFactory,
    panel_scores_and_moderates,
    tender_in_evaluation,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

KPIS = [
    {
        "name": "Visits made on time",
        "target": Decimal("95"),
        "unit": "%",
        "higher_is_better": True,
        "reporting_frequency": "monthly",
    },
    {
        "name": "Complaints upheld",
        "target": Decimal("2"),
        "unit": "complaints",
        "higher_is_better": False,
        "reporting_frequency": "quarterly",
    },
]
PARTNERS = [
    {"provider_id": 1, "name": "Riverside Befriending"},
    {"name": "Ashby Parva Good Neighbours", "kind": "community_group"},
]


def standstill_over(lots=1, partners=None):
    """A tender with one bid on lot 1, awarded, whose standstill has just ended."""
    tender, (bid,) = tender_in_evaluation(prices=("98000.00",), lots=lots)
    if partners is not None:
        Bid.objects.filter(pk=bid.pk).update(
            sealed_contents=sealing.seal(
                tender, {"price": "98000.00", "answers": {}, "partners": partners}
            )
        )
    panel_scores_and_moderates(tender, {bid: {"quality": 4, "social_value": 3}})
    award = award_make(lot=bid.lot, actor=tender.created_by, bid=bid)
    Award.objects.filter(pk=award.pk).update(
        standstill_ends_at=timezone.now() - timedelta(minutes=1)
    )
    award.refresh_from_db()
    return tender, award


def make(award, **overrides):
    terms = {
        "award": award,
        "actor": award.lot.tender.created_by,
        "start_date": date(2026, 4, 1),
        "end_date": date(2028, 3, 31),
        "notice_period_days": 90,
        "kpis": KPIS,
        **overrides,
    }
    return contract_create(**terms)


# --- the contract service -----------------------------------------------------------------


def test_officer_makes_the_contract_at_the_winning_price_with_partners_options_and_kpis():
    tender, award = standstill_over(partners=PARTNERS)

    contract = make(award)

    assert contract.value == Decimal("98000.00")
    assert contract.provider == award.bid.provider
    assert contract.commissioner == tender.commissioner
    assert contract.extension_options_remaining == [12, 12]
    assert contract.partners == PARTNERS
    assert contract.notice_period_days == 90
    assert [(k.name, k.target, k.higher_is_better) for k in contract.kpis.order_by("id")] == [
        ("Visits made on time", Decimal("95.00"), True),
        ("Complaints upheld", Decimal("2.00"), False),
    ]
    award.refresh_from_db()
    assert award.status == AwardStatus.CONTRACTED
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.CONTRACTED
    assert AuditEntry.objects.get(action="contract.created").after["value"] == "98000.00"


def test_a_lot_gets_one_contract_only():
    _, award = standstill_over()
    make(award)

    with pytest.raises(DomainError, match="The contract for lot 1 has already been made"):
        make(award)
    assert Contract.objects.count() == 1


def test_a_lot_that_was_not_awarded_has_no_contract():
    tender, (bid,) = tender_in_evaluation(prices=("98000.00",))
    panel_scores_and_moderates(tender, {bid: {"quality": 1, "social_value": 1}})
    award = award_make(lot=bid.lot, actor=tender.created_by, reason="Too weak to appoint")

    with pytest.raises(DomainError, match="was not awarded"):
        make(award)


def test_the_contract_must_end_after_it_starts():
    _, award = standstill_over()

    with pytest.raises(DomainError) as refused:
        make(award, start_date=date(2026, 4, 1), end_date=date(2026, 4, 1))

    assert refused.value.field_errors == {"end_date": ["The contract must end after it starts"]}
    assert not Contract.objects.exists()


def test_a_kpi_without_a_target_is_refused_and_nothing_is_made():
    _, award = standstill_over()

    with pytest.raises(DomainError) as refused:
        make(award, kpis=[{**KPIS[0], "target": ""}])

    assert refused.value.field_errors == {"kpis": ["KPI 1: enter its target as a number"]}
    assert not Contract.objects.exists()
    assert not Kpi.objects.exists()
    assert Award.objects.get().status == AwardStatus.STANDSTILL


def test_only_the_commissioners_officers_make_its_contracts():
    _, award = standstill_over()

    with pytest.raises(DomainError):
        make(award, actor=OfficerFactory())
    assert not Contract.objects.exists()


def test_the_tender_is_contracted_once_every_awarded_lot_has_its_contract():
    tender, award = standstill_over(lots=2)
    make(award)
    # Lot 2 is still undecided: the tender is still in evaluation.
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.EVALUATION

    award_make(lot=tender.lots.get(number=2), actor=tender.created_by, reason="No bids")

    # Every lot decided, and the one awarded lot has its contract.
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.CONTRACTED
    moves = list(tender.status_changes.order_by("id").values_list("to_status", flat=True))
    assert moves[-2:] == [TenderStatus.AWARDED, TenderStatus.CONTRACTED]


# --- the contract page --------------------------------------------------------------------


def contract_form(**overrides):
    return {
        "start_date": "1/4/2026",
        "end_date": "31/3/2028",
        "notice_period_days": "60",
        "kpi_1_name": "Visits made on time",
        "kpi_1_target": "95",
        "kpi_1_unit": "%",
        "kpi_1_direction": "higher",
        "kpi_1_frequency": "monthly",
        "kpi_2_direction": "higher",
        "kpi_2_frequency": "quarterly",
        "kpi_3_direction": "higher",
        "kpi_3_frequency": "quarterly",
        **overrides,
    }


def test_officer_makes_the_contract_on_the_page_and_sees_it(sign_in):
    tender, award = standstill_over()
    client = sign_in(tender.created_by)
    url = f"/tendering/{tender.pk}/evaluation/lots/{award.lot_id}/contract/"

    page = client.get(url).content.decode()
    assert 'name="start_date"' in page
    assert "£98,000.00" in page

    response = client.post(url, contract_form(), follow=True)

    contract = Contract.objects.get()
    assert response.redirect_chain[-1][0] == f"/contracts/{contract.pk}/"
    page = response.content.decode()
    assert f"Contract {contract.reference} has been made" in page
    assert "Visits made on time" in page
    assert contract.start_date == date(2026, 4, 1)
    assert contract.notice_period_days == 60
    assert contract.kpis.count() == 1


def test_bad_contract_details_are_refused_field_by_field_with_what_was_typed_kept(sign_in):
    tender, award = standstill_over()

    response = sign_in(tender.created_by).post(
        f"/tendering/{tender.pk}/evaluation/lots/{award.lot_id}/contract/",
        contract_form(
            start_date="1/4/2026",
            end_date="31/13/2026",
            notice_period_days="ninety",
            kpi_1_target="lots",
            kpi_2_name="Carers trained",
        ),
    )

    page = response.content.decode()
    assert "<title>Error: " in page
    assert 'href="#id_end_date"' in page
    assert "Enter the end date as a real date" in page
    assert "Enter the notice period as a whole number of days" in page
    assert "Enter the target of KPI 1 as a number" in page
    assert "Enter the target of KPI 2" in page
    assert "Enter the unit of KPI 2" in page
    assert 'value="31/13/2026"' in page
    assert 'value="Carers trained"' in page
    assert not Contract.objects.exists()


def test_other_organisations_and_providers_cannot_reach_the_contract_page(sign_in):
    tender, award = standstill_over()
    url = f"/tendering/{tender.pk}/evaluation/lots/{award.lot_id}/contract/"
    for outsider in (OfficerFactory(), ProviderAdminFactory(provider=award.bid.provider)):
        client = sign_in(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, contract_form()).status_code == 404
    assert not Contract.objects.exists()


def test_once_made_the_contract_page_leads_to_the_contract(sign_in):
    tender, award = standstill_over()
    contract = make(award)

    response = sign_in(tender.created_by).get(
        f"/tendering/{tender.pk}/evaluation/lots/{award.lot_id}/contract/"
    )

    assert response.status_code == 302
    assert response["Location"] == f"/contracts/{contract.pk}/"


# --- public contracts ---------------------------------------------------------------------


def test_anyone_can_read_the_contracts_list_with_the_transparency_codes_fields(client):
    contract = ContractFactory(
        commissioner__name="Northshire County Council",
        provider__name="Northshire Mind",
        provider__kind=ProviderKind.THIRD_SECTOR,
        provider__size_band=SizeBand.SMALL,
        value=Decimal("98000.00"),
        start_date=date(2026, 4, 1),
        end_date=date(2028, 3, 31),
    )
    ContractFactory(provider__name="Carewell Ltd", provider__kind=ProviderKind.PRIVATE)

    page = client.get("/contracts/").content.decode()

    for expected in (
        contract.reference,
        contract.title,
        "Northshire County Council",
        "Northshire Mind",
        "Third sector",
        "Small (10 to 49 staff)",
        "£98,000.00",
        "1 Apr 2026",
        "31 Mar 2028",
        "Active",
        "Carewell Ltd",
    ):
        assert expected in page, expected
    assert page.count(">Yes<") == 1 and page.count(">No<") == 1  # the VCSE column


def test_contracts_list_makes_the_same_number_of_queries_for_2_or_20_contracts(client):
    ContractFactory.create_batch(2)
    small = count_queries(client.get, "/contracts/")
    ContractFactory.create_batch(18)
    large = count_queries(client.get, "/contracts/")

    assert 0 < small == large


def test_anyone_can_read_a_contract_with_its_provider_and_kpis(client):
    _, award = standstill_over(partners=PARTNERS)
    contract = make(award)

    response = client.get(f"/contracts/{contract.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert award.bid.provider.name in page
    assert "Third sector" in page
    assert "£98,000.00" in page
    assert "1 April 2026" in page and "31 March 2028" in page
    assert "Visits made on time" in page and "95 %" in page
    assert "Ashby Parva Good Neighbours" in page
    assert client.get("/contracts/999999/").status_code == 404


# --- the contract register ----------------------------------------------------------------


def test_officer_sees_their_organisations_register_and_no_one_elses_contracts(sign_in):
    officer = OfficerFactory()
    ours = ContractFactory(commissioner=officer.commissioner)
    theirs = ContractFactory()

    page = sign_in(officer).get(f"/contracts/register/{officer.commissioner_id}/").content.decode()

    assert ours.reference in page
    assert theirs.reference not in page
    assert "Download the register (CSV)" in page


@pytest.mark.parametrize("suffix", ["", "csv/"])
def test_another_organisations_register_looks_missing(sign_in, suffix):
    other = CommissionerFactory()
    ContractFactory(commissioner=other)

    for outsider in (OfficerFactory(), ProviderAdminFactory()):
        response = sign_in(outsider).get(f"/contracts/register/{other.pk}/{suffix}")
        assert response.status_code == 404


@pytest.mark.parametrize("suffix", ["", "csv/"])
def test_anonymous_visitor_is_sent_to_sign_in_for_the_register(client, suffix):
    commissioner = CommissionerFactory()

    response = client.get(f"/contracts/register/{commissioner.pk}/{suffix}")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_platform_staff_can_read_any_register(sign_in):
    contract = ContractFactory()

    page = sign_in(StaffFactory()).get(f"/contracts/register/{contract.commissioner_id}/")

    assert contract.reference in page.content.decode()


def test_register_makes_the_same_number_of_queries_for_2_or_20_contracts(sign_in):
    officer = OfficerFactory()
    client = sign_in(officer)
    url = f"/contracts/register/{officer.commissioner_id}/"
    ContractFactory.create_batch(2, commissioner=officer.commissioner)
    small = count_queries(client.get, url)
    ContractFactory.create_batch(18, commissioner=officer.commissioner)
    large = count_queries(client.get, url)

    assert 0 < small == large


def test_register_downloads_as_csv_with_the_same_fields(sign_in):
    officer = OfficerFactory(commissioner__identifier="GB-LAE-NSH")
    ContractFactory(
        commissioner=officer.commissioner,
        provider=ProviderFactory(name="=HYPERLINK(evil)", kind=ProviderKind.COMMUNITY),
        title="Befriending: Lot area 1",
        value=Decimal("98000.00"),
        start_date=date(2026, 4, 1),
        end_date=date(2028, 3, 31),
    )

    response = sign_in(officer).get(f"/contracts/register/{officer.commissioner_id}/csv/")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="contract-register-GB-LAE-NSH.csv"' in response["Content-Disposition"]
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == [
        "Reference",
        "Title",
        "Commissioner",
        "Supplier",
        "Supplier kind",
        "Supplier size",
        "VCSE",
        "Value (£)",
        "Start date",
        "End date",
        "Status",
    ]
    assert row[1:] == [
        "Befriending: Lot area 1",
        officer.commissioner.name,
        "'=HYPERLINK(evil)",  # never run as a spreadsheet formula
        "Community group",
        "Small (10 to 49 staff)",
        "Yes",
        "98000.00",
        "2026-04-01",
        "2028-03-31",
        "Active",
    ]


def test_register_csv_makes_the_same_number_of_queries_for_2_or_20_contracts(sign_in):
    officer = OfficerFactory()
    client = sign_in(officer)
    url = f"/contracts/register/{officer.commissioner_id}/csv/"
    ContractFactory.create_batch(2, commissioner=officer.commissioner)
    small = count_queries(client.get, url)
    ContractFactory.create_batch(18, commissioner=officer.commissioner)
    large = count_queries(client.get, url)

    assert 0 < small == large


@pytest.mark.parametrize(
    ("field", "dates"),
    [
        ("start_date", {"start_date": date(9999, 11, 1), "end_date": date(9999, 12, 31)}),
        ("end_date", {"end_date": date(2250, 1, 1)}),
    ],
)
def test_contract_dates_far_outside_any_contract_are_a_clear_error(field, dates):
    """A start in year 9999 once answered 500: its first review fell in year 10000."""
    _, award = standstill_over()

    with pytest.raises(DomainError) as refusal:
        make(award, **dates)

    assert refusal.value.field_errors[field] == [
        "Enter a date between 1 January 1900 and 31 December 2199"
    ]
    assert not Contract.objects.exists()
