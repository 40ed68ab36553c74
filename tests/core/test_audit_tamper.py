"""Attacks on the audit log by someone with the database owner's rights, who can switch the
triggers off: each is caught by `verify_audit_chain`.

The attacker knows the code but not the HMAC key (it lives in the environment, never the
database), except in the last tests, where an insider has the HMAC key too but not the
checkpoint signing key: signed checkpoints, kept inside the database and outside it, catch
them.
"""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import InternalError, connection, transaction
from django.test import override_settings

from core import audit_signing
from core.models import AuditEntry
from core.services import audit_record
from core.services_audit import audit_checkpoint_publish
from tests.audit import chain, seal_everything
from tests.factories import ManagerFactory

pytestmark = pytest.mark.django_db

ATTACKER_KEY = "an-attacker-who-read-the-code-guesses-this-key"
AUDIT_TABLES = ("core_auditentry", "core_auditchainhead", "core_auditcheckpoint")


def _audited_changes(count=5):
    manager = ManagerFactory()
    for n in range(count):
        audit_record(
            actor=manager,
            action="commissioner.updated",
            target=manager.commissioner,
            before={"name": f"Old {n}"},
            after={"name": f"New {n}"},
        )
    seal_everything()
    return chain()


def _as_the_owner(*statements):
    """The database owner switches every trigger off for their session and edits freely."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET session_replication_role = replica")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("SET session_replication_role = DEFAULT")


def _verify(*args):
    call_command("verify_audit_chain", "--no-seal", *args)


def _problems(capsys):
    return capsys.readouterr().err


def test_an_untouched_log_verifies():
    _audited_changes()
    audit_checkpoint_publish()
    _verify()


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_the_database_refuses_to_truncate_the_audit_tables(table):
    _audited_changes()
    audit_checkpoint_publish()
    with (
        pytest.raises(InternalError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test database lets its owner truncate (for the test runner's flush); an
        # ordinary session has no such setting.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL civicmarkets.audit_truncate = ''")
        cursor.execute(f"TRUNCATE {table}")


def test_verify_fails_when_the_last_entries_are_deleted(capsys):
    entries = _audited_changes()
    _as_the_owner(
        ("DELETE FROM core_auditentry WHERE id IN %s", [tuple(e.pk for e in entries[-2:])])
    )
    with pytest.raises(CommandError, match="tampered"):
        _verify()
    assert "2 entries at the end were removed" in _problems(capsys)


def test_verify_fails_when_the_head_is_wound_back_with_the_deleted_entries(capsys):
    entries = _audited_changes()
    kept = entries[2]
    _as_the_owner(
        ("DELETE FROM core_auditentry WHERE id IN %s", [tuple(e.pk for e in entries[3:])]),
        (
            "UPDATE core_auditchainhead SET position = %s, entry_hash = %s",
            [kept.position, kept.entry_hash],
        ),
    )
    with pytest.raises(CommandError, match="tampered"):
        _verify()
    assert "head record was altered" in _problems(capsys)


def test_verify_fails_after_the_log_is_truncated(capsys):
    _audited_changes()
    _as_the_owner(("TRUNCATE core_auditentry", []))
    with pytest.raises(CommandError, match="tampered"):
        _verify()
    assert "the whole log is gone" in _problems(capsys)


def _rewrite_from(entries, index, key: bytes):
    """Changes one entry and recomputes every hash after it, and the head, with `key`."""
    statements, previous = [], entries[index - 1].entry_hash
    for n, entry in enumerate(entries[index:]):
        if n == 0:
            entry.after = {"name": "Forged"}
        entry.previous_hash = previous
        entry.entry_hash = previous = audit_signing.entry_hash(entry, key)
        statements.append(
            (
                "UPDATE core_auditentry SET after = %s, previous_hash = %s, entry_hash = %s "
                "WHERE id = %s",
                [json.dumps(entry.after), entry.previous_hash, entry.entry_hash, entry.pk],
            )
        )
    last = entries[-1]
    mac = audit_signing.head_mac(last.position, last.entry_hash, key)
    statements.append(
        ("UPDATE core_auditchainhead SET entry_hash = %s, mac = %s", [last.entry_hash, mac])
    )
    _as_the_owner(*statements)


def test_verify_fails_on_a_consistent_rewrite_without_the_key(capsys):
    entries = _audited_changes()
    _rewrite_from(entries, 2, ATTACKER_KEY.encode())
    with pytest.raises(CommandError, match="tampered"):
        _verify()
    problems = _problems(capsys)
    assert "position 3: its contents were changed" in problems
    assert "head record was altered" in problems


def test_a_rewrite_with_the_stolen_hmac_key_is_caught_by_a_stored_checkpoint(capsys):
    entries = _audited_changes()
    audit_checkpoint_publish()
    _rewrite_from(entries, 2, audit_signing.current_hmac_key()[1])
    with pytest.raises(CommandError, match="tampered"):
        _verify()
    assert "no longer has the hash signed" in _problems(capsys)


def test_a_rewrite_that_also_deletes_the_checkpoints_is_caught_by_a_copy_kept_outside(
    client, tmp_path, capsys
):
    entries = _audited_changes()
    audit_checkpoint_publish()
    kept = tmp_path / "checkpoints.json"
    kept.write_text(client.get("/api/v1/audit/checkpoints/").content.decode())
    _verify("--checkpoints", str(kept))

    _rewrite_from(entries, 2, audit_signing.current_hmac_key()[1])
    _as_the_owner(("DELETE FROM core_auditcheckpoint", []))
    _verify()  # nothing left inside the database disagrees
    with pytest.raises(CommandError, match="tampered"):
        _verify("--checkpoints", str(kept))
    assert "external checkpoint at position 5" in _problems(capsys)


def test_emptying_every_audit_table_is_caught_by_a_copy_kept_outside(client, tmp_path, capsys):
    _audited_changes()
    audit_checkpoint_publish()
    kept = tmp_path / "checkpoints.json"
    kept.write_text(client.get("/api/v1/audit/checkpoints/").content.decode())
    _as_the_owner(*[(f"TRUNCATE {table}", []) for table in AUDIT_TABLES])
    with pytest.raises(CommandError, match="tampered"):
        _verify("--checkpoints", str(kept))
    assert "the chain has only 0 entries" in _problems(capsys)


def test_a_checkpoint_signed_with_another_key_counts_for_nothing(capsys):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    entries = _audited_changes()
    forger = _raw_private_text(Ed25519PrivateKey.generate())
    with override_settings(AUDIT_CHECKPOINT_SIGNING_KEY=forger, AUDIT_CHECKPOINT_TRUSTED_KEYS=[]):
        key_id, signature = audit_signing.checkpoint_sign(
            issuer="http://127.0.0.1:8000",
            position=entries[-1].position,
            entry_hash=entries[-1].entry_hash,
            created_at="2026-01-01T00:00:00+00:00",
        )
    _as_the_owner(
        (
            "INSERT INTO core_auditcheckpoint (position, entry_hash, created_at, issuer, key_id, "
            "signature) VALUES (%s, %s, '2026-01-01T00:00:00+00:00', %s, %s, %s)",
            [
                entries[-1].position,
                entries[-1].entry_hash,
                "http://127.0.0.1:8000",
                key_id,
                signature,
            ],
        )
    )
    with pytest.raises(CommandError, match="tampered"):
        _verify()
    assert "not a trusted checkpoint key" in _problems(capsys)


def _raw_private_text(private) -> str:
    import base64

    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode()


def test_an_altered_checkpoint_fails_its_signature(capsys):
    _audited_changes()
    checkpoint = audit_checkpoint_publish()
    _as_the_owner(("UPDATE core_auditcheckpoint SET position = 4 WHERE id = %s", [checkpoint.pk]))
    with pytest.raises(CommandError, match="tampered"):
        _verify()
    assert "signature does not match" in _problems(capsys)


def test_entries_keep_verifying_after_the_hmac_key_is_rotated(settings):
    entries = _audited_changes(2)
    old = settings.AUDIT_HMAC_KEYS[0]
    settings.AUDIT_HMAC_KEYS = ["a-brand-new-audit-hmac-key-0123456789abcdef", old]
    audit_record(actor=None, action="commissioner.updated", target=entries[0].actor.commissioner)
    seal_everything()
    assert len({e.key_id for e in chain()}) == 2
    _verify()
    settings.AUDIT_HMAC_KEYS = ["a-brand-new-audit-hmac-key-0123456789abcdef"]
    with pytest.raises(CommandError, match="tampered"):
        _verify()
    assert AuditEntry.objects.count() == 3
