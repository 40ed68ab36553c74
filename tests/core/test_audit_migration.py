"""Entries chained before the redesign (plain SHA-256, in id order) are verified under the old
rule by the migration and re-chained under the HMAC; a broken old chain stops the migration
rather than be laundered into a valid new one."""

import importlib
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("core", "0005_webhooks")]
AFTER = [("core", "0006_audit_chain")]
migration = importlib.import_module("core.migrations.0006_audit_chain")


def _latest():
    """Every app's last migration: going back to BEFORE also unapplied the core migrations
    beside 0006_audit_chain (and any that follow them), which later tests need."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _old_entries(apps, count=4, break_at=None):
    AuditEntry = apps.get_model("core", "AuditEntry")
    previous = migration.GENESIS_HASH
    for n in range(count):
        entry = AuditEntry(
            occurred_at=timezone.now(),
            actor_label="system",
            action="commissioner.updated",
            object_type="commissioning.CommissionerOrganisation",
            object_id=str(n),
            object_label=f"Council {n}",
            before={},
            after={"n": n},
            previous_hash=previous,
        )
        entry.entry_hash = previous = migration._legacy_hash(entry)
        if n == break_at:
            entry.after = {"n": "edited after writing"}
        entry.save()


def test_an_intact_old_chain_is_re_chained_and_a_broken_one_stops_the_migration(capsys):
    old_schema = _migrate(BEFORE)
    try:
        _old_entries(old_schema, break_at=2)
        with pytest.raises(RuntimeError, match="broken"):
            _migrate(AFTER)
        old_schema.get_model("core", "AuditEntry").objects.all().delete()

        _old_entries(old_schema)
    finally:
        _migrate(AFTER)
        _migrate(_latest())
    call_command("verify_audit_chain", "--no-seal")
    assert "intact (4 entries)" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute("SELECT position, after FROM core_auditentry ORDER BY id")
        rows = cursor.fetchall()
    assert [(p, json.loads(a) if isinstance(a, str) else a) for p, a in rows] == [
        (n + 1, {"n": n}) for n in range(4)
    ]
