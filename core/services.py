"""Platform-wide state changes: the audit log and the heartbeat."""

import socket

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import AuditEntry, Heartbeat


def audit_record(
    *, actor, action: str, target, before: dict | None = None, after: dict | None = None
) -> AuditEntry:
    """Writes an entry to the audit log.

    Call it inside the service's transaction: the entry commits or rolls back with the change
    it describes. It locks nothing, so audited writes never wait for one another: the entry is
    written unchained, with its transaction's id, and the sealer chains it once that
    transaction has committed (`core.services_audit.audit_seal`, every few seconds).
    """
    with transaction.atomic():
        entry = AuditEntry.objects.create(
            **_entry_fields(actor, _actor_label(actor), action, target, timezone.now()),
            before=before or {},
            after=after or {},
        )
        # The change may be an event integrators subscribed to: queued in this transaction.
        from .webhooks import webhooks_on_audit

        webhooks_on_audit(action=action, target=target, after=after)
        return entry


def audit_record_many(*, actor, action: str, changes: list[tuple]) -> list[AuditEntry]:
    """Writes one entry per (target, after) pair, exactly as `audit_record` would one by one,
    in one query however many there are: for jobs that change rows in bulk. PostgreSQL
    numbers the rows in the order given, which is the order the sealer chains them in."""
    if not changes:
        return []
    occurred_at = timezone.now()
    label = _actor_label(actor)
    entries = [
        AuditEntry(
            **_entry_fields(actor, label, action, target, occurred_at),
            before={},
            after=after or {},
        )
        for target, after in changes
    ]
    return AuditEntry.objects.bulk_create(entries)


def _entry_fields(actor, label: str, action: str, target, occurred_at) -> dict:
    # A record whose entries must not be seen yet (a sealed bid) names what releases them.
    hold = getattr(target, "audit_hold", None)
    return {
        "occurred_at": occurred_at,
        "actor": actor if getattr(actor, "pk", None) else None,
        "actor_label": label,
        "action": action,
        "object_type": target._meta.label,
        "object_id": str(target.pk),
        "object_label": str(target)[:255],
        "held_until": hold() if callable(hold) else "",
    }


def _actor_label(actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    label = actor.get_username() or "system"
    from core.api.context import current_api_key

    api_key = current_api_key.get()
    if api_key is not None and api_key.user_id == actor.pk:
        # Changes made through the API say so, and by which key.
        label = f"{label} via API key {api_key.prefix}"
    return label


def heartbeat_record(*, name: str = "celery-beat") -> Heartbeat:
    """Marks that the scheduler and a worker are alive; /healthz reads the age of this."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(name=name).update(
        last_run_at=now, hostname=socket.gethostname(), runs=F("runs") + 1
    )
    if not updated:
        Heartbeat.objects.get_or_create(
            name=name,
            defaults={"last_run_at": now, "hostname": socket.gethostname(), "runs": 1},
        )
    return Heartbeat.objects.get(name=name)


def snapshot(instance, fields) -> dict:
    """The audit log's record of `fields` on `instance`, as JSON-safe values."""
    return {name: _json_safe(getattr(instance, name)) for name in fields}


def _json_safe(value):
    if isinstance(value, (str, int, float, bool, type(None), list, dict)):
        return value
    return str(value)


def record_update(*, policy, model, pk, actor, action_name: str, changes: dict):
    """The shared shape of an audited edit: lock the row, check the policy, validate,
    save, and write the audit entry, all in one transaction."""
    from .errors import DomainError, NotPermitted
    from .permissions import Action

    with transaction.atomic():
        record = model.objects.select_for_update(of=("self",), no_key=True).get(pk=pk)
        if not policy.can(actor, record, Action.CHANGE):
            raise NotPermitted(policy.refusals.get(Action.CHANGE, "You cannot change this."))
        before = snapshot(record, changes)
        for name, value in changes.items():
            setattr(record, name, value)
        try:
            record.full_clean()
        except ValidationError as error:
            raise DomainError(
                "Check the details you entered.", field_errors=error.message_dict
            ) from error
        record.save()
        after = snapshot(record, changes)
        changed = {k: v for k, v in after.items() if before[k] != v}
        if changed:
            audit_record(
                actor=actor,
                action=action_name,
                target=record,
                before={k: before[k] for k in changed},
                after=changed,
            )
        return record


def outbox_enqueue(*, to: str, subject: str, body: str):
    """Queues an email in the caller's transaction; `dispatch_outbox` sends it after commit.

    A failing mail server therefore never fails or undoes the change that asked for the
    email, and an email is never sent for a change that rolled back."""
    from .inputs import single_line
    from .models import OutboxMessage

    # A title with a line break (stored before titles refused them) must not turn the
    # subject into two headers, which no mail server accepts.
    return OutboxMessage.objects.create(
        to=to, subject=single_line(subject)[:255], body=body, next_attempt_at=timezone.now()
    )
