"""Recording scheduled jobs' runs, so staff can see what ran, when, and what it did.

    with job_run("contract_renewals") as run:
        for chunk in ...:
            ...
            run.add(len(chunk))

A run that raises is recorded as failed with the error, then the error propagates (so Celery
retries it); the rows it already committed stay committed, chunk by chunk, and the next run
picks up the rest.

A run whose worker is killed (or whose machine stops) records nothing more: it shows a sign
of life at its start and after every chunk (`heartbeat_at`, by the database's clock), and one
silent for JOB_RUN_ABANDONED_AFTER_SECONDS is marked abandoned by the scheduler's minutely
heartbeat and by the next run of any job (`job_runs_mark_abandoned`).

A daily job whose beat tick was lost (the broker was down at 02:15, say) would otherwise wait
a day: the minutely heartbeat queues it again once the first scheduled time after its last
success is more than CATCH_UP_GRACE past and no run of it is alive (`jobs_catch_up`).
"""

import logging
import socket
import traceback
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from .dbclock import db_now
from .models import JobRun

logger = logging.getLogger(__name__)

# Beat entries caught up when their tick was lost, and the job name their runs record.
CATCH_UP = {
    "contract-renewals": "contract_renewals",
    "contract-reviews": "contract_reviews",
    "anonymise-complaints": "anonymise_complaints",
}
# How late a scheduled run may start before it counts as lost (a busy worker starts it late).
CATCH_UP_GRACE = timedelta(minutes=10)
# A catch-up is queued at most this often per job, while its last success stays too old.
CATCH_UP_EVERY = timedelta(minutes=30)


class RunRecorder:
    def __init__(self, record: JobRun):
        self.record = record

    def add(self, rows: int) -> None:
        self.record.rows_processed += rows
        # Saved as it goes, so a run killed halfway still shows how far it got; and a sign of
        # life (a run wrongly thought abandoned during a long chunk is running again).
        JobRun.objects.filter(pk=self.record.pk).update(
            rows_processed=self.record.rows_processed,
            heartbeat_at=Now(),
            status=JobRun.Status.RUNNING,
        )

    @property
    def rows(self) -> int:
        return self.record.rows_processed


@contextmanager
def job_run(job: str):
    job_runs_mark_abandoned()
    record = JobRun.objects.create(
        job=job, started_at=timezone.now(), hostname=socket.gethostname(), heartbeat_at=Now()
    )
    recorder = RunRecorder(record)
    try:
        yield recorder
    except BaseException as error:
        JobRun.objects.filter(pk=record.pk).update(
            status=JobRun.Status.FAILED,
            finished_at=timezone.now(),
            errors="".join(traceback.format_exception_only(type(error), error))[:4000],
        )
        raise
    JobRun.objects.filter(pk=record.pk).update(
        status=JobRun.Status.SUCCEEDED, finished_at=timezone.now()
    )


def job_runs_mark_abandoned() -> int:
    """Marks running runs silent for JOB_RUN_ABANDONED_AFTER_SECONDS as abandoned; returns
    how many. Their committed chunks stay; the job's next run does the rest."""
    silent_for = timedelta(seconds=settings.JOB_RUN_ABANDONED_AFTER_SECONDS)
    minutes = max(1, round(silent_for.total_seconds() / 60))
    return JobRun.objects.filter(
        Q(heartbeat_at__lt=Now() - silent_for)
        # Runs recorded before runs had a heartbeat.
        | Q(heartbeat_at__isnull=True, started_at__lt=Now() - silent_for),
        status=JobRun.Status.RUNNING,
    ).update(
        status=JobRun.Status.ABANDONED,
        errors=(
            f"No sign of life for {minutes} minutes: its worker stopped (killed, or its "
            "machine restarted) before the run finished. What it committed stays; the next "
            "run does the rest."
        ),
    )


def next_scheduled_after(schedule, moment: datetime) -> datetime:
    """The first time `schedule` (a Celery crontab) fires after `moment`."""
    start, delta, _now = schedule.remaining_delta(moment, tz=settings.CELERY_TIMEZONE)
    return start + delta


def jobs_catch_up(*, now: datetime | None = None) -> list[str]:
    """Queues each CATCH_UP job whose next run after its last success is overdue by more
    than CATCH_UP_GRACE, when no run of it is alive; returns the jobs queued. A job that has
    never succeeded has nothing to measure from, and waits for its tick."""
    from celery import current_app

    now = now or db_now()
    last_successes = dict(
        JobRun.objects.filter(job__in=CATCH_UP.values(), status=JobRun.Status.SUCCEEDED)
        .order_by("job", "-started_at")
        .distinct("job")
        .values_list("job", "started_at")
    )
    alive = set(
        JobRun.objects.filter(job__in=CATCH_UP.values(), status=JobRun.Status.RUNNING)
        .values_list("job", flat=True)
        .distinct()
    )
    queued = []
    for entry, job in CATCH_UP.items():
        beat = settings.CELERY_BEAT_SCHEDULE.get(entry)
        last = last_successes.get(job)
        if beat is None or last is None or job in alive:
            continue
        due_at = next_scheduled_after(beat["schedule"], last)
        if now < due_at + CATCH_UP_GRACE:
            continue
        if not cache.add(f"jobs:catch-up:{job}", 1, timeout=CATCH_UP_EVERY.total_seconds()):
            continue  # queued a short while ago
        current_app.send_task(beat["task"])
        logger.warning(
            "Catching up %s: its last success started %s, and the run due at %s never came",
            job,
            last.isoformat(),
            due_at.isoformat(),
        )
        queued.append(job)
    return queued
