"""The daily renewals job: it opens decisions at the notice point, reminds, escalates and
expires, once, in chunks, whatever happens to it."""

import threading
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from commissioning.choices import ContractStatus
from commissioning.models import Contract, KpiRating, RenewalDecision, RenewalRecommendation
from commissioning.services import renewals
from commissioning.services.renewals import contract_renewals_run, renewal_due_on
from core.models import JobRun, OutboxMessage
from tests.factories import (
    CommissionerFactory,
    ContractFactory,
    KpiFactory,
    KpiResultFactory,
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def at_notice_point(commissioner=None, **fields):
    """A contract whose six months' notice point was ten days ago."""
    start = today() - timedelta(days=600)
    return ContractFactory(
        start_date=start,
        **({"commissioner": commissioner} if commissioner else {}),
        **{"end_date": today() + relativedelta(months=6, days=-10), **fields},
    )


def test_a_contract_reaching_its_notice_point_gets_a_renewal_decision_and_its_officers_are_told():
    commissioner = CommissionerFactory(contact_email="contracts@northshire.example")
    officer = OfficerFactory(commissioner=commissioner)
    contract = at_notice_point(commissioner)
    not_yet = ContractFactory(
        commissioner=commissioner,
        start_date=today() - timedelta(days=10),
        end_date=today() + relativedelta(months=7),
    )

    done = contract_renewals_run()

    assert done["opened"] == 1
    renewal = RenewalDecision.objects.get()
    assert renewal.contract == contract
    assert renewal.end_date == contract.end_date
    assert renewal.opened_on == today()
    notice_point = contract.end_date - relativedelta(months=6)
    assert renewal.due_on == max(notice_point + timedelta(days=30), today())
    assert renewal.recommendation == RenewalRecommendation.EXTEND
    assert "An extension option of 12 months remains" in renewal.recommendation_reasons
    assert not RenewalDecision.objects.filter(contract=not_yet).exists()
    recipients = set(OutboxMessage.objects.values_list("to", flat=True))
    assert {officer.email, "contracts@northshire.example"} <= recipients
    outsider = OfficerFactory()
    assert outsider.email not in recipients
    assert contract.title in OutboxMessage.objects.first().body


def test_the_decision_is_due_a_month_after_the_notice_point_but_a_month_before_the_end_at_latest():
    from datetime import date

    # A month from the notice point (1 March) when that leaves a month before the end...
    assert renewal_due_on(
        end_date=date(2027, 9, 1), notice_months=6, opened_on=date(2027, 3, 1)
    ) == date(2027, 3, 31)
    # ...a month before the end when the notice is short...
    assert renewal_due_on(
        end_date=date(2027, 4, 15), notice_months=2, opened_on=date(2027, 2, 15)
    ) == date(2027, 3, 15)
    # ...and never before the day the decision opens.
    assert renewal_due_on(
        end_date=date(2027, 4, 15), notice_months=6, opened_on=date(2027, 4, 1)
    ) == date(2027, 4, 1)


def test_re_procurement_is_recommended_when_a_kpi_was_missed_recently_or_no_option_is_left():
    missed = at_notice_point()
    KpiResultFactory(
        kpi=KpiFactory(contract=missed),
        period_start=today() - timedelta(days=200),
        rating=KpiRating.MISSED,
    )
    recovered = at_notice_point()
    kpi = KpiFactory(contract=recovered)
    for days_ago, rating in [(400, KpiRating.MISSED), (300, KpiRating.MET), (200, KpiRating.MET)]:
        KpiResultFactory(kpi=kpi, period_start=today() - timedelta(days=days_ago), rating=rating)
    no_options = at_notice_point(extension_options_remaining=[])
    escalated = at_notice_point(escalation_level=2)

    contract_renewals_run()

    recommendation = dict(RenewalDecision.objects.values_list("contract", "recommendation"))
    assert recommendation[missed.pk] == RenewalRecommendation.REPROCURE
    assert recommendation[recovered.pk] == RenewalRecommendation.EXTEND
    assert recommendation[no_options.pk] == RenewalRecommendation.REPROCURE
    assert recommendation[escalated.pk] == RenewalRecommendation.REPROCURE
    reasons = RenewalDecision.objects.get(contract=missed).recommendation_reasons
    assert "A KPI was missed" in reasons


def test_officers_are_reminded_of_decisions_due_within_two_weeks_at_most_once_a_week():
    contract = at_notice_point()
    officer = OfficerFactory(commissioner=contract.commissioner)
    contract_renewals_run()
    OutboxMessage.objects.all().delete()
    RenewalDecision.objects.update(
        opened_on=today() - timedelta(days=20), due_on=today() + timedelta(days=10)
    )

    contract_renewals_run()
    contract_renewals_run()

    renewal = RenewalDecision.objects.get()
    assert (renewal.reminders_sent, renewal.last_reminded_on) == (1, today())
    reminders = OutboxMessage.objects.filter(subject="Contract renewal decisions are due soon")
    assert officer.email in {message.to for message in reminders}
    assert OutboxMessage.objects.count() == reminders.count()
    RenewalDecision.objects.update(last_reminded_on=today() - timedelta(days=7))
    contract_renewals_run()
    assert RenewalDecision.objects.get().reminders_sent == 2


def test_an_overdue_decision_is_escalated_once_to_the_commissioners_managers():
    contract = at_notice_point()
    manager = ManagerFactory(commissioner=contract.commissioner)
    contract_renewals_run()
    OutboxMessage.objects.all().delete()
    RenewalDecision.objects.update(due_on=today() - timedelta(days=1))

    contract_renewals_run()
    contract_renewals_run()

    assert RenewalDecision.objects.get().escalated_on == today()
    assert list(OutboxMessage.objects.values_list("to", "subject")) == [
        (manager.email, "Contract renewal decisions are overdue")
    ]


def test_contracts_past_their_end_date_expire_and_running_ones_do_not():
    ended = ContractFactory(
        start_date=today() - timedelta(days=400), end_date=today() - timedelta(days=1)
    )
    ends_today = ContractFactory(start_date=today() - timedelta(days=400), end_date=today())
    terminated = ContractFactory(
        start_date=today() - timedelta(days=400),
        end_date=today() - timedelta(days=1),
        status=ContractStatus.TERMINATED,
    )

    assert contract_renewals_run()["expired"] == 1

    status = dict(Contract.objects.values_list("pk", "status"))
    assert status[ended.pk] == ContractStatus.EXPIRED
    assert status[ends_today.pk] == ContractStatus.ACTIVE
    assert status[terminated.pk] == ContractStatus.TERMINATED


def test_a_second_run_changes_nothing():
    commissioner = CommissionerFactory()
    OfficerFactory(commissioner=commissioner)
    for _ in range(3):
        at_notice_point(commissioner)
    ContractFactory(start_date=today() - timedelta(days=400), end_date=today() - timedelta(1))
    first = contract_renewals_run(chunk_size=2)
    emails = OutboxMessage.objects.count()

    second = contract_renewals_run(chunk_size=2)

    assert first["opened"] == 3 and first["expired"] == 1
    assert second == {"opened": 0, "reminded": 0, "escalated": 0, "expired": 0}
    assert RenewalDecision.objects.count() == 3
    assert OutboxMessage.objects.count() == emails


def test_the_run_is_recorded_with_the_rows_it_processed():
    at_notice_point()
    contract_renewals_run()
    run = JobRun.objects.get(job="contract_renewals")
    assert run.status == JobRun.Status.SUCCEEDED
    assert run.rows_processed == 1
    assert run.finished_at is not None


def test_a_run_that_dies_after_its_first_chunk_is_completed_by_the_next_run(monkeypatch):
    commissioner = CommissionerFactory()
    officer = OfficerFactory(commissioner=commissioner)
    contracts = [at_notice_point(commissioner) for _ in range(4)]
    real = renewals._queue_emails
    calls = []

    def dies_on_second_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(renewals, "_queue_emails", dies_on_second_chunk)
    with pytest.raises(RuntimeError):
        contract_renewals_run(chunk_size=2)

    assert RenewalDecision.objects.count() == 2  # the first chunk, whole; nothing of the second
    assert OutboxMessage.objects.filter(to=officer.email).count() == 1
    failed = JobRun.objects.get()
    assert failed.status == JobRun.Status.FAILED
    assert "worker killed" in failed.errors

    monkeypatch.setattr(renewals, "_queue_emails", real)
    contract_renewals_run(chunk_size=2)

    assert sorted(RenewalDecision.objects.values_list("contract", flat=True)) == sorted(
        c.pk for c in contracts
    )
    assert OutboxMessage.objects.filter(to=officer.email).count() == 2


@pytest.mark.parametrize(
    "step", ["_open_chunk", "_remind_chunk", "_escalate_chunk", "_expire_chunk"]
)
def test_each_chunk_takes_the_same_few_queries_for_2_or_20_due_rows(step):
    def queries_for(n):
        commissioner = CommissionerFactory()
        OfficerFactory(commissioner=commissioner)
        ManagerFactory(commissioner=commissioner)
        contracts = [at_notice_point(commissioner) for _ in range(n)]
        for contract in contracts:
            KpiResultFactory(kpi=KpiFactory(contract=contract), rating=KpiRating.MET)
        if step in ("_remind_chunk", "_escalate_chunk"):
            renewals._open_chunk(100)
            due = today() + timedelta(days=5) if step == "_remind_chunk" else today() - timedelta(1)
            RenewalDecision.objects.update(due_on=due)
        if step == "_expire_chunk":
            Contract.objects.update(end_date=today() - timedelta(days=1))
        queries = count_queries(getattr(renewals, step), 100)
        Contract.objects.update(status=ContractStatus.TERMINATED)
        RenewalDecision.objects.update(status=RenewalDecision.Status.DECIDED)
        return queries

    two, twenty = queries_for(2), queries_for(20)
    assert 0 < two == twenty


def test_the_management_command_runs_the_job(capsys):
    at_notice_point()
    call_command("contract_renewals", "--chunk-size", "10", verbosity=0)
    assert RenewalDecision.objects.count() == 1
    assert "1 opened" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_at_once_open_each_decision_once():
    commissioner = CommissionerFactory()
    OfficerFactory(commissioner=commissioner)
    officer = OfficerFactory(commissioner=commissioner)
    for _ in range(6):
        at_notice_point(commissioner)
    barrier = threading.Barrier(2)
    errors = []

    def work():
        try:
            barrier.wait()
            contract_renewals_run(chunk_size=2)
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
    assert RenewalDecision.objects.count() == 6
    body = "".join(OutboxMessage.objects.filter(to=officer.email).values_list("body", flat=True))
    for contract in Contract.objects.all():
        assert body.count(f"- {contract.title}:") == 1


def test_the_job_is_on_the_beat_daily_at_a_quarter_past_two(settings):
    from commissioning.tasks import contract_renewals

    entry = settings.CELERY_BEAT_SCHEDULE["contract-renewals"]
    assert entry["task"] == contract_renewals.name
    assert str(entry["schedule"]) == "<crontab: 15 2 * * * (m/h/dM/MY/d)>"
    assert contract_renewals.acks_late is True
    assert contract_renewals.autoretry_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_runs_the_renewals_job():
    from commissioning.tasks import contract_renewals
    from tests.worker import celery_worker, wait_until

    contract = at_notice_point()

    with celery_worker() as queue:
        contract_renewals.apply_async(queue=queue)
        wait_until(
            lambda: JobRun.objects.filter(
                job="contract_renewals", status=JobRun.Status.SUCCEEDED
            ).exists(),
            message="the worker to run the renewals job",
        )

    assert RenewalDecision.objects.filter(contract=contract).count() == 1
    assert JobRun.objects.get(job="contract_renewals").rows_processed == 1


def test_an_extended_contract_runs_on_and_its_next_decision_opens_at_the_new_notice_point():
    from commissioning.services.renewals import renewal_decide

    contract = at_notice_point(extension_options_remaining=[12])
    officer = OfficerFactory(commissioner=contract.commissioner)
    contract_renewals_run()
    renewal_decide(
        renewal=RenewalDecision.objects.get(), actor=officer, decision="extend", reason=""
    )

    contract_renewals_run()

    contract.refresh_from_db()
    assert contract.status == ContractStatus.EXTENDED
    assert RenewalDecision.objects.count() == 1  # the new end date is 17 months away
    Contract.objects.filter(pk=contract.pk).update(end_date=today() + relativedelta(months=3))
    contract_renewals_run()
    latest = RenewalDecision.objects.get(status=RenewalDecision.Status.OPEN)
    assert latest.recommendation == RenewalRecommendation.REPROCURE
    assert "No extension option remains." in latest.recommendation_reasons


# --- two runs at once, and a retried run: each decision announced once --------------------


def _renewal_hook(provider):
    from core.models import WebhookEndpoint

    owner = ProviderAdminFactory(provider=provider)
    return WebhookEndpoint.objects.create(
        provider=provider,
        url="https://1.1.1.1/hooks",
        events=["contract.renewal_due"],
        secret="whsec_test",
        created_by=owner,
    )


@pytest.mark.django_db(transaction=True)
def test_a_run_reading_before_another_commits_announces_nothing_the_other_opened():
    """The issue's fault: the second run's query read the contracts before the first run
    committed and locked them just after; its inserts were skipped by the constraint, but its
    emails and contract.renewal_due events went out again, with new event ids."""
    from core.models import WebhookDelivery
    from tests.concurrency import one_run_reads_before_the_other_commits

    commissioner = CommissionerFactory()
    officer = OfficerFactory(commissioner=commissioner)
    contracts = [at_notice_point(commissioner) for _ in range(4)]
    hook = _renewal_hook(contracts[0].provider)
    for contract in contracts[1:]:
        Contract.objects.filter(pk=contract.pk).update(provider=contracts[0].provider)

    errors = one_run_reads_before_the_other_commits(
        "commissioning_contract", lambda: contract_renewals_run(chunk_size=10)
    )

    assert errors == []
    assert RenewalDecision.objects.count() == 4
    body = "".join(OutboxMessage.objects.filter(to=officer.email).values_list("body", flat=True))
    for contract in contracts:
        assert body.count(f"- {contract.title}:") == 1
    announced = [d.payload["data"]["contract"]["id"] for d in hook.deliveries.all()]
    assert sorted(announced) == sorted(c.pk for c in contracts)
    assert WebhookDelivery.objects.values("event_id").distinct().count() == 4
    runs = dict(JobRun.objects.values_list("pk", "rows_processed"))
    assert sum(runs.values()) == 4  # each decision counted by the run that opened it


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("step", ["remind", "escalate"])
def test_a_run_reading_before_another_commits_reminds_and_escalates_once(step):
    from tests.concurrency import one_run_reads_before_the_other_commits

    commissioner = CommissionerFactory()
    officer = OfficerFactory(commissioner=commissioner)
    manager = ManagerFactory(commissioner=commissioner)
    contracts = [at_notice_point(commissioner) for _ in range(3)]
    contract_renewals_run()
    OutboxMessage.objects.all().delete()
    if step == "remind":
        RenewalDecision.objects.update(
            opened_on=today() - timedelta(days=20), due_on=today() + timedelta(days=10)
        )
    else:
        RenewalDecision.objects.update(due_on=today() - timedelta(days=1))

    errors = one_run_reads_before_the_other_commits(
        "commissioning_renewaldecision", lambda: contract_renewals_run(chunk_size=10)
    )

    assert errors == []
    person = officer if step == "remind" else manager
    body = "".join(OutboxMessage.objects.filter(to=person.email).values_list("body", flat=True))
    for contract in contracts:
        assert body.count(f"- {contract.title}:") == 1


def test_the_same_renewal_announced_twice_is_one_delivery_with_one_event_id():
    """A retried task, or a second run, raising contract.renewal_due again for a decision
    already announced queues nothing new: the id comes from the decision's contract and end
    date, and (endpoint, event id) is unique."""
    from core.models import WebhookDelivery
    from core.webhooks import renewals_due_emit

    contract = at_notice_point()
    _renewal_hook(contract.provider)
    contract_renewals_run()
    decision = RenewalDecision.objects.get()

    renewals_due_emit([decision])
    renewals_due_emit([RenewalDecision.objects.get()])

    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["id"] == str(delivery.event_id)


def test_a_retried_run_announces_only_what_the_first_attempt_left(monkeypatch):
    from core.models import WebhookDelivery

    commissioner = CommissionerFactory()
    officer = OfficerFactory(commissioner=commissioner)
    contracts = [at_notice_point(commissioner) for _ in range(4)]
    for contract in contracts:
        _renewal_hook(contract.provider)
    real = renewals.renewals_due_emit
    calls = []

    def dies_on_second_chunk(decisions):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("connection to the broker lost")
        return real(decisions)

    monkeypatch.setattr(renewals, "renewals_due_emit", dies_on_second_chunk)
    with pytest.raises(RuntimeError):
        contract_renewals_run(chunk_size=2)
    monkeypatch.setattr(renewals, "renewals_due_emit", real)

    contract_renewals_run(chunk_size=2)

    body = "".join(OutboxMessage.objects.filter(to=officer.email).values_list("body", flat=True))
    for contract in contracts:
        assert body.count(f"- {contract.title}:") == 1
    announced = sorted(d.payload["data"]["contract"]["id"] for d in WebhookDelivery.objects.all())
    assert announced == sorted(c.pk for c in contracts)
