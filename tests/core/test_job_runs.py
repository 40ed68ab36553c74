"""A job whose worker is killed is shown as abandoned, not "running" forever; a daily job whose
beat tick was lost runs on the scheduler's next minute, not the next day."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from dateutil.relativedelta import relativedelta
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from commissioning.models import RenewalDecision
from commissioning.services.renewals import contract_renewals_run
from core.models import JobRun
from core.tasks import heartbeat
from tests.factories import ContractFactory, StaffFactory
from tests.worker import celery_worker, killable_celery_worker, wait_until

LONDON = ZoneInfo("Europe/London")


def at_notice_point():
    today = timezone.localdate()
    return ContractFactory(
        start_date=today - timedelta(days=600),
        end_date=today + relativedelta(months=6, days=-10),
    )


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction pg_stat_activity is read once and kept, unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND wait_event = 'relation' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_run_whose_worker_was_killed_is_marked_abandoned_and_shown(settings, sign_in):
    """The issue's fault: a killed job's run stayed "running" forever."""
    from commissioning.tasks import contract_renewals

    contract = at_notice_point()
    # The job is held mid-run (its query waits for this lock) while its worker is killed.
    with transaction.atomic(), killable_celery_worker() as worker:
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE commissioning_renewaldecision IN ACCESS EXCLUSIVE MODE")
        contract_renewals.apply_async(queue=worker.queue)
        wait_until(_waiting_on_a_lock, message="the job to start and wait", log=worker.log)
        worker.kill()
    run = JobRun.objects.get(job="contract_renewals")
    assert run.status == JobRun.Status.RUNNING

    settings.JOB_RUN_ABANDONED_AFTER_SECONDS = 1
    time.sleep(1.5)
    heartbeat()  # the scheduler's minutely task

    run.refresh_from_db()
    assert run.get_status_display() == "Abandoned"
    assert "its worker stopped" in run.errors
    staff = sign_in(StaffFactory(is_superuser=True))
    page = staff.get(reverse("core:jobs")).text
    assert "Abandoned" in page and "its worker stopped" in page
    assert "Abandoned" in staff.get("/admin/core/jobrun/").text
    # The next run does what the dead one left.
    contract_renewals_run()
    assert RenewalDecision.objects.filter(contract=contract).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_daily_job_whose_tick_was_lost_runs_at_the_schedulers_next_minute():
    """The issue's fault: with the broker down at 02:15, the renewals job waited a day."""
    contract = at_notice_point()
    yesterday = timezone.localdate() - timedelta(days=1)
    started = datetime.combine(yesterday, datetime.min.time(), LONDON).replace(hour=1)
    JobRun.objects.create(
        job="contract_renewals",
        started_at=started,
        finished_at=started + timedelta(minutes=1),
        status=JobRun.Status.SUCCEEDED,
    )

    with celery_worker() as queue:
        heartbeat.apply_async(queue=queue)
        wait_until(
            lambda: RenewalDecision.objects.filter(contract=contract).exists(),
            message="the lost run of the renewals job to be caught up",
        )


@pytest.mark.django_db
def test_a_daily_job_is_not_caught_up_when_its_run_came_is_alive_or_still_in_its_grace():
    from core.jobs import CATCH_UP_GRACE, jobs_catch_up

    schedule = crontab(hour=2, minute=15)
    today = timezone.localdate()
    due = datetime.combine(today, datetime.min.time(), LONDON).replace(hour=2, minute=15)

    def success_at(moment):
        JobRun.objects.all().delete()
        JobRun.objects.create(
            job="contract_renewals",
            started_at=moment,
            finished_at=moment,
            status=JobRun.Status.SUCCEEDED,
        )

    assert next_after(schedule, due - timedelta(days=1)) == due
    success_at(due)  # today's run came
    assert jobs_catch_up(now=due + timedelta(hours=3)) == []
    success_at(due - timedelta(days=1))  # today's has not: within the grace, it may yet
    assert jobs_catch_up(now=due + CATCH_UP_GRACE - timedelta(seconds=1)) == []
    JobRun.objects.create(
        job="contract_renewals", started_at=due, status=JobRun.Status.RUNNING
    )  # late, but alive
    assert jobs_catch_up(now=due + timedelta(hours=3)) == []
    JobRun.objects.all().delete()  # never succeeded: nothing to measure from
    assert jobs_catch_up(now=due + timedelta(hours=3)) == []


def next_after(schedule, moment):
    from core.jobs import next_scheduled_after

    return next_scheduled_after(schedule, moment)


@pytest.mark.django_db
def test_a_run_thought_abandoned_that_shows_life_again_is_running_and_then_finishes(settings):
    from core.jobs import job_run, job_runs_mark_abandoned

    settings.JOB_RUN_ABANDONED_AFTER_SECONDS = 600
    with job_run("contract_reviews") as run:
        JobRun.objects.filter(pk=run.record.pk).update(
            heartbeat_at=timezone.now() - timedelta(minutes=11)
        )
        assert job_runs_mark_abandoned() == 1
        run.add(5)  # a long chunk ends: it was slow, not dead
        assert JobRun.objects.get(pk=run.record.pk).status == JobRun.Status.RUNNING
    finished = JobRun.objects.get(pk=run.record.pk)
    assert (finished.status, finished.rows_processed) == (JobRun.Status.SUCCEEDED, 5)
