"""Reading the audit log's chain: the check behind `verify_audit_chain`, and the public list
of checkpoints."""

from dataclasses import dataclass, field
from datetime import UTC

from django.db import connection, transaction
from django.db.models import QuerySet

from . import audit_signing
from .models import GENESIS_HASH, AuditChainHead, AuditCheckpoint, AuditEntry


@dataclass
class ChainCheck:
    entries: int = 0  # chained entries walked
    waiting: int = 0  # written but not chained yet (still settling, or held)
    head_position: int | None = None
    head_hash: str = GENESIS_HASH
    checkpoints: int = 0  # stored checkpoints the chain was compared with
    external: int = 0  # checkpoints from outside the database the chain was compared with
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def checkpoint_as_dict(checkpoint: AuditCheckpoint) -> dict:
    """A checkpoint as it is published (API, page, files auditors keep): every field its
    signature covers, in the exact text that was signed."""
    return {
        "issuer": checkpoint.issuer,
        "position": checkpoint.position,
        "entry_hash": checkpoint.entry_hash,
        "created_at": checkpoint.created_at.astimezone(UTC).isoformat(),
        "key_id": checkpoint.key_id,
        "signature": checkpoint.signature,
    }


def audit_checkpoints() -> QuerySet:
    """Every signed checkpoint, newest first: public, like the keys that verify them."""
    return AuditCheckpoint.objects.order_by("-position")


def audit_chain_check(
    *,
    external_checkpoints: list[dict] = (),
    extra_public_keys: list[str] = (),
    chunk_size: int = 2000,
) -> ChainCheck:
    """Walks the chained entries in order, recomputing every link and keyed hash, then holds
    the chain against its head (an HMAC the sealer keeps: a chain cut short or truncated no
    longer matches it) and against every signed checkpoint, stored or `external_checkpoints`
    (dicts as the API publishes them): a rewrite, even a consistent one, cannot match a
    checkpoint signed before it without the signing key.

    Everything is read from one snapshot (REPEATABLE READ), so a sealer chaining entries
    meanwhile cannot make the walk and the head disagree."""
    if connection.in_atomic_block:
        return _chain_check(external_checkpoints, extra_public_keys, chunk_size)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return _chain_check(external_checkpoints, extra_public_keys, chunk_size)


def _chain_check(external_checkpoints, extra_public_keys, chunk_size) -> ChainCheck:
    check = ChainCheck()
    keys = audit_signing.hmac_keys()
    if not keys:
        check.problems.append("AUDIT_HMAC_KEY is not set: the chain's hashes cannot be checked")
    stored = [checkpoint_as_dict(c) for c in audit_checkpoints()]
    wanted = {int(c["position"]) for c in [*stored, *external_checkpoints] if _is_int(c)}
    hashes_at: dict[int, str] = {}

    expected_position, expected_previous = 1, GENESIS_HASH
    sealed = AuditEntry.objects.filter(position__isnull=False).order_by("position")
    for entry in sealed.iterator(chunk_size=chunk_size):
        check.entries += 1
        if entry.position != expected_position:
            check.problems.append(
                f"entry at position {entry.position}: the chain skips from position "
                f"{expected_position - 1} (entries were removed)"
            )
        if entry.previous_hash != expected_previous:
            check.problems.append(
                f"entry at position {entry.position}: does not follow the entry before it "
                "(an entry was removed, inserted or changed)"
            )
        key = keys.get(entry.key_id)
        if keys and key is None:
            check.problems.append(
                f"entry at position {entry.position}: chained with key {entry.key_id or '?'}, "
                "which is not among the configured AUDIT_HMAC_KEY keys"
            )
        elif key is not None and audit_signing.entry_hash(entry, key) != entry.entry_hash:
            check.problems.append(
                f"entry at position {entry.position}: its contents were changed after sealing"
            )
        if entry.position in wanted:
            hashes_at[entry.position] = entry.entry_hash
        expected_position, expected_previous = entry.position + 1, entry.entry_hash
    last_position = expected_position - 1
    check.head_hash = expected_previous
    check.waiting = AuditEntry.objects.filter(position__isnull=True).count()

    _check_head(check, last_position, expected_previous, keys)
    public_keys = audit_signing.trusted_public_keys()
    for text in extra_public_keys:
        public_keys[audit_signing.public_key_id(text)] = text
    for checkpoint in stored:
        check.checkpoints += 1
        _check_against(check, checkpoint, "stored", public_keys, hashes_at, last_position)
    for checkpoint in external_checkpoints:
        check.external += 1
        _check_against(check, checkpoint, "external", public_keys, hashes_at, last_position)
    return check


def _is_int(checkpoint) -> bool:
    try:
        int(checkpoint["position"])
    except (KeyError, TypeError, ValueError):
        return False
    return True


def _check_head(check: ChainCheck, last_position: int, last_hash: str, keys: dict) -> None:
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None:
        if last_position:
            check.problems.append(
                f"the chain's head record is missing, though {last_position} entries are chained"
            )
        return
    check.head_position = head.position
    if head.position > last_position:
        check.problems.append(
            f"the chain ends at position {last_position} but its head says {head.position}: "
            f"{head.position - last_position} entries at the end were removed"
            + (" (the whole log is gone: truncated?)" if last_position == 0 else "")
        )
    elif (head.position, head.entry_hash) != (last_position, last_hash):
        check.problems.append(
            f"the chain's head (position {head.position}) does not match its last entry "
            f"(position {last_position})"
        )
    key = keys.get(head.key_id)
    moved_without_key = key is None or (
        audit_signing.head_mac(head.position, head.entry_hash, key) != head.mac
    )
    if head.position and keys and moved_without_key:
        check.problems.append(
            "the chain's head record was altered (its HMAC does not match): "
            "someone without the key moved it"
        )


def _check_against(check, checkpoint, kind, public_keys, hashes_at, last_position) -> None:
    where = f"{kind} checkpoint at position {checkpoint.get('position', '?')}"
    problem = audit_signing.checkpoint_signature_problem(checkpoint, public_keys)
    if problem:
        check.problems.append(f"{where}: {problem}")
        return
    position = int(checkpoint["position"])
    if position > last_position:
        check.problems.append(
            f"{where}: the chain has only {last_position} entries, but this checkpoint, signed "
            f"at {checkpoint['created_at']}, recorded {position}: entries were removed"
        )
    elif hashes_at.get(position) != checkpoint["entry_hash"]:
        check.problems.append(
            f"{where}: the chain's entry there no longer has the hash signed at "
            f"{checkpoint['created_at']}: entries up to it were rewritten"
        )
