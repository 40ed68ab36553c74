"""Managing a contract through the API: anyone reads its KPIs; its provider submits KPI returns
and both parties read them; the commissioner's officers sign off reviews and decide renewals,
and the parties follow the extensions. Everything goes through the pages' services."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commissioning.models import (
    Contract,
    ContractExtension,
    ContractReview,
    KpiResult,
    RenewalDecision,
)
from commissioning.selectors_kpis import add_months
from core.models import AuditEntry
from tests.factories import (
    ContractFactory,
    ContractReviewFactory,
    KpiFactory,
    KpiResultFactory,
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
    RenewalDecisionFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def _contract(months_ago=3, **fields):
    """A live contract that started `months_ago` months ago."""
    today = timezone.localdate()
    return ContractFactory(
        start_date=add_months(today, -months_ago), end_date=add_months(today, 24), **fields
    )


def _monthly_kpi(contract=None, **fields):
    return KpiFactory(contract=contract or _contract(), reporting_frequency="monthly", **fields)


def _last_ended_period(kpi) -> date:
    """The start of the KPI's latest ended month (it ended yesterday)."""
    return add_months(kpi.contract.start_date, 2)


def _same_queries_for_2_or_all(api, url, rows):
    """The list at page_size=2 and page_size=20 makes the same number of queries."""
    assert api.get(url).status_code == 200  # a key's first use is noted once
    counts, sizes = [], []
    for size in (2, 20):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"{url}?page_size={size}")
        assert response.status_code == 200, response.json()
        counts.append(len(captured.captured_queries))
        sizes.append(len(response.json()["results"]))
    assert sizes == [2, rows]
    assert counts[0] == counts[1], counts


# --- KPIs: public, as on the contract page ---------------------------------------------------


def test_anyone_lists_a_contracts_kpis_with_their_latest_results(api):
    kpi = _monthly_kpi(name="Visits on time")
    KpiResultFactory(kpi=kpi, period_start=kpi.contract.start_date, value=Decimal("97"))

    response = api.get(f"/api/v1/contracts/{kpi.contract_id}/kpis/")

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["name"] == "Visits on time"
    assert row["target"] == "95.00"
    assert row["reporting_frequency"] == "monthly"
    assert row["latest_result"]["value"] == "97.00"


def test_the_kpis_of_a_missing_contract_are_404(api):
    assert api.get("/api/v1/contracts/999999/kpis/").status_code == 404


def test_the_kpi_list_makes_the_same_queries_for_2_or_12_kpis(api):
    contract = _contract()
    for _ in range(12):
        kpi = _monthly_kpi(contract)
        KpiResultFactory(kpi=kpi, period_start=contract.start_date)

    _same_queries_for_2_or_all(api, f"/api/v1/contracts/{contract.pk}/kpis/", 12)


# --- KPI returns -------------------------------------------------------------------------


def test_provider_submits_a_return_and_it_is_rated_and_audited(api):
    kpi = _monthly_kpi()
    provider_user = ProviderAdminFactory(provider=kpi.contract.provider)
    api.as_key(provider_user, "contracts:write")
    period_start = _last_ended_period(kpi)

    response = api.post(
        f"/api/v1/contracts/{kpi.contract_id}/kpi-returns/",
        {"kpi": kpi.pk, "period_start": period_start.isoformat(), "value": "91.5"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["value"] == "91.50"
    assert body["rating"] == "near_miss"
    assert body["rating_label"] == "Near miss"
    assert body["is_late"] is False
    assert body["period_start"] == period_start.isoformat()
    assert KpiResult.objects.get().submitted_by == provider_user
    entry = AuditEntry.objects.get(action="kpi.return_submitted")
    assert entry.actor_label == f"{provider_user.email} via API key {api.api_key.prefix}"


def test_a_return_for_the_same_period_twice_is_refused_naming_the_field(api):
    kpi = _monthly_kpi()
    api.as_key(ProviderAdminFactory(provider=kpi.contract.provider), "contracts:write")
    url = f"/api/v1/contracts/{kpi.contract_id}/kpi-returns/"
    data = {"kpi": kpi.pk, "period_start": _last_ended_period(kpi).isoformat(), "value": "97"}
    assert api.post(url, data, format="json").status_code == 201

    again = api.post(url, {**data, "value": "99"}, format="json")

    assert again.status_code == 400
    assert "already been submitted" in again.json()["detail"]
    # The service names the figure, as the page's form has only that field.
    assert "value" in again.json()["errors"]
    assert KpiResult.objects.get().value == Decimal("97.00")


@pytest.mark.parametrize(
    "period_start",
    [
        lambda kpi: kpi.contract.start_date - timedelta(days=31),  # before the contract
        lambda kpi: add_months(kpi.contract.start_date, 3),  # not ended yet
        lambda kpi: kpi.contract.start_date + timedelta(days=3),  # not a period's start
    ],
)
def test_a_return_for_a_period_outside_the_contract_is_refused(api, period_start):
    kpi = _monthly_kpi()
    api.as_key(ProviderAdminFactory(provider=kpi.contract.provider), "contracts:write")

    response = api.post(
        f"/api/v1/contracts/{kpi.contract_id}/kpi-returns/",
        {"kpi": kpi.pk, "period_start": period_start(kpi).isoformat(), "value": "97"},
        format="json",
    )

    assert response.status_code == 400
    assert "period_start" in response.json()["errors"]
    assert not KpiResult.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value": "ninety"}, "value"),
        ({"value": "1e15"}, "value"),
        ({"period_start": "last month"}, "period_start"),
        ({"kpi": 999999}, "kpi"),
        ({"kpi": None}, "kpi"),
        ({"rating": "met"}, "rating"),
    ],
)
def test_bad_return_input_is_a_400_naming_the_field(api, change, field):
    kpi = _monthly_kpi()
    api.as_key(ProviderAdminFactory(provider=kpi.contract.provider), "contracts:write")
    data = {"kpi": kpi.pk, "period_start": _last_ended_period(kpi).isoformat(), "value": "97"}

    response = api.post(
        f"/api/v1/contracts/{kpi.contract_id}/kpi-returns/", {**data, **change}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_kpi_of_another_contract_is_unknown_here(api):
    kpi = _monthly_kpi()
    other = _monthly_kpi(_contract(provider=kpi.contract.provider))
    api.as_key(ProviderAdminFactory(provider=kpi.contract.provider), "contracts:write")

    response = api.post(
        f"/api/v1/contracts/{kpi.contract_id}/kpi-returns/",
        {"kpi": other.pk, "period_start": _last_ended_period(other).isoformat(), "value": "97"},
        format="json",
    )

    assert response.status_code == 400
    assert "kpi" in response.json()["errors"]


def test_only_the_contracts_provider_submits_returns(api):
    kpi = _monthly_kpi()
    url = f"/api/v1/contracts/{kpi.contract_id}/kpi-returns/"
    data = {"kpi": kpi.pk, "period_start": _last_ended_period(kpi).isoformat(), "value": "97"}

    api.as_key(OfficerFactory(commissioner=kpi.contract.commissioner), "contracts:write")
    refused = api.post(url, data, format="json")
    assert refused.status_code == 403
    assert "Only the contract's provider" in refused.json()["detail"]

    api.as_key(ProviderAdminFactory(), "contracts:write")
    assert api.post(url, data, format="json").status_code == 404

    api.as_key(ProviderAdminFactory(provider=kpi.contract.provider), "contracts:read")
    refused = api.post(url, data, format="json")
    assert refused.status_code == 403
    assert "contracts:write" in refused.json()["detail"]

    api.anonymous()
    assert api.post(url, data, format="json").status_code == 401
    assert not KpiResult.objects.exists()


def test_both_parties_read_the_returns_with_ratings_and_late_flags(api):
    kpi = _monthly_kpi()
    start = kpi.contract.start_date
    on_time = KpiResultFactory(
        kpi=kpi, period_start=start, rating="met", due_on=timezone.localdate() + timedelta(1)
    )
    late = KpiResultFactory(
        kpi=kpi,
        period_start=add_months(start, 1),
        rating="missed",
        due_on=timezone.localdate() - timedelta(days=10),
    )
    url = f"/api/v1/contracts/{kpi.contract_id}/kpi-returns/"

    for user in (
        OfficerFactory(commissioner=kpi.contract.commissioner),
        ProviderAdminFactory(provider=kpi.contract.provider),
    ):
        api.as_key(user, "contracts:read")
        rows = {row["id"]: row for row in api.get(url).json()["results"]}
        assert rows[on_time.pk]["is_late"] is False
        assert rows[late.pk]["is_late"] is True
        assert rows[late.pk]["rating"] == "missed"
        assert [r["id"] for r in api.get(f"{url}?rating=missed").json()["results"]] == [late.pk]
        assert api.get(f"{url}{on_time.pk}/").json()["kpi_name"] == kpi.name


def test_other_organisations_and_anonymous_callers_cannot_read_the_returns(api):
    kpi = _monthly_kpi()
    KpiResultFactory(kpi=kpi, period_start=kpi.contract.start_date)
    url = f"/api/v1/contracts/{kpi.contract_id}/kpi-returns/"

    for user in (OfficerFactory(), ProviderAdminFactory()):
        api.as_key(user, "contracts:read")
        assert api.get(url).status_code == 404
    api.anonymous()
    assert api.get(url).status_code == 401


def test_a_bad_return_filter_is_a_400(api):
    kpi = _monthly_kpi()
    api.as_key(OfficerFactory(commissioner=kpi.contract.commissioner), "contracts:read")

    response = api.get(f"/api/v1/contracts/{kpi.contract_id}/kpi-returns/?rating=great")

    assert response.status_code == 400
    assert "rating" in response.json()["errors"]


def test_the_returns_list_makes_the_same_queries_for_2_or_12_returns(api):
    contract = _contract(months_ago=14)
    kpi = _monthly_kpi(contract)
    for number in range(12):
        KpiResultFactory(kpi=kpi, period_start=add_months(contract.start_date, number))
    api.as_key(ProviderAdminFactory(provider=contract.provider), "contracts:read")

    _same_queries_for_2_or_all(api, f"/api/v1/contracts/{contract.pk}/kpi-returns/", 12)


# --- reviews ------------------------------------------------------------------------------


def _sign_off(api, review, **data):
    body = {"comments": "Performing well.", "social_value_delivered": "Both apprentices started."}
    return api.post(
        f"/api/v1/contracts/{review.contract_id}/reviews/{review.pk}/sign-off/",
        {**body, **data},
        format="json",
    )


def test_officer_reads_and_signs_off_a_review(api):
    review = ContractReviewFactory()
    officer = OfficerFactory(commissioner=review.contract.commissioner)
    api.as_key(officer, "contracts:read", "contracts:write")

    listed = api.get(f"/api/v1/contracts/{review.contract_id}/reviews/?signed_off=false")
    assert [row["id"] for row in listed.json()["results"]] == [review.pk]
    detail = api.get(f"/api/v1/contracts/{review.contract_id}/reviews/{review.pk}/")
    assert detail.json()["rating"] == "green"
    assert detail.json()["signed_off_at"] is None

    response = _sign_off(api, review)

    assert response.status_code == 200, response.json()
    assert response.json()["comments"] == "Performing well."
    assert response.json()["signed_off_by"] == officer.full_name
    assert response.json()["signed_off_at"]
    assert AuditEntry.objects.filter(action="contract_review.signed_off").count() == 1


def test_a_review_is_signed_off_once(api):
    review = ContractReviewFactory()
    api.as_key(OfficerFactory(commissioner=review.contract.commissioner), "contracts:write")
    assert _sign_off(api, review).status_code == 200

    again = _sign_off(api, review, comments="Changed my mind.")

    assert again.status_code == 400
    assert again.json()["detail"] == "This review has already been signed off."
    assert ContractReview.objects.get().comments == "Performing well."


def test_a_sign_off_needs_conclusions_and_social_value(api):
    review = ContractReviewFactory()
    api.as_key(OfficerFactory(commissioner=review.contract.commissioner), "contracts:write")

    response = _sign_off(api, review, comments="  ", social_value_delivered="")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"comments", "social_value_delivered"}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"comments": ["Fine"]}, "comments"),
        ({"rating": "red"}, "rating"),
        ({"comments": None}, "comments"),
    ],
)
def test_bad_sign_off_input_is_a_400_naming_the_field(api, data, field):
    review = ContractReviewFactory()
    api.as_key(OfficerFactory(commissioner=review.contract.commissioner), "contracts:write")

    response = _sign_off(api, review, **data)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_provider_cannot_sign_off_or_read_reviews(api):
    review = ContractReviewFactory()
    api.as_key(
        ProviderAdminFactory(provider=review.contract.provider), "contracts:read", "contracts:write"
    )

    refused = _sign_off(api, review)
    assert refused.status_code == 403
    assert "Only the commissioner's officers" in refused.json()["detail"]
    assert api.get(f"/api/v1/contracts/{review.contract_id}/reviews/").status_code == 404
    detail = f"/api/v1/contracts/{review.contract_id}/reviews/{review.pk}/"
    assert api.get(detail).status_code == 404
    assert ContractReview.objects.get().signed_off_at is None


def test_staff_read_reviews_but_do_not_sign_them_off(api):
    review = ContractReviewFactory()
    api.force_login(StaffFactory())

    assert (
        api.get(f"/api/v1/contracts/{review.contract_id}/reviews/{review.pk}/").status_code == 200
    )
    assert _sign_off(api, review).status_code == 403


def test_other_organisations_and_anonymous_callers_cannot_reach_reviews(api):
    review = ContractReviewFactory()
    url = f"/api/v1/contracts/{review.contract_id}/reviews/"

    api.as_key(OfficerFactory(), "contracts:read", "contracts:write")
    assert api.get(url).status_code == 404
    assert api.get(f"{url}{review.pk}/").status_code == 404
    assert _sign_off(api, review).status_code == 404
    api.as_key(ProviderAdminFactory(), "contracts:write")
    assert _sign_off(api, review).status_code == 404
    api.anonymous()
    assert api.get(url).status_code == 401
    assert api.get(f"{url}{review.pk}/").status_code == 401
    assert _sign_off(api, review).status_code == 401


def test_the_review_list_makes_the_same_queries_for_2_or_12_reviews(api):
    contract = _contract(months_ago=40)
    for number in range(12):
        start = add_months(contract.start_date, 3 * number)
        ContractReviewFactory(
            contract=contract,
            period_start=start,
            period_end=add_months(start, 3) - timedelta(days=1),
            signed_off_by=OfficerFactory(commissioner=contract.commissioner),
            signed_off_at=timezone.now(),
        )
    api.as_key(ManagerFactory(commissioner=contract.commissioner), "contracts:read")

    _same_queries_for_2_or_all(api, f"/api/v1/contracts/{contract.pk}/reviews/", 12)


# --- renewal decisions and extensions ---------------------------------------------------------


def _decide(api, renewal, **data):
    return api.post(
        f"/api/v1/contracts/{renewal.contract_id}/renewal-decisions/{renewal.pk}/decide/",
        data,
        format="json",
    )


def test_officer_extends_a_contract_as_recommended_and_the_parties_see_the_extension(api):
    renewal = RenewalDecisionFactory()
    contract = renewal.contract
    previous_end = contract.end_date
    officer = OfficerFactory(commissioner=contract.commissioner)
    api.as_key(officer, "contracts:read", "contracts:write")

    listed = api.get(f"/api/v1/contracts/{contract.pk}/renewal-decisions/?status=open")
    assert [row["recommendation"] for row in listed.json()["results"]] == ["extend"]

    response = _decide(api, renewal, decision="extend")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "decided"
    assert body["decided_by"] == officer.full_name
    assert body["extension"]["months"] == 12
    assert body["extension"]["previous_end_date"] == previous_end.isoformat()
    contract.refresh_from_db()
    assert contract.status == "extended"
    assert contract.extension_options_remaining == [12]

    api.as_key(ProviderAdminFactory(provider=contract.provider), "contracts:read")
    (extension,) = api.get(f"/api/v1/contracts/{contract.pk}/extensions/").json()["results"]
    assert extension["new_end_date"] == contract.end_date.isoformat()
    assert extension["renewal"] == renewal.pk


def test_departing_from_the_recommendation_needs_a_reason(api):
    renewal = RenewalDecisionFactory()
    api.as_key(OfficerFactory(commissioner=renewal.contract.commissioner), "contracts:write")

    refused = _decide(api, renewal, decision="reprocure")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "reason": ["Enter why you are not following the recommendation"]
    }

    decided = _decide(api, renewal, decision="reprocure", reason="The market has changed.")
    assert decided.status_code == 200
    assert decided.json()["decision_reason"] == "The market has changed."
    assert decided.json()["extension"] is None
    assert not ContractExtension.objects.exists()


def test_a_contract_without_options_left_cannot_be_extended(api):
    renewal = RenewalDecisionFactory()
    Contract.objects.filter(pk=renewal.contract_id).update(extension_options_remaining=[])
    api.as_key(OfficerFactory(commissioner=renewal.contract.commissioner), "contracts:write")

    response = _decide(api, renewal, decision="extend")

    assert response.status_code == 400
    assert "no extension option left" in response.json()["errors"]["decision"][0]


def test_a_renewal_is_decided_once(api):
    renewal = RenewalDecisionFactory()
    api.as_key(OfficerFactory(commissioner=renewal.contract.commissioner), "contracts:write")
    assert _decide(api, renewal, decision="extend").status_code == 200

    again = _decide(api, renewal, decision="decommission", reason="Not needed.")

    assert again.status_code == 400
    assert again.json()["detail"] == "This renewal has already been decided."
    assert RenewalDecision.objects.get().decision == "extend"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"decision": "renew"}, "decision"),
        ({}, "decision"),
        ({"decision": "reprocure", "reason": "x" * 5001}, "reason"),
        ({"decision": "extend", "months": 24}, "months"),
    ],
)
def test_bad_decision_input_is_a_400_naming_the_field(api, data, field):
    renewal = RenewalDecisionFactory()
    api.as_key(OfficerFactory(commissioner=renewal.contract.commissioner), "contracts:write")

    response = _decide(api, renewal, **data)

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert RenewalDecision.objects.get().status == "open"


def test_only_the_commissioners_officers_see_and_decide_renewals(api):
    renewal = RenewalDecisionFactory()
    url = f"/api/v1/contracts/{renewal.contract_id}/renewal-decisions/"

    for user in (OfficerFactory(), ProviderAdminFactory(provider=renewal.contract.provider)):
        api.as_key(user, "contracts:read", "contracts:write")
        assert api.get(url).status_code == 404
        assert api.get(f"{url}{renewal.pk}/").status_code == 404
        assert _decide(api, renewal, decision="extend").status_code == 404

    api.anonymous().force_login(StaffFactory())
    assert api.get(f"{url}{renewal.pk}/").status_code == 200
    assert _decide(api, renewal, decision="extend").status_code == 403
    api.logout()
    assert api.get(url).status_code == 401
    assert RenewalDecision.objects.get().status == "open"


def test_the_renewal_list_makes_the_same_queries_for_2_or_12_decisions(api):
    contract = ContractFactory()
    officer = OfficerFactory(commissioner=contract.commissioner)
    for number in range(12):
        renewal = RenewalDecisionFactory(
            contract=contract, end_date=contract.end_date + timedelta(days=number)
        )
        if number % 2:
            RenewalDecision.objects.filter(pk=renewal.pk).update(
                status="decided", decision="extend", decided_by=officer, decided_at=timezone.now()
            )
            ContractExtension.objects.create(
                contract=contract,
                renewal=renewal,
                previous_end_date=contract.end_date,
                new_end_date=contract.end_date + timedelta(days=365),
                months=12,
                approved_by=officer,
                approved_at=timezone.now(),
            )
    api.as_key(officer, "contracts:read")

    _same_queries_for_2_or_all(api, f"/api/v1/contracts/{contract.pk}/renewal-decisions/", 12)
    _same_queries_for_2_or_all(api, f"/api/v1/contracts/{contract.pk}/extensions/", 6)


def test_extensions_are_for_the_contracts_parties(api):
    contract = ContractFactory()
    url = f"/api/v1/contracts/{contract.pk}/extensions/"

    api.as_key(OfficerFactory(commissioner=contract.commissioner), "contracts:read")
    assert api.get(url).status_code == 200
    api.as_key(ProviderAdminFactory(), "contracts:read")
    assert api.get(url).status_code == 404
    api.anonymous()
    assert api.get(url).status_code == 401


def test_renewal_and_review_details_answer_conditional_gets(api):
    renewal = RenewalDecisionFactory()
    review = ContractReviewFactory(contract=renewal.contract)
    api.as_key(OfficerFactory(commissioner=renewal.contract.commissioner), "contracts:read")

    for url in (
        f"/api/v1/contracts/{renewal.contract_id}/renewal-decisions/{renewal.pk}/",
        f"/api/v1/contracts/{review.contract_id}/reviews/{review.pk}/",
    ):
        first = api.get(url)
        assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
