"""Recording scheduled jobs' runs, so staff can see what ran, when, and what it did.

    with job_run("contract_renewals") as run:
        for chunk in ...:
            ...
            run.add(len(chunk))

A run that raises is recorded as failed with the error, then the error propagates (so Celery
retries it); the rows it already committed stay committed, chunk by chunk, and the next run
picks up the rest.
"""

import socket
import traceback
from contextlib import contextmanager

from django.utils import timezone

from .models import JobRun


class RunRecorder:
    def __init__(self, record: JobRun):
        self.record = record

    def add(self, rows: int) -> None:
        self.record.rows_processed += rows
        # Saved as it goes, so a run killed halfway still shows how far it got.
        JobRun.objects.filter(pk=self.record.pk).update(rows_processed=self.record.rows_processed)

    @property
    def rows(self) -> int:
        return self.record.rows_processed


@contextmanager
def job_run(job: str):
    record = JobRun.objects.create(
        job=job, started_at=timezone.now(), hostname=socket.gethostname()
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
