"""The contract benchmark's seeder, at a tiny scale in the test database: it keeps in step
with the schema, and makes exactly 1% of contracts due for renewal and for review."""

import pytest
from django.db.models import F

from bench.seed_contracts import due_for_renewal, due_for_review, redate, seed_contracts
from commissioning.choices import AwardStatus, ContractStatus, TenderStatus
from commissioning.models import (
    Award,
    Contract,
    ContractReview,
    Kpi,
    KpiResult,
    Lot,
    RenewalDecision,
    Tender,
)
from providers.models import ProviderOrganisation

pytestmark = pytest.mark.django_db

CONTRACTS, PROVIDERS = 200, 50


def _seed(**kwargs):
    return seed_contracts(contracts=CONTRACTS, providers=PROVIDERS, quiet=True, **kwargs)


def test_seeder_loads_every_contract_with_its_tender_lot_bid_award_and_kpis():
    assert _seed() is True

    assert Contract.objects.count() == CONTRACTS
    assert ProviderOrganisation.objects.count() == PROVIDERS
    assert Tender.objects.filter(status=TenderStatus.CONTRACTED).count() == CONTRACTS
    assert Lot.objects.count() == CONTRACTS
    assert Award.objects.filter(status=AwardStatus.CONTRACTED, bid__isnull=False).count() == (
        CONTRACTS
    )
    assert Kpi.objects.count() == 2 * CONTRACTS
    # Each contract's lot, award and winning bid belong to its own tender and provider.
    assert (
        Contract.objects.filter(
            lot__tender=F("tender"),
            award__lot=F("lot"),
            award__bid__provider=F("provider"),
            tender__commissioner=F("commissioner"),
            end_date__gt=F("start_date"),
            status=ContractStatus.ACTIVE,
        ).count()
        == CONTRACTS
    )
    # Every provider wins some work.
    assert Contract.objects.values("provider").distinct().count() == PROVIDERS


def test_exactly_one_percent_of_contracts_are_due_for_renewal_and_for_review():
    _seed()

    assert due_for_renewal() == CONTRACTS // 100
    assert due_for_review() == CONTRACTS // 100
    # Only the due contracts have KPI returns: two KPIs each, one quarter.
    assert KpiResult.objects.count() == 2 * 2 * (CONTRACTS // 100)


def test_a_second_seed_finds_the_data_and_loads_nothing_more():
    _seed()

    assert _seed() is False

    assert Contract.objects.count() == CONTRACTS
    assert ProviderOrganisation.objects.count() == PROVIDERS


def test_a_fresh_seed_replaces_the_earlier_load_and_a_different_size_reloads():
    _seed()

    assert _seed(fresh=True) is True
    assert Contract.objects.count() == CONTRACTS
    assert seed_contracts(contracts=300, providers=20, quiet=True) is True

    assert Contract.objects.count() == 300
    assert ProviderOrganisation.objects.count() == 20
    assert Lot.objects.count() == Award.objects.count() == 300


def test_redate_undoes_what_the_jobs_changed():
    _seed()
    due = Contract.objects.filter(next_review_on__isnull=False).order_by("next_review_on")[0]
    RenewalDecision.objects.create(
        contract=due,
        end_date=due.end_date,
        opened_on=due.start_date,
        due_on=due.end_date,
        recommendation="extend",
        recommendation_reasons="Seeded",
    )
    ContractReview.objects.create(
        contract=due,
        period_start=due.start_date,
        period_end=due.next_review_on,
        due_on=due.next_review_on,
        rating="green",
    )
    Contract.objects.filter(pk=due.pk).update(
        next_review_on=F("next_review_on") + 90, status=ContractStatus.EXPIRED
    )

    assert redate() == 1

    due.refresh_from_db()
    assert due.status == ContractStatus.ACTIVE
    assert not RenewalDecision.objects.exists()
    assert not ContractReview.objects.exists()
    assert due_for_review() == due_for_renewal() == CONTRACTS // 100
    assert KpiResult.objects.count() == 2 * 2 * (CONTRACTS // 100)
