"""The audit log redesigned: entries written unchained and sealed afterwards with an HMAC,
a head record, signed checkpoints, holds for sealed bids, and triggers that refuse every change
but the sealing itself, and TRUNCATE.

Entries already chained under the old rule (plain SHA-256, in id order) are first verified
under that rule, and only if the whole old chain is intact are they re-chained in the same
order under the HMAC (this needs AUDIT_HMAC_KEY when there are entries). A broken old chain
stops the migration: re-chaining it would launder the tampering. The old guard is dropped
for the re-chaining and replaced by the new triggers in the same transaction, by the owner
that runs migrations.
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

GENESIS_HASH = "0" * 64

DROP_OLD_GUARD = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS core_auditentry_refuse_change();
"""

GUARDS = """
CREATE FUNCTION core_audit_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

-- The test runner empties every table between transactional tests. It may, on a database
-- where the owner set civicmarkets.audit_truncate = 'allowed' for itself (tests/conftest.py
-- does, on the test database only). Nobody but the owner, who could disable the trigger
-- anyway, can use it; the application's role has no TRUNCATE privilege at all.
CREATE FUNCTION core_audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('civicmarkets.audit_truncate', true) = 'allowed'
       AND pg_has_role(current_user,
                       (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: TRUNCATE on % refused', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

-- Entries arrive unchained, stamped with the inserting transaction's id whatever was sent.
CREATE FUNCTION core_auditentry_on_insert() RETURNS trigger AS $$
BEGIN
    IF NEW.position IS NOT NULL OR NEW.entry_hash IS NOT NULL THEN
        RAISE EXCEPTION 'the audit log is append-only: only the sealer chains entries';
    END IF;
    NEW.transaction_id := pg_current_xact_id()::text::bigint;
    NEW.previous_hash := '';
    NEW.key_id := '';
    NEW.sealed_at := NULL;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- The one change allowed: sealing an unsealed entry, which sets the chain's columns and
-- nothing else. DELETE never.
CREATE FUNCTION core_auditentry_append_only() RETURNS trigger AS $$
DECLARE
    chain text[] := ARRAY['position', 'previous_hash', 'entry_hash', 'key_id', 'sealed_at'];
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
    END IF;
    IF OLD.position IS NOT NULL THEN
        RAISE EXCEPTION 'the audit log is append-only: UPDATE of a sealed entry refused';
    END IF;
    IF NEW.position IS NULL OR NEW.entry_hash IS NULL
       OR (to_jsonb(NEW) - chain) IS DISTINCT FROM (to_jsonb(OLD) - chain) THEN
        RAISE EXCEPTION 'the audit log is append-only: an UPDATE may only seal an entry';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_auditentry_insert BEFORE INSERT ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_on_insert();
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only();
CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION core_audit_refuse_truncate();

-- The head only moves forward, and is never removed.
CREATE FUNCTION core_auditchainhead_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.position < OLD.position THEN
        RAISE EXCEPTION 'the audit chain head only moves forward: % refused', TG_OP;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_auditchainhead_forward BEFORE UPDATE OR DELETE ON core_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION core_auditchainhead_forward();
CREATE TRIGGER core_auditchainhead_no_truncate BEFORE TRUNCATE ON core_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION core_audit_refuse_truncate();

CREATE TRIGGER core_auditcheckpoint_append_only BEFORE UPDATE OR DELETE ON core_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION core_audit_refuse();
CREATE TRIGGER core_auditcheckpoint_no_truncate BEFORE TRUNCATE ON core_auditcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION core_audit_refuse_truncate();

CREATE TRIGGER core_auditholdrelease_append_only BEFORE UPDATE OR DELETE ON core_auditholdrelease
    FOR EACH ROW EXECUTE FUNCTION core_audit_refuse();
CREATE TRIGGER core_auditholdrelease_no_truncate BEFORE TRUNCATE ON core_auditholdrelease
    FOR EACH STATEMENT EXECUTE FUNCTION core_audit_refuse_truncate();
"""

REMOVE_GUARDS = """
DROP TRIGGER IF EXISTS core_auditentry_insert ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditchainhead_forward ON core_auditchainhead;
DROP TRIGGER IF EXISTS core_auditchainhead_no_truncate ON core_auditchainhead;
DROP TRIGGER IF EXISTS core_auditcheckpoint_append_only ON core_auditcheckpoint;
DROP TRIGGER IF EXISTS core_auditcheckpoint_no_truncate ON core_auditcheckpoint;
DROP TRIGGER IF EXISTS core_auditholdrelease_append_only ON core_auditholdrelease;
DROP TRIGGER IF EXISTS core_auditholdrelease_no_truncate ON core_auditholdrelease;
DROP FUNCTION IF EXISTS core_auditentry_on_insert();
DROP FUNCTION IF EXISTS core_auditentry_append_only();
DROP FUNCTION IF EXISTS core_auditchainhead_forward();
DROP FUNCTION IF EXISTS core_audit_refuse_truncate();
DROP FUNCTION IF EXISTS core_audit_refuse();
"""


# Frozen copies of the two hashing rules as they stood when this migration was written.


def _legacy_hash(entry) -> str:
    payload = {
        "occurred_at": entry.occurred_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "before": entry.before,
        "after": entry.after,
        "previous_hash": entry.previous_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _keyed_hash(entry, key: bytes) -> str:
    payload = {
        "id": entry.pk,
        "position": entry.position,
        "previous_hash": entry.previous_hash,
        "transaction_id": entry.transaction_id,
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "before": entry.before,
        "after": entry.after,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"civicmarkets audit key id\x00" + key).hexdigest()[:16]


def rechain_legacy_entries(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    entries = list(AuditEntry.objects.order_by("id"))
    if not entries:
        return
    problems, previous = [], GENESIS_HASH
    for entry in entries:
        if entry.previous_hash != previous:
            problems.append(f"entry {entry.pk} does not follow the entry before it")
        if _legacy_hash(entry) != entry.entry_hash:
            problems.append(f"entry {entry.pk} was changed after writing")
        previous = entry.entry_hash
    if problems:
        raise RuntimeError(
            "The audit log's existing chain is broken, so it will not be re-chained under the "
            f"new key (that would hide the tampering): {'; '.join(problems[:10])}. Keep a copy "
            "of the database for investigation before going further."
        )
    keys = [k.strip().encode() for k in settings.AUDIT_HMAC_KEYS if k.strip()]
    if not keys:
        raise RuntimeError(
            f"Set AUDIT_HMAC_KEY before migrating: the {len(entries)} existing audit entries "
            "are re-chained with it."
        )
    key, key_id, now = keys[0], _key_id(keys[0]), timezone.now()
    previous = GENESIS_HASH
    for position, entry in enumerate(entries, start=1):
        entry.position, entry.previous_hash = position, previous
        entry.key_id, entry.sealed_at = key_id, now
        entry.entry_hash = previous = _keyed_hash(entry, key)
    AuditEntry.objects.bulk_update(
        entries, ["position", "previous_hash", "entry_hash", "key_id", "sealed_at"], batch_size=500
    )
    message = f"civicmarkets audit head\n{len(entries)}\n{previous}".encode()
    AuditChainHead.objects.create(
        id=1,
        position=len(entries),
        entry_hash=previous,
        mac=hmac.new(key, message, hashlib.sha256).hexdigest(),
        key_id=key_id,
        updated_at=now,
    )
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_webhooks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, editable=False, primary_key=True, serialize=False)),
                ('position', models.BigIntegerField(default=0)),
                ('entry_hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                ('mac', models.CharField(blank=True, max_length=64)),
                ('key_id', models.CharField(blank=True, max_length=16)),
                ('updated_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.BigIntegerField(unique=True)),
                ('entry_hash', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField()),
                ('issuer', models.CharField(max_length=200)),
                ('key_id', models.CharField(max_length=16)),
                ('signature', models.CharField(max_length=100)),
            ],
            options={
                'ordering': ['-position'],
            },
        ),
        migrations.CreateModel(
            name='AuditHoldRelease',
            fields=[
                ('hold', models.CharField(max_length=100, primary_key=True, serialize=False)),
                ('released_at', models.DateTimeField()),
            ],
        ),
        migrations.AddField(
            model_name='auditentry',
            name='held_until',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=16),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='position',
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='sealed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='transaction_id',
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='entry_hash',
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='previous_hash',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('position__isnull', True)), fields=['transaction_id', 'id'], name='audit_unsealed'),
        ),
        migrations.AddConstraint(
            model_name='auditchainhead',
            constraint=models.CheckConstraint(condition=models.Q(('id', 1)), name='audit_head_one_row'),
        ),
        migrations.RunSQL(DROP_OLD_GUARD, migrations.RunSQL.noop),
        migrations.RunPython(rechain_legacy_entries, migrations.RunPython.noop),
        migrations.RunSQL(GUARDS, REMOVE_GUARDS),
    ]
