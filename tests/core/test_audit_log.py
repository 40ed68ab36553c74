"""The audit log: append-only in the database, and any tampering is detected."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, InternalError, connection, transaction

from core.models import GENESIS_HASH, AuditEntry
from core.services import audit_record
from tests.factories import CommissionerFactory, ManagerFactory

pytestmark = pytest.mark.django_db


def _record_three_changes():
    manager = ManagerFactory()
    for n in range(3):
        audit_record(
            actor=manager,
            action="commissioner.updated",
            target=manager.commissioner,
            before={"name": f"Old {n}"},
            after={"name": f"New {n}"},
        )
    return list(AuditEntry.objects.order_by("id"))


def test_entries_are_chained_from_the_genesis_hash():
    first, second, third = _record_three_changes()
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    assert first.actor_label == first.actor.email


def test_verify_command_passes_on_an_untouched_log(capsys):
    _record_three_changes()
    call_command("verify_audit_chain")
    assert "intact (3 entries)" in capsys.readouterr().out


def test_database_refuses_to_edit_or_delete_an_entry():
    entry = _record_three_changes()[0]
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing.happened")
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def _as_a_tamperer(sql, params):
    """Someone with the database owner's rights switches the guard off and edits the log."""
    with connection.cursor() as cursor:
        # Fire the inserts' deferred foreign-key checks now: PostgreSQL will not alter a
        # table with checks still pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER core_auditentry_append_only")


def test_verify_command_detects_an_edited_entry():
    entry = _record_three_changes()[1]
    _as_a_tamperer(
        "UPDATE core_auditentry SET after = %s WHERE id = %s", ['{"name": "Forged"}', entry.pk]
    )
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit_chain")


def test_verify_command_detects_a_deleted_entry():
    entry = _record_three_changes()[1]
    _as_a_tamperer("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit_chain")


def test_entry_rolls_back_with_the_change_it_describes():
    commissioner = CommissionerFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="commissioner.updated", target=commissioner)
        raise RuntimeError("the change failed after the entry was written")
    assert not AuditEntry.objects.exists()


def test_staff_cannot_count_bids_in_the_audit_log_before_the_deadline(client):
    from tests.factories import StaffFactory, published_tender, sealed_bid

    tender = published_tender(lots=1)
    bid = sealed_bid(lot=tender.lots.get())
    audit_record(actor=None, action="bid.submitted", target=bid)
    client.force_login(StaffFactory(), backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/admin/core/auditentry/").content.decode()
    assert "bid.submitted" not in page
    tender.bids_opened_at = tender.published_at
    tender.save(update_fields=["bids_opened_at"])
    assert "bid.submitted" in client.get("/admin/core/auditentry/").content.decode()
