"""Providers submit KPI returns for ended periods; officers see each KPI's results."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accountability.models import EscalationProposal
from commissioning.models import KpiRating, KpiResult
from commissioning.selectors_kpis import add_months, return_due_on
from commissioning.services.kpis import kpi_rating_for, kpi_return_submit
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry
from tests.factories import (
    ContractFactory,
    KpiFactory,
    OfficerFactory,
    ProviderAdminFactory,
)

pytestmark = pytest.mark.django_db


def _monthly_kpi(months_ago=3, **kwargs):
    """A monthly KPI on a contract that started `months_ago` months ago: its last period
    ended yesterday (still due), the ones before are past their due date (missing)."""
    today = timezone.localdate()
    contract = ContractFactory(
        start_date=add_months(today, -months_ago), end_date=add_months(today, 24)
    )
    return KpiFactory(contract=contract, reporting_frequency="monthly", **kwargs)


def _provider_user(kpi):
    return ProviderAdminFactory(provider=kpi.contract.provider)


# --- the rating rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "higher_is_better", "rating"),
    [
        ("95", True, KpiRating.MET),  # on the target is met
        ("99", True, KpiRating.MET),
        ("90.25", True, KpiRating.NEAR_MISS),  # exactly 5% below the target of 95
        ("90.24", True, KpiRating.MISSED),
        ("80", True, KpiRating.MISSED),
        ("90", False, KpiRating.MET),  # lower is better: under the target is met
        ("99.75", False, KpiRating.NEAR_MISS),  # exactly 5% above
        ("99.76", False, KpiRating.MISSED),
    ],
)
def test_a_figure_is_met_on_the_right_side_of_the_target_near_miss_within_5_percent(
    value, higher_is_better, rating
):
    assert (
        kpi_rating_for(
            value=Decimal(value), target=Decimal("95"), higher_is_better=higher_is_better
        )
        == rating
    )


# --- the service ----------------------------------------------------------------------------


def test_provider_submits_a_return_on_time_and_it_is_rated_and_audited():
    kpi = _monthly_kpi()
    provider_user = _provider_user(kpi)
    start = kpi.contract.start_date
    period_end = add_months(start, 3) - timedelta(days=1)
    period_start = add_months(start, 2)

    result = kpi_return_submit(kpi=kpi, actor=provider_user, period_start=period_start, value="96")

    assert result.rating == KpiRating.MET
    assert result.period_end == period_end
    assert result.due_on == return_due_on(period_end)
    assert result.submitted_by == provider_user
    entry = AuditEntry.objects.filter(action="kpi.return_submitted").get()
    assert entry.after["is_late"] is False


def test_a_return_after_its_due_date_is_late():
    kpi = _monthly_kpi()
    result = kpi_return_submit(
        kpi=kpi, actor=_provider_user(kpi), period_start=kpi.contract.start_date, value="80"
    )
    assert result.submitted_at.date() > result.due_on
    assert AuditEntry.objects.get(action="kpi.return_submitted").after["is_late"] is True


def test_provider_cannot_submit_the_same_period_twice():
    kpi = _monthly_kpi()
    user = _provider_user(kpi)
    kpi_return_submit(kpi=kpi, actor=user, period_start=kpi.contract.start_date, value="96")

    with pytest.raises(DomainError) as refusal:
        kpi_return_submit(kpi=kpi, actor=user, period_start=kpi.contract.start_date, value="97")

    assert "already been submitted" in refusal.value.field_errors["value"][0]
    assert KpiResult.objects.get().value == Decimal("96.00")


def test_provider_cannot_submit_for_a_period_that_has_not_ended():
    kpi = _monthly_kpi()
    with pytest.raises(DomainError) as refusal:
        kpi_return_submit(
            kpi=kpi,
            actor=_provider_user(kpi),
            period_start=add_months(kpi.contract.start_date, 3),
            value="96",
        )
    assert "has ended" in refusal.value.field_errors["period_start"][0]
    assert not KpiResult.objects.exists()


def test_a_figure_that_is_not_a_number_is_refused():
    kpi = _monthly_kpi()
    with pytest.raises(DomainError) as refusal:
        kpi_return_submit(
            kpi=kpi, actor=_provider_user(kpi), period_start=kpi.contract.start_date, value="lots"
        )
    assert refusal.value.field_errors["value"] == ["Enter the figure as a number, like 92.5"]


def test_only_the_contracts_provider_submits_returns():
    kpi = _monthly_kpi()
    for outsider in (
        OfficerFactory(commissioner=kpi.contract.commissioner),
        ProviderAdminFactory(),
    ):
        with pytest.raises(NotPermitted):
            kpi_return_submit(
                kpi=kpi, actor=outsider, period_start=kpi.contract.start_date, value="96"
            )
    assert not KpiResult.objects.exists()


def test_a_second_consecutive_miss_proposes_an_escalation():
    kpi = _monthly_kpi()
    user = _provider_user(kpi)
    start = kpi.contract.start_date
    kpi_return_submit(kpi=kpi, actor=user, period_start=start, value="50")
    assert not EscalationProposal.objects.exists()

    kpi_return_submit(kpi=kpi, actor=user, period_start=add_months(start, 1), value="60")

    proposal = EscalationProposal.objects.get()
    assert proposal.contract == kpi.contract
    assert proposal.trigger == "kpi_misses"


# --- the provider's pages -------------------------------------------------------------------


def test_provider_sees_returns_due_missing_and_late(sign_in):
    kpi = _monthly_kpi()
    user = _provider_user(kpi)
    kpi_return_submit(kpi=kpi, actor=user, period_start=kpi.contract.start_date, value="80")

    page = sign_in(user).get(reverse("kpis:provider_returns")).content.decode()

    assert page.count(">Missing<") == 1  # the second month
    assert page.count(">Due<") == 1  # the month that ended yesterday
    assert ">Late<" in page and ">Missed<" in page


def test_provider_submits_a_return_through_the_form(sign_in):
    kpi = _monthly_kpi()
    client = sign_in(_provider_user(kpi))
    url = reverse("kpis:submit", args=[kpi.pk, kpi.contract.start_date.isoformat()])

    response = client.post(url, {"value": "93"})

    assert response.status_code == 302
    assert KpiResult.objects.get().rating == KpiRating.NEAR_MISS
    assert "rated Near miss" in client.get(response.url).content.decode()


def test_a_figure_that_is_not_a_number_is_shown_in_the_error_summary_with_what_was_typed(
    sign_in,
):
    kpi = _monthly_kpi()
    url = reverse("kpis:submit", args=[kpi.pk, kpi.contract.start_date.isoformat()])

    page = sign_in(_provider_user(kpi)).post(url, {"value": "about ninety"}).content.decode()

    assert "govuk-error-summary" in page
    assert "Enter the figure as a number, like 92.5" in page
    assert 'value="about ninety"' in page
    assert not KpiResult.objects.exists()


def test_submit_page_permissions(client, sign_in):
    kpi = _monthly_kpi()
    url = reverse("kpis:submit", args=[kpi.pk, kpi.contract.start_date.isoformat()])

    assert client.get(url).status_code == 302  # anonymous: to sign in
    assert sign_in(ProviderAdminFactory()).get(url).status_code == 404  # another provider
    officer = OfficerFactory(commissioner=kpi.contract.commissioner)
    assert sign_in(officer).get(url).status_code == 403  # sees the KPI, may not submit
    assert sign_in(_provider_user(kpi)).get(url).status_code == 200
    future = reverse("kpis:submit", args=[kpi.pk, add_months(kpi.contract.start_date, 3)])
    assert sign_in(_provider_user(kpi)).get(future).status_code == 404


def test_returns_list_permissions(client, sign_in):
    url = reverse("kpis:provider_returns")
    assert client.get(url).status_code == 302
    assert sign_in(OfficerFactory()).get(url).status_code == 403


def _list_queries(sign_in, user, url):
    client = sign_in(user)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_returns_list_makes_the_same_queries_for_2_rows_and_20(sign_in):
    kpi = _monthly_kpi(months_ago=2)
    user = _provider_user(kpi)
    url = reverse("kpis:provider_returns")
    few = _list_queries(sign_in, user, url)
    for _ in range(9):
        KpiFactory(contract=kpi.contract, reporting_frequency="monthly")
    many = _list_queries(sign_in, user, url)
    assert 0 < few == many


# --- the officer's page ---------------------------------------------------------------------


def test_officer_sees_each_kpis_results_ratings_and_missing_returns(sign_in):
    kpi = _monthly_kpi(name="Visits on time")
    kpi_return_submit(
        kpi=kpi, actor=_provider_user(kpi), period_start=kpi.contract.start_date, value="70"
    )
    officer = OfficerFactory(commissioner=kpi.contract.commissioner)

    page = sign_in(officer).get(reverse("kpis:contract", args=[kpi.contract.pk])).content.decode()

    assert "Visits on time" in page
    assert ">Missed<" in page and ">Late<" in page and ">Missing<" in page


def test_contract_kpis_page_permissions(client, sign_in):
    kpi = _monthly_kpi()
    url = reverse("kpis:contract", args=[kpi.contract.pk])
    assert client.get(url).status_code == 302
    assert sign_in(OfficerFactory()).get(url).status_code == 404  # another commissioner
    assert sign_in(_provider_user(kpi)).get(url).status_code == 404
    officer = OfficerFactory(commissioner=kpi.contract.commissioner)
    assert sign_in(officer).get(url).status_code == 200


def test_contract_kpis_page_makes_the_same_queries_for_2_kpis_and_20(sign_in):
    kpi = _monthly_kpi()
    officer = OfficerFactory(commissioner=kpi.contract.commissioner)
    url = reverse("kpis:contract", args=[kpi.contract.pk])
    KpiFactory(contract=kpi.contract)
    few = _list_queries(sign_in, officer, url)
    for _ in range(18):
        KpiFactory(contract=kpi.contract)
    assert 0 < few == _list_queries(sign_in, officer, url)
