"""The application connects as a role that owns no table (`manage.py db_app_role`): it does
all of the application's work, and cannot rewrite, empty or unguard the audit log."""

import secrets
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accountability.services.complaints import complaint_submit
from commissioning.models import Tender
from commissioning.services.bids import bid_submit
from commissioning.services.tenders import tender_close
from core.models import AuditEntry
from core.services_audit import audit_checkpoint_publish
from tests.audit import chain, seal_everything
from tests.factories import ContractFactory, ProviderAdminFactory, published_tender

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def app_role():
    """A role of the application's kind on the test database, removed afterwards (roles are
    server-wide, so its name is unique to this run)."""
    role = f"cm_test_app_{secrets.token_hex(4)}"
    call_command("db_app_role", role, verbosity=0)
    yield role
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")


@contextmanager
def connected_as(role):
    """The test's Django connection, reconnected as `role` for the block."""
    connection.close()
    original = connection.settings_dict["USER"]
    connection.settings_dict["USER"] = role
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["USER"] = original


def _refused(sql, params=()):
    with (
        pytest.raises(DatabaseError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    return str(refused.value)


def test_the_application_role_does_the_work_but_cannot_touch_the_audit_log(app_role):
    contract = ContractFactory()
    lot = published_tender(lots=1).lots.get()
    bidder = ProviderAdminFactory()
    answers = {str(c.pk): "Our answer" for c in lot.tender.criteria.exclude(kind="price")}
    with connected_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role
        # The application's work: a complaint (with its audit entry and emails), a sealed bid
        # (its entry held), closing the tender (which releases it), sealing the audit log,
        # and signing a checkpoint.
        bid_submit(lot=lot, actor=bidder, price="1000", answers=answers, partners=[], documents=[])
        Tender.objects.filter(pk=lot.tender_id).update(
            clarification_deadline=timezone.now() - timedelta(hours=2),
            submission_deadline=timezone.now() - timedelta(minutes=1),
        )
        tender_close(tender=Tender.objects.get(pk=lot.tender_id), actor=None)
        complaint_submit(
            contract=contract, category="quality", description="Nobody came on Tuesday."
        )
        seal_everything()
        assert audit_checkpoint_publish() is not None
        actions = [e.action for e in chain()]
        assert {"bid.submitted", "tender.bids_opened", "complaint.submitted"} <= set(actions)
        entry = chain()[-1]

        # And what it cannot do, even on purpose.
        assert "permission denied" in _refused(
            "UPDATE core_auditentry SET after = '{}' WHERE id = %s", [entry.pk]
        )
        assert "append-only" in _refused(
            "UPDATE core_auditentry SET entry_hash = %s WHERE id = %s", ["0" * 64, entry.pk]
        )
        assert "permission denied" in _refused(
            "DELETE FROM core_auditentry WHERE id = %s", [entry.pk]
        )
        assert "permission denied" in _refused("DELETE FROM core_auditcheckpoint")
        assert "only moves forward" in _refused("UPDATE core_auditchainhead SET position = 0")
        for table in ("core_auditentry", "core_auditchainhead", "core_auditcheckpoint"):
            assert "permission denied" in _refused(f"TRUNCATE {table}")
            assert "owner" in _refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        assert "permission denied" in _refused("SET session_replication_role = replica")
        # The test database's truncate setting does not help a role that is not the owner.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL civicmarkets.audit_truncate = 'allowed'")
        assert "permission denied" in _refused("TRUNCATE core_auditentry")
    assert AuditEntry.objects.filter(action="complaint.submitted").count() == 1
    call_command("verify_audit_chain", "--no-seal", verbosity=0)


@pytest.mark.django_db
def test_the_role_command_refuses_a_superuser():
    with pytest.raises(CommandError, match="superuser"):
        call_command("db_app_role", connection.settings_dict["USER"] or "postgres")


@pytest.mark.django_db
def test_the_role_command_sets_a_password_from_the_environment(monkeypatch):
    # Inside the test's transaction: the role is gone when it rolls back.
    role = f"cm_test_app_{secrets.token_hex(4)}"
    monkeypatch.setenv("TEST_APP_DB_PASSWORD", "s3cret-for-the-test-role")
    call_command("db_app_role", role, "--password-env", "TEST_APP_DB_PASSWORD", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolpassword IS NOT NULL FROM pg_authid WHERE rolname = %s", [role])
        assert cursor.fetchone()[0]
    monkeypatch.setenv("TEST_APP_DB_PASSWORD", "")
    with pytest.raises(CommandError, match="empty or unset"):
        call_command("db_app_role", role, "--password-env", "TEST_APP_DB_PASSWORD")
