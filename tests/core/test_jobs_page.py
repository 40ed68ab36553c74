"""Platform staff see what the scheduled jobs did, and when each last succeeded."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import JobRun, OutboxMessage
from core.tasks import dispatch_outbox
from tests.factories import OfficerFactory, ProviderAdminFactory, StaffFactory
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def a_run(job="contract_renewals", status=JobRun.Status.SUCCEEDED, minutes_ago=10, **fields):
    started = timezone.now() - timedelta(minutes=minutes_ago)
    return JobRun.objects.create(
        job=job,
        started_at=started,
        finished_at=started + timedelta(seconds=3),
        status=status,
        rows_processed=fields.pop("rows_processed", 5),
        **fields,
    )


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("core:jobs"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("user_factory", [OfficerFactory, ProviderAdminFactory])
def test_only_platform_staff_see_the_jobs(sign_in, user_factory):
    assert sign_in(user_factory()).get(reverse("core:jobs")).status_code == 403


def test_staff_see_recent_runs_with_their_errors_and_each_jobs_last_success(sign_in):
    a_run(minutes_ago=60 * 24, rows_processed=7)
    a_run(status=JobRun.Status.FAILED, minutes_ago=5, errors="OperationalError: gone away")
    a_run(job="close_due_tenders", minutes_ago=2, rows_processed=1)

    response = sign_in(StaffFactory()).get(reverse("core:jobs"))

    assert response.status_code == 200
    assert "OperationalError: gone away" in response.text
    assert "Failed" in response.text
    last = {run.job: run for run in response.context["last_successes"]}
    assert last["contract_renewals"].rows_processed == 7
    assert last["close_due_tenders"].rows_processed == 1
    assert response.context["jobs"] == ["close_due_tenders", "contract_renewals"]


def test_staff_filter_runs_by_job(sign_in):
    a_run(job="contract_renewals")
    a_run(job="close_due_tenders")
    response = sign_in(StaffFactory()).get(reverse("core:jobs"), {"job": "close_due_tenders"})
    assert [run.job for run in response.context["runs"]] == ["close_due_tenders"]


def test_the_jobs_page_takes_the_same_queries_for_2_or_20_runs(sign_in):
    client = sign_in(StaffFactory())
    for minutes in range(2):
        a_run(minutes_ago=minutes)
    two = count_queries(client.get, reverse("core:jobs"))
    for minutes in range(2, 20):
        a_run(minutes_ago=minutes)
    twenty = count_queries(client.get, reverse("core:jobs"))
    assert 0 < two == twenty


def test_a_minutely_job_that_found_nothing_leaves_no_run_behind():
    dispatch_outbox()
    assert not JobRun.objects.exists()


def test_a_minutely_job_that_did_work_is_recorded():
    OutboxMessage.objects.create(
        to="pat@example.org", subject="Hello", body="Hello", next_attempt_at=timezone.now()
    )
    dispatch_outbox()
    run = JobRun.objects.get(job="dispatch_outbox")
    assert (run.status, run.rows_processed) == (JobRun.Status.SUCCEEDED, 1)


def test_closing_tenders_and_the_complaints_sweep_are_recorded_only_when_they_did_something():
    from accountability.tasks import complaint_overdue_sweep
    from commissioning.tasks import close_due_tenders

    close_due_tenders()
    complaint_overdue_sweep()
    assert not JobRun.objects.exists()
    assert close_due_tenders.acks_late is True
    assert close_due_tenders.autoretry_for
