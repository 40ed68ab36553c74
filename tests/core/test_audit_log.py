"""The audit log: append-only in the database, chained with a keyed hash, and any tampering is
detected. (Attacks by the database's owner, checkpoints and concurrency have modules of their
own: test_audit_tamper.py, test_audit_checkpoints.py, test_audit_concurrency.py.)"""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, InternalError, connection, transaction

from core.models import GENESIS_HASH, AuditEntry
from core.services import audit_record
from tests.audit import chain, seal_everything
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
    return manager


def test_entries_are_chained_from_the_genesis_hash():
    manager = _record_three_changes()
    seal_everything()
    first, second, third = chain()
    assert [e.position for e in (first, second, third)] == [1, 2, 3]
    assert [e.after["name"] for e in (first, second, third)] == ["New 0", "New 1", "New 2"]
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.entry_hash
    assert third.previous_hash == second.entry_hash
    assert first.actor_label == manager.email


def test_an_entry_is_written_unchained_with_its_transaction_id():
    _record_three_changes()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        this_transaction = cursor.fetchone()[0]
    entries = list(AuditEntry.objects.order_by("id"))
    assert {e.transaction_id for e in entries} == {this_transaction}
    assert {(e.position, e.entry_hash) for e in entries} == {(None, None)}


def test_verify_command_passes_on_an_untouched_log(capsys):
    _record_three_changes()
    call_command("verify_audit_chain")
    assert "intact (3 entries)" in capsys.readouterr().out


def test_database_refuses_to_edit_or_delete_an_entry():
    _record_three_changes()
    entry = AuditEntry.objects.order_by("id").first()
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing.happened")
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.create(
            occurred_at=entry.occurred_at,
            actor_label="forger",
            action="commissioner.updated",
            object_type="x",
            object_id="1",
            position=99,
            entry_hash="f" * 64,
        )


def test_database_refuses_to_edit_a_sealed_entry_even_its_chain():
    _record_three_changes()
    seal_everything()
    entry = chain()[0]
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(entry_hash="0" * 64)
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(after={"name": "Forged"})


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
    _record_three_changes()
    seal_everything()
    entry = chain()[1]
    _as_a_tamperer(
        "UPDATE core_auditentry SET after = %s WHERE id = %s", ['{"name": "Forged"}', entry.pk]
    )
    with pytest.raises(CommandError, match="tampered"):
        call_command("verify_audit_chain")


def test_verify_command_detects_a_deleted_entry():
    _record_three_changes()
    seal_everything()
    entry = chain()[1]
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
    # Adapted: the entry is now held out of the chain until the tender's bids are opened by
    # the service that opens them (it used to be filtered out of the admin by a query).
    from datetime import timedelta

    from django.utils import timezone

    from commissioning.models import Tender
    from commissioning.services.tenders import tender_close
    from tests.factories import StaffFactory, published_tender, sealed_bid

    tender = published_tender(lots=1)
    bid = sealed_bid(lot=tender.lots.get())
    audit_record(actor=None, action="bid.submitted", target=bid)
    seal_everything()
    client.force_login(StaffFactory(), backend="django.contrib.auth.backends.ModelBackend")
    page = client.get("/admin/core/auditentry/").content.decode()
    assert "bid.submitted" not in page
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=timezone.now() - timedelta(hours=2),
        submission_deadline=timezone.now() - timedelta(minutes=1),
    )
    tender_close(tender=Tender.objects.get(pk=tender.pk), actor=None)
    seal_everything()
    assert "bid.submitted" in client.get("/admin/core/auditentry/").content.decode()
