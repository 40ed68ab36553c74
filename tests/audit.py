"""Helpers for tests of the audit log's chain."""

import time

from django.db.models import Exists, OuterRef, Q

from core.models import AuditEntry, AuditHoldRelease
from core.services_audit import audit_seal


def chainable():
    """Entries the sealer will chain once their transactions are over: not held, or released."""
    released = AuditHoldRelease.objects.filter(hold=OuterRef("held_until"))
    return AuditEntry.objects.filter(position__isnull=True).filter(
        Q(held_until="") | Exists(released)
    )


def seal_everything(*, seconds: float = 90) -> None:
    """Runs the sealer until every chainable entry is chained (entries of transactions other
    threads still hold open are chained once those commit)."""
    deadline = time.monotonic() + seconds
    while True:
        audit_seal()
        if not chainable().exists():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"entries still unsealed after {seconds}s: {chainable().count()}")
        time.sleep(0.1)


def chain() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(position__isnull=False).order_by("position"))
