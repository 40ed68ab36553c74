from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="core.tasks.heartbeat", acks_late=True)
def heartbeat() -> None:
    """Every minute: marks the scheduler alive for /healthz, marks runs whose worker died as
    abandoned, and queues the daily jobs whose beat tick was lost (core/jobs.py)."""
    from .jobs import job_runs_mark_abandoned, jobs_catch_up

    services.heartbeat_record()
    job_runs_mark_abandoned()
    jobs_catch_up()


@shared_task(name="core.tasks.dispatch_outbox", acks_late=True)
def dispatch_outbox() -> int:
    from .outbox import outbox_dispatch

    # Half the soft time limit: the run stops claiming batches well before it is told to stop.
    budget = settings.CELERY_TASK_SOFT_TIME_LIMIT / 2
    return run_recorded_if_busy("dispatch_outbox", lambda: outbox_dispatch(time_budget=budget))


# --- recording the minutely jobs --------------------------------------------------------------


def run_recorded_if_busy(job: str, work) -> int:
    """Runs `work()` (returning rows done) inside job_run, keeping the record only if it did
    something or failed: the minutely jobs would otherwise add 1,440 empty runs a day each,
    burying the runs staff need to see."""
    from .jobs import job_run
    from .models import JobRun

    with job_run(job) as run:
        rows = work()
        run.add(rows)
    if not rows:
        JobRun.objects.filter(pk=run.record.pk).delete()
    return rows


@shared_task(name="core.tasks.deliver_webhooks", acks_late=True)
def deliver_webhooks() -> int:
    """Sends due webhook deliveries: every minute from the beat, and kicked after the commit
    that queued them."""
    from .webhooks import webhooks_deliver

    budget = settings.CELERY_TASK_SOFT_TIME_LIMIT / 2
    return run_recorded_if_busy("deliver_webhooks", lambda: webhooks_deliver(time_budget=budget))


# --- the audit log's chain (core/services_audit.py) --------------------------------------------


@shared_task(name="core.tasks.audit_seal", acks_late=True, soft_time_limit=60, time_limit=90)
def audit_seal() -> int:
    """Chains the audit entries of finished transactions: every few seconds from the beat."""
    from .services_audit import audit_seal as seal

    return seal()


@shared_task(
    name="core.tasks.audit_checkpoint", acks_late=True, soft_time_limit=120, time_limit=180
)
def audit_checkpoint() -> int | None:
    """Signs the chain's head as a public checkpoint, when it has moved since the last."""
    from .services_audit import audit_checkpoint_publish

    checkpoint = audit_checkpoint_publish()
    return checkpoint.position if checkpoint else None
