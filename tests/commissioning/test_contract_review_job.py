"""The daily contract reviews job: idempotent, chunked, safe under failure and observable."""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accountability.choices import ComplaintCategory, EscalationTrigger, ProposalStatus
from accountability.models import EscalationProposal
from commissioning import tasks
from commissioning.models import Contract, ContractReview, KpiRating
from commissioning.services import reviews
from commissioning.services.reviews import contract_reviews_create_due
from core.models import AuditEntry, JobRun
from core.selectors import audit_chain_check
from tests.factories import (
    KpiFactory,
    KpiResultFactory,
    UpheldComplaintFactory,
    contract_due_for_review,
)
from tests.worker import celery_worker, wait_until


def _due_contracts(count):
    contracts = [contract_due_for_review() for _ in range(count)]
    for contract in contracts:
        kpi = KpiFactory(contract=contract, reporting_frequency="quarterly")
        KpiResultFactory(kpi=kpi, period_start=contract.start_date, rating=KpiRating.MET)
    return contracts


MISSED = KpiRating.MISSED


def _review_dates():
    return dict(Contract.objects.values_list("pk", "next_review_on"))


@pytest.mark.django_db
def test_a_second_run_changes_nothing():
    _due_contracts(3)
    assert contract_reviews_create_due() == 3
    dates = _review_dates()

    assert contract_reviews_create_due() == 0

    assert ContractReview.objects.count() == 3
    assert _review_dates() == dates


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_review_each_contract_exactly_once():
    _due_contracts(6)
    errors = []

    def work():
        try:
            contract_reviews_create_due(chunk_size=2)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ContractReview.objects.count() == 6
    assert ContractReview.objects.values("contract").distinct().count() == 6
    processed = JobRun.objects.filter(job="contract_reviews").values_list(
        "rows_processed", flat=True
    )
    assert sum(processed) == 6


@pytest.mark.django_db(transaction=True)
def test_a_run_that_dies_halfway_leaves_whole_chunks_and_the_next_run_finishes(monkeypatch):
    _due_contracts(4)
    original = reviews._social_value_committed
    calls = {"count": 0}

    def dies_on_second_chunk(contracts):
        calls["count"] += 1
        if calls["count"] == 2:
            raise OperationalError("the database went away")
        return original(contracts)

    monkeypatch.setattr(reviews, "_social_value_committed", dies_on_second_chunk)
    with pytest.raises(OperationalError):
        contract_reviews_create_due(chunk_size=2)

    assert ContractReview.objects.count() == 2  # the first chunk, whole
    failed = JobRun.objects.get()
    assert failed.status == JobRun.Status.FAILED and failed.rows_processed == 2
    assert "the database went away" in failed.errors

    assert contract_reviews_create_due(chunk_size=2) == 2

    assert ContractReview.objects.count() == 4
    assert ContractReview.objects.values("contract").distinct().count() == 4
    finished = JobRun.objects.exclude(pk=failed.pk).get()
    assert finished.status == JobRun.Status.SUCCEEDED and finished.rows_processed == 2


def _queries_for_one_chunk(count):
    _due_contracts(count)
    with CaptureQueriesContext(connection) as captured:
        assert contract_reviews_create_due(chunk_size=count) == count
    ContractReview.objects.all().delete()
    Contract.objects.all().update(status="expired")
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_a_chunk_of_2_due_contracts_makes_as_many_queries_as_a_chunk_of_20():
    few = _queries_for_one_chunk(2)
    many = _queries_for_one_chunk(20)
    assert 0 < few == many


@pytest.mark.django_db
def test_the_run_is_recorded_with_the_contracts_it_reviewed():
    _due_contracts(3)
    contract_reviews_create_due(chunk_size=2)
    run = JobRun.objects.get(job="contract_reviews")
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.rows_processed == 3
    assert run.finished_at is not None


@pytest.mark.django_db
def test_the_command_reviews_due_contracts_with_a_progress_bar():
    _due_contracts(2)
    out, err = StringIO(), StringIO()
    call_command("contract_reviews", "--chunk-size", "1", stdout=out, stderr=err)
    assert "2 contract reviews prepared" in out.getvalue()
    assert "Contract reviews" in err.getvalue()
    assert ContractReview.objects.count() == 2


def test_the_task_retries_on_lost_connections_and_runs_daily_at_half_past_two():
    task = tasks.contract_reviews
    assert task.acks_late is True
    assert OperationalError in task.autoretry_for
    assert task.retry_backoff
    entry = settings.CELERY_BEAT_SCHEDULE["contract-reviews"]
    assert entry["task"] == "commissioning.tasks.contract_reviews"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_celery_worker_runs_the_reviews_job():
    (contract,) = _due_contracts(1)

    with celery_worker() as queue:
        tasks.contract_reviews.apply_async(queue=queue)
        wait_until(
            lambda: ContractReview.objects.filter(contract=contract).exists(),
            message="the worker to prepare the review",
        )
    assert JobRun.objects.filter(job="contract_reviews", rows_processed=1).exists()


def _failing_contracts(count):
    """Due contracts with evidence for every trigger in the period: a KPI missed in its two
    latest (consecutive) periods, two upheld complaints and an upheld safeguarding one."""
    failing = []
    for contract in _due_contracts(count):
        kpi = KpiFactory(contract=contract, name="Visits on time")
        first = contract.start_date + timedelta(days=1)
        second = first + timedelta(days=30)
        misses = [
            KpiResultFactory(
                kpi=kpi, period_start=start, period_end=start + timedelta(days=29), rating=MISSED
            )
            for start in (first, second)
        ]
        complaints = [UpheldComplaintFactory(contract=contract) for _ in range(2)]
        safeguarding = UpheldComplaintFactory(
            contract=contract, category=ComplaintCategory.SAFEGUARDING
        )
        failing.append((contract, misses, [*complaints, safeguarding], safeguarding))
    return failing


def _queries_for_failing_chunk(count):
    failing = [contract for contract, *_ in _failing_contracts(count)]
    with CaptureQueriesContext(connection) as captured:
        assert contract_reviews_create_due(chunk_size=count) == count
    assert EscalationProposal.objects.filter(contract__in=failing).count() == 3 * count
    ContractReview.objects.all().delete()
    Contract.objects.all().update(status="expired")
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_the_review_job_proposes_escalation_for_every_failing_contract_in_the_chunk():
    failing = _failing_contracts(3)
    _due_contracts(2)  # performing well: no proposals

    assert contract_reviews_create_due(chunk_size=10) == 5

    assert EscalationProposal.objects.count() == 9
    for contract, misses, upheld, safeguarding in failing:
        proposals = {p.trigger: p for p in EscalationProposal.objects.filter(contract=contract)}
        assert set(proposals) == {
            EscalationTrigger.UPHELD_COMPLAINTS,
            EscalationTrigger.SAFEGUARDING,
            EscalationTrigger.KPI_MISSES,
        }
        assert {p.proposed_level for p in proposals.values()} == {1}
        assert {p.status for p in proposals.values()} == {ProposalStatus.PENDING}
        count = proposals[EscalationTrigger.UPHELD_COMPLAINTS]
        assert count.reason == "3 upheld complaints in the last 90 days (threshold 3)"
        assert set(count.evidence_complaints.all()) == set(upheld)
        assert not count.evidence_kpi_results.exists()
        sg = proposals[EscalationTrigger.SAFEGUARDING]
        assert sg.reason == f"1 upheld safeguarding complaint ({safeguarding.reference})"
        assert list(sg.evidence_complaints.all()) == [safeguarding]
        kpi = proposals[EscalationTrigger.KPI_MISSES]
        assert kpi.reason == (
            "KPI “Visits on time” missed in the last 2 consecutive reporting periods (threshold 2)"
        )
        assert set(kpi.evidence_kpi_results.all()) == set(misses)
        assert not kpi.evidence_complaints.exists()
        review = ContractReview.objects.get(contract=contract)
        assert review.escalation_triggers_fired == 3
    failing_ids = {c.pk for c, *_ in failing}
    healthy = ContractReview.objects.exclude(contract__in=failing_ids)
    assert [r.escalation_triggers_fired for r in healthy] == [0, 0]
    entries = AuditEntry.objects.filter(action="escalation.proposed")
    assert entries.count() == 9
    assert {int(e.object_id) for e in entries} == failing_ids
    assert audit_chain_check().intact


@pytest.mark.django_db
def test_reviewing_failing_contracts_again_proposes_nothing_new():
    _failing_contracts(2)
    assert contract_reviews_create_due(chunk_size=10) == 2
    assert EscalationProposal.objects.count() == 6
    assert contract_reviews_create_due(chunk_size=10) == 0
    # The same period reviewed again (as if the first reviews were lost) while the
    # proposals are still open: the open proposals block a second one for each trigger.
    ContractReview.objects.all().delete()
    Contract.objects.update(next_review_on=timezone.localdate())

    assert contract_reviews_create_due(chunk_size=10) == 2

    assert EscalationProposal.objects.count() == 6
    assert AuditEntry.objects.filter(action="escalation.proposed").count() == 6
    assert [r.escalation_triggers_fired for r in ContractReview.objects.all()] == [0, 0]


@pytest.mark.django_db
def test_a_chunk_of_2_failing_contracts_makes_as_many_queries_as_a_chunk_of_8():
    """The escalation triggers of a chunk are evaluated at once, set-based: the chunk's
    queries do not grow with the number of contracts with evidence."""
    healthy = _queries_for_one_chunk(2)
    two = _queries_for_failing_chunk(2)
    eight = _queries_for_failing_chunk(8)
    assert two == eight
    assert 0 < healthy < two
