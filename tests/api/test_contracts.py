"""An integrator reads contracts as open data, filters the register for renewal planning, and
an officer's system makes a contract from an award once its standstill is over."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from commissioning.choices import AwardStatus
from commissioning.models import Award, Contract, CpvCode
from commissioning.services.awards import award_make
from core.models import AuditEntry
from providers.choices import ProviderKind, SizeBand
from tests.factories import (
    CommissionerFactory,
    ContractFactory,
    KpiFactory,
    KpiResultFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
    StaffFactory,
    TenderFactory,
    panel_scores_and_moderates,
    tender_in_evaluation,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

KPI = {
    "name": "Visits made on time",
    "target": "95",
    "unit": "%",
    "higher_is_better": True,
    "reporting_frequency": "monthly",
}


def standstill_over():
    """A tender with one bid on lot 1, awarded, whose standstill has just ended."""
    tender, (bid,) = tender_in_evaluation(prices=("98000.00",))
    panel_scores_and_moderates(tender, {bid: {"quality": 4, "social_value": 3}})
    award = award_make(lot=bid.lot, actor=tender.created_by, bid=bid)
    Award.objects.filter(pk=award.pk).update(
        standstill_ends_at=timezone.now() - timedelta(minutes=1)
    )
    award.refresh_from_db()
    return tender, award


def terms(for_award, **overrides):
    return {
        "award": for_award.pk,
        "start_date": "2026-04-01",
        "end_date": "2028-03-31",
        "notice_period_days": 90,
        "kpis": [KPI],
        **overrides,
    }


# --- reading contracts as open data -----------------------------------------------------------


def test_anyone_can_list_contracts_with_the_transparency_codes_fields(api):
    contract = ContractFactory(provider=ProviderFactory(kind=ProviderKind.COMMUNITY))
    KpiFactory(contract=contract, name="Visits on time")

    response = api.get("/api/v1/contracts/")

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["reference"] == contract.reference
    assert row["commissioner"]["name"] == contract.commissioner.name
    assert row["provider"]["kind"] == "community"
    assert row["provider"]["size_band"] == "small"
    assert row["provider"]["is_vcse"] is True
    assert row["tender"]["id"] == contract.tender_id
    assert row["lot"]["id"] == contract.lot_id
    assert row["value"] == "120000.00"
    assert row["extension_options_remaining"] == [12, 12]
    assert row["escalation_level"] == 0
    assert row["escalation_label"] == "Normal"
    assert [kpi["name"] for kpi in row["kpis"]] == ["Visits on time"]
    assert row["management"] is None


def test_anyone_can_read_a_contract_with_its_kpis_latest_results(api):
    contract = ContractFactory()
    kpi = KpiFactory(contract=contract)
    KpiResultFactory(kpi=kpi, period_start=date(2026, 1, 1), value=Decimal("80"))
    KpiResultFactory(kpi=kpi, period_start=date(2026, 4, 1), value=Decimal("96"), rating="met")

    response = api.get(f"/api/v1/contracts/{contract.pk}/")

    assert response.status_code == 200
    (shown,) = response.json()["kpis"]
    assert shown["latest_result"]["value"] == "96.00"
    assert shown["latest_result"]["rating"] == "met"
    assert response.json()["management"] is None


def test_the_contracts_parties_also_see_its_management_details(api):
    contract = ContractFactory(next_review_on=date(2026, 7, 1))
    officer = OfficerFactory(commissioner=contract.commissioner)
    provider_user = ProviderAdminFactory(provider=contract.provider)

    for user in (officer, provider_user):
        api.as_key(user, "contracts:read")
        management = api.get(f"/api/v1/contracts/{contract.pk}/").json()["management"]
        assert management["next_review_on"] == "2026-07-01", user
        assert management["review_frequency_months"] == 3
    # Staff cannot hold keys; signed in, they see it too.
    api.anonymous().force_login(StaffFactory())
    assert api.get(f"/api/v1/contracts/{contract.pk}/").json()["management"]
    api.logout()

    api.as_key(OfficerFactory(), "contracts:read")
    assert api.get(f"/api/v1/contracts/{contract.pk}/").json()["management"] is None


def test_a_missing_contract_is_404(api):
    assert api.get("/api/v1/contracts/999999/").status_code == 404


def test_a_key_without_the_contracts_scope_is_refused(api):
    api.as_key(OfficerFactory(), "tenders:read")

    response = api.get("/api/v1/contracts/")

    assert response.status_code == 403
    assert "contracts:read" in response.json()["detail"]


def test_contract_detail_answers_conditional_gets(api):
    contract = ContractFactory()
    first = api.get(f"/api/v1/contracts/{contract.pk}/")

    again = api.get(f"/api/v1/contracts/{contract.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    Contract.objects.filter(pk=contract.pk).update(escalation_level=1)
    changed = api.get(f"/api/v1/contracts/{contract.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200


# --- filters and ordering ----------------------------------------------------------------


def _ids(response):
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def test_contracts_filter_by_status_organisations_and_provider_kind_and_size(api):
    council = CommissionerFactory()
    private_large = ProviderFactory(kind=ProviderKind.PRIVATE, size_band=SizeBand.LARGE)
    ours = ContractFactory(commissioner=council, provider=private_large)
    expired = ContractFactory(status="expired")
    charity = ContractFactory()

    assert _ids(api.get(f"/api/v1/contracts/?commissioner={council.pk}")) == {ours.pk}
    assert _ids(api.get(f"/api/v1/contracts/?provider={charity.provider_id}")) == {charity.pk}
    assert _ids(api.get("/api/v1/contracts/?status=expired")) == {expired.pk}
    assert _ids(api.get("/api/v1/contracts/?provider_kind=private")) == {ours.pk}
    assert _ids(api.get("/api/v1/contracts/?provider_size_band=large")) == {ours.pk}
    assert _ids(api.get("/api/v1/contracts/?provider_size_band=small")) == {
        expired.pk,
        charity.pk,
    }


def test_contracts_filter_by_cpv_region_value_and_dates(api):
    transport = CpvCode.objects.create(code="60130000-8", description="Special-purpose transport")
    today = timezone.localdate()
    bus = ContractFactory(
        tender=TenderFactory(main_cpv=transport, region="UKI", status="contracted"),
        value=Decimal("50000.00"),
        start_date=today - timedelta(days=400),
        end_date=today + timedelta(days=60),
    )
    care = ContractFactory(value=Decimal("500000.00"))

    assert _ids(api.get("/api/v1/contracts/?cpv=60")) == {bus.pk}
    assert _ids(api.get("/api/v1/contracts/?cpv=85310000-5")) == {care.pk}
    assert _ids(api.get("/api/v1/contracts/?region=UKI")) == {bus.pk}
    assert _ids(api.get("/api/v1/contracts/?value_min=100000")) == {care.pk}
    assert _ids(api.get("/api/v1/contracts/?value_max=100000")) == {bus.pk}
    soon = (today + timedelta(days=90)).isoformat()
    assert _ids(api.get(f"/api/v1/contracts/?ending_before={soon}")) == {bus.pk}
    assert _ids(api.get(f"/api/v1/contracts/?end_to={soon}")) == {bus.pk}
    assert _ids(api.get(f"/api/v1/contracts/?start_from={today.isoformat()}")) == {care.pk}
    assert _ids(api.get(f"/api/v1/contracts/?start_to={today.isoformat()}")) == {bus.pk, care.pk}


def test_contracts_changed_since_a_moment_can_be_fetched(api):
    old = ContractFactory()
    Contract.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    new = ContractFactory()
    since = (timezone.now() - timedelta(days=1)).isoformat()

    assert _ids(api.get("/api/v1/contracts/", {"updated_since": since})) == {new.pk}


def test_contracts_can_be_ordered_by_value(api):
    cheap = ContractFactory(value=Decimal("1000.00"))
    dear = ContractFactory(value=Decimal("900000.00"))

    response = api.get("/api/v1/contracts/?ordering=-value")

    assert [row["id"] for row in response.json()["results"]] == [dear.pk, cheap.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=pending", "status"),
        ("provider_kind=robot", "provider_kind"),
        ("provider_size_band=huge", "provider_size_band"),
        ("region=XX", "region"),
        ("cpv=85-social", "cpv"),
        ("value_min=lots", "value_min"),
        ("value_max=-5", "value_max"),
        ("start_from=2026-13-45", "start_from"),
        ("ending_before=tomorrow", "ending_before"),
        ("updated_since=yesterday", "updated_since"),
        ("commissioner=abc", "commissioner"),
        ("page_size=500", "page_size"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_filter(api, query, field):
    response = api.get(f"/api/v1/contracts/?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def _list_queries(api, page_size):
    response = None

    def fetch():
        nonlocal response
        response = api.get(f"/api/v1/contracts/?page_size={page_size}")

    made = count_queries(fetch)
    assert response.status_code == 200
    return made, len(response.json()["results"])


@pytest.mark.parametrize("as_officer", [False, True])
def test_the_contract_list_makes_the_same_queries_for_2_or_12_rows(api, as_officer):
    council = CommissionerFactory()
    for _ in range(12):
        contract = ContractFactory(commissioner=council)
        KpiFactory.create_batch(2, contract=contract)
    if as_officer:
        api.as_key(OfficerFactory(commissioner=council), "contracts:read")
    api.get("/api/v1/contracts/")  # the key's first use is noted once

    few, shown_few = _list_queries(api, 2)
    many, shown_many = _list_queries(api, 20)

    assert (shown_few, shown_many) == (2, 12)
    assert few == many


# --- making a contract from an award --------------------------------------------------------


def test_officer_makes_the_contract_from_the_award_with_its_kpis(api):
    tender, award = standstill_over()
    api.as_key(tender.created_by, "contracts:write")

    response = api.post("/api/v1/contracts/", terms(award), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["value"] == "98000.00"
    assert body["provider"]["id"] == award.bid.provider_id
    assert body["start_date"] == "2026-04-01"
    assert [kpi["name"] for kpi in body["kpis"]] == ["Visits made on time"]
    assert body["management"]["review_frequency_months"] == 3
    award.refresh_from_db()
    assert award.status == AwardStatus.CONTRACTED
    entry = AuditEntry.objects.get(action="contract.created")
    assert entry.actor_label == f"{tender.created_by.email} via API key {api.api_key.prefix}"


def test_a_lot_gets_one_contract_only_through_the_api_too(api):
    tender, award = standstill_over()
    api.as_key(tender.created_by, "contracts:write")
    assert api.post("/api/v1/contracts/", terms(award), format="json").status_code == 201

    again = api.post("/api/v1/contracts/", terms(award), format="json")

    assert again.status_code == 400
    assert "already been made" in again.json()["detail"]
    assert Contract.objects.count() == 1


def test_the_service_refuses_a_contract_that_ends_before_it_starts(api):
    tender, award = standstill_over()
    api.as_key(tender.created_by, "contracts:write")

    response = api.post("/api/v1/contracts/", terms(award, end_date="2026-03-01"), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"end_date": ["The contract must end after it starts"]}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": "1 April"}, "start_date"),
        ({"notice_period_days": -1}, "notice_period_days"),
        ({"notice_period_days": "ninety"}, "notice_period_days"),
        ({"kpis": [{**KPI, "target": "1e12"}]}, "kpis.0.target"),
        ({"kpis": [{**KPI, "reporting_frequency": "hourly"}]}, "kpis.0.reporting_frequency"),
        ({"kpis": [{**KPI, "colour": "red"}]}, "kpis.0.colour"),
        ({"award": "first"}, "award"),
        ({"award": 999999}, "award"),
        ({"value": "1.00"}, "value"),
    ],
)
def test_bad_contract_details_are_a_400_naming_the_field(api, overrides, field):
    tender, award = standstill_over()
    api.as_key(tender.created_by, "contracts:write")

    response = api.post("/api/v1/contracts/", terms(award, **overrides), format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Contract.objects.exists()


def test_malformed_json_is_a_400(api):
    tender, _ = standstill_over()
    api.as_key(tender.created_by, "contracts:write")

    response = api.post("/api/v1/contracts/", "{not json", content_type="application/json")

    assert response.status_code == 400


def test_another_organisations_award_is_unknown_to_an_officer(api):
    _, award = standstill_over()
    api.as_key(OfficerFactory(), "contracts:write")

    response = api.post("/api/v1/contracts/", terms(award), format="json")

    assert response.status_code == 400
    assert "award" in response.json()["errors"]
    assert not Contract.objects.exists()


def test_providers_anonymous_callers_and_read_only_keys_cannot_make_contracts(api):
    tender, award = standstill_over()

    api.as_key(ProviderAdminFactory(provider=award.bid.provider), "contracts:write")
    assert api.post("/api/v1/contracts/", terms(award), format="json").status_code == 403

    api.as_key(tender.created_by, "contracts:read")
    refused = api.post("/api/v1/contracts/", terms(award), format="json")
    assert refused.status_code == 403
    assert "contracts:write" in refused.json()["detail"]

    api.anonymous()
    assert api.post("/api/v1/contracts/", terms(award), format="json").status_code == 401
    assert not Contract.objects.exists()


def test_no_contract_before_the_standstill_ends(api):
    tender, award = standstill_over()
    Award.objects.filter(pk=award.pk).update(standstill_ends_at=timezone.now() + timedelta(days=5))
    api.as_key(tender.created_by, "contracts:write")

    response = api.post("/api/v1/contracts/", terms(award), format="json")

    assert response.status_code == 400
    assert "standstill period" in response.json()["detail"]
