from celery import shared_task

from . import services


@shared_task(name="core.tasks.heartbeat", acks_late=True)
def heartbeat() -> None:
    services.heartbeat_record()


@shared_task(name="core.tasks.dispatch_outbox", acks_late=True)
def dispatch_outbox() -> int:
    from .outbox import outbox_dispatch

    return run_recorded_if_busy("dispatch_outbox", outbox_dispatch)


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

    return run_recorded_if_busy("deliver_webhooks", webhooks_deliver)


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
