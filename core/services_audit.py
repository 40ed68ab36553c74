"""The audit log's chain: sealing entries, releasing held ones, and signed checkpoints.

`core.services.audit_record` writes entries unchained, in the business transaction, and takes
no lock, so audited writes run side by side. This module chains them afterwards:

- `audit_seal` chains every entry whose transaction has committed. Sealers take a lock of
  their own (`pg_try_advisory_xact_lock`: a second sealer finds it taken and leaves the work to
  the first), read the committed entries not yet chained (an entry of a transaction still
  running is invisible to them, and is chained by a later run once it commits), give each the
  next position and its HMAC, in transaction order and, within a transaction, in the order
  written, and move the head. Entries are chained in the order their transactions commit, to
  within one run of the sealer; a long transaction elsewhere delays nothing but its own
  entries. (Taking only entries older than `pg_snapshot_xmin(pg_current_snapshot())` would
  order the chain strictly by transaction id, but that horizon spans every database on the
  server: one idle transaction anywhere would stop the whole log being sealed.)
- `audit_hold_release` lets entries held out of the chain (about sealed bids) in.
- `audit_checkpoint_publish` signs the head with the checkpoint key, for publication.

The Celery beat runs `audit_seal` every few seconds (`AUDIT_SEAL_INTERVAL_SECONDS`) and
`audit_checkpoint_publish` periodically; `verify_audit_chain` seals before it checks.
"""

import logging
from datetime import UTC

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from . import audit_signing
from .models import GENESIS_HASH, AuditChainHead, AuditCheckpoint, AuditEntry, AuditHoldRelease

logger = logging.getLogger(__name__)

# Names the sealers' own advisory lock (any constant works). Only sealers take it, and only
# for the few milliseconds of a sealing: business transactions never do.
AUDIT_SEAL_LOCK = 7_402_912

SEAL_BATCH = 5000

_UNSEALED_COMMITTED = """
    SELECT e.id
      FROM core_auditentry e
     WHERE e.position IS NULL
       AND (e.held_until = ''
            OR EXISTS (SELECT 1 FROM core_auditholdrelease r WHERE r.hold = e.held_until))
     ORDER BY e.transaction_id, e.id
     LIMIT %s
"""


class AuditChainBroken(Exception):
    """The chain's head does not match its entries: sealing stops rather than extend it."""


def audit_seal(*, batch: int = SEAL_BATCH) -> int:
    """Chains the entries of committed transactions; returns how many it chained.

    Raises ImproperlyConfigured without AUDIT_HMAC_KEY, and AuditChainBroken when the head
    no longer matches the chain (run `verify_audit_chain` to see why)."""
    key_id, key = audit_signing.current_hmac_key()
    sealed = 0
    while True:
        done = _seal_batch(key_id=key_id, key=key, batch=batch)
        sealed += done
        if done < batch:
            return sealed


def _seal_batch(*, key_id: str, key: bytes, batch: int) -> int:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [AUDIT_SEAL_LOCK])
            if not cursor.fetchone()[0]:
                return 0  # another sealer is chaining these entries right now
            cursor.execute(_UNSEALED_COMMITTED, [batch])
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return 0
        head = _locked_head()
        entries = AuditEntry.objects.in_bulk(ids)
        now = timezone.now()
        position, previous = head.position, head.entry_hash
        values = []
        for pk in ids:
            entry = entries[pk]
            position += 1
            entry.position, entry.previous_hash = position, previous
            previous = audit_signing.entry_hash(entry, key)
            values.append((pk, position, entry.previous_hash, previous))
        with connection.cursor() as cursor:
            rows = ", ".join(["(%s::bigint, %s::bigint, %s, %s)"] * len(values))
            cursor.execute(
                f"""
                UPDATE core_auditentry AS e
                   SET position = v.position, previous_hash = v.previous_hash,
                       entry_hash = v.entry_hash, key_id = %s, sealed_at = %s
                  FROM (VALUES {rows}) AS v(id, position, previous_hash, entry_hash)
                 WHERE e.id = v.id
                """,  # noqa: S608 (only placeholders are interpolated)
                [key_id, now, *[value for row in values for value in row]],
            )
        head.position, head.entry_hash = position, previous
        head.mac = audit_signing.head_mac(position, previous, key)
        head.key_id, head.updated_at = key_id, now
        head.save(update_fields=["position", "entry_hash", "mac", "key_id", "updated_at"])
        return len(ids)


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update(of=("self",), no_key=True).filter(pk=1).first()
    if head is None:
        if AuditEntry.objects.filter(position__isnull=False).exists():
            raise AuditChainBroken(
                "The audit chain's head record is missing while sealed entries exist: "
                "run verify_audit_chain."
            )
        head = AuditChainHead.objects.create(pk=1, position=0, entry_hash=GENESIS_HASH)
    last = (
        AuditEntry.objects.filter(position__isnull=False)
        .order_by("-position")
        .values_list("position", "entry_hash")
        .first()
    )
    if (last or (0, GENESIS_HASH)) != (head.position, head.entry_hash):
        raise AuditChainBroken(
            "The audit chain no longer ends where its head says: run verify_audit_chain."
        )
    return head


def audit_hold_release(*, hold: str) -> None:
    """Lets the entries held until `hold` into the chain (the next sealing chains them).

    Call it in the transaction that ends the hold (the tender's bids are opened), so they are
    released exactly when that commits. Releasing twice is harmless."""
    AuditHoldRelease.objects.get_or_create(hold=hold, defaults={"released_at": timezone.now()})


def audit_checkpoint_publish() -> AuditCheckpoint | None:
    """Seals what is settled, then signs the chain's head as a checkpoint, unless the last
    checkpoint already covers it. Returns the new checkpoint, or None."""
    audit_seal()
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None or head.position == 0:
        return None
    last = AuditCheckpoint.objects.order_by("-position").values_list("position", flat=True)
    if last.first() == head.position:
        return None
    created_at = timezone.now().astimezone(UTC).replace(microsecond=0)
    issuer = settings.AUDIT_CHECKPOINT_ISSUER
    key_id, signature = audit_signing.checkpoint_sign(
        issuer=issuer,
        position=head.position,
        entry_hash=head.entry_hash,
        created_at=created_at.isoformat(),
    )
    try:
        with transaction.atomic():
            checkpoint = AuditCheckpoint.objects.create(
                position=head.position,
                entry_hash=head.entry_hash,
                created_at=created_at,
                issuer=issuer,
                key_id=key_id,
                signature=signature,
            )
    except IntegrityError:
        return None  # another worker signed this head at the same moment
    logger.info("audit checkpoint at %s: %s", checkpoint.position, checkpoint.entry_hash)
    return checkpoint
