"""Rotating the bid master key: every tender's sealing key re-wrapped under the newest.

The procedure (README, "Rotating the bid master key"): put the new key first in
BID_MASTER_KEY everywhere and restart, run `manage.py rotate_bid_master_key`, check with
`--check`, then remove the old key. Only the wrapping changes: a tender's own key, and so
every bid and document sealed under it, stays as it is.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction

from core.services import audit_record_many

from .. import sealing
from ..models import TenderKey

ACTOR = "rotate_bid_master_key"


@dataclass
class Rewrapping:
    rewrapped: int = 0
    current: int = 0
    unopened: list[str] = field(default_factory=list)  # tender references

    @property
    def total(self) -> int:
        return self.rewrapped + self.current + len(self.unopened)


def tender_keys_rewrap(*, chunk_size: int = 500, check: bool = False, on_chunk=None) -> Rewrapping:
    """Re-wraps, in id order and one transaction per chunk, every tender key not already
    under the newest master key; each change is audited. Idempotent: a key already under the
    newest is left byte for byte, so a second run (or one resumed after a crash) changes
    nothing it need not. A key that no configured master key opens is counted and named, and
    the others are still rotated. With `check`, counts without writing.

    Raises BidKeyUnusable, before touching anything, if BID_MASTER_KEY is missing or
    malformed."""
    problem = sealing.master_key_problem(check_tenders=False)
    if problem is not None:
        raise problem
    rewrap = sealing.rewrapper()
    result = Rewrapping()
    after = 0
    while True:
        with transaction.atomic():
            rows = (
                TenderKey.objects.filter(pk__gt=after)
                .select_related("tender")
                .only("wrapped_key", "tender__title")
                .order_by("pk")
            )
            if not check:
                # Publishing creates keys but nothing else writes one; the lock keeps two
                # rotations from writing the same row at once.
                rows = rows.select_for_update(of=("self",))
            chunk = list(rows[:chunk_size])
            if not chunk:
                return result
            changed = []
            for key in chunk:
                try:
                    rewrapped = rewrap(bytes(key.wrapped_key))
                except sealing.BidKeyUnusable:
                    result.unopened.append(key.tender.reference)
                    continue
                if rewrapped is None:
                    result.current += 1
                else:
                    key.wrapped_key = rewrapped
                    changed.append(key)
            result.rewrapped += len(changed)
            if changed and not check:
                _update_wrapped_keys(changed)
                audit_record_many(
                    actor=ACTOR,
                    action="tender.sealing_key_rewrapped",
                    changes=[(key.tender, {"under": "the newest master key"}) for key in changed],
                )
            after = chunk[-1].pk
        if on_chunk:
            on_chunk(len(chunk))


def _update_wrapped_keys(keys: list[TenderKey]) -> None:
    """One UPDATE ... FROM (VALUES ...) for the chunk: bulk_update's CASE per row cost two
    thirds of a rotation's time (bench/bench_keys.py)."""
    rows = ", ".join(["(%s, %s::bytea)"] * len(keys))
    params = [value for key in keys for value in (key.pk, key.wrapped_key)]
    table = TenderKey._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS k SET wrapped_key = v.wrapped "  # noqa: S608 - our table's name
            f"FROM (VALUES {rows}) AS v(id, wrapped) WHERE k.id = v.id",
            params,
        )
