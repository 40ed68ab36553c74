"""Sealed bids: encryption at rest under a per-tender key wrapped by a master key.

Each tender gets its own Fernet key when it is published. The database holds that key only
wrapped (encrypted) by the master key, which comes from the environment (BID_MASTER_KEY) and
never from the database. Bid contents and documents are encrypted under the tender's key.

So a database dump, or a stolen backup, reveals no bid's contents; and the application opens
a bid only through `open_bid_contents`, which refuses until the tender's bids were opened
after closing (`Tender.bids_opened_at`). Keep the master key in the deployment's secret store,
apart from the database's backups.

BID_MASTER_KEY may list several keys, newest first: new tender keys are wrapped by the first,
and any of them unwraps. To retire a key, put the new one first, run
`manage.py rotate_bid_master_key` (which re-wraps every tender key under the newest, see
`rewrapper`), then remove the old one.

A master key that is missing, malformed or not the one the tenders' keys were wrapped with
raises `BidKeyUnusable`: pages and the API answer 503 saying so, jobs skip what it cannot
open, `/healthz` reports it (`master_key_problem`) and a Celery worker refuses to start.
"""

import json
from decimal import Decimal

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

from core.errors import DomainError, ServiceUnavailable


class BidsStillSealed(DomainError):
    """Somebody asked for a bid's contents before the tender closed and its bids were opened."""


class BidKeyUnusable(ServiceUnavailable):
    """BID_MASTER_KEY cannot seal or open bids: it is missing, malformed, or not the key the
    tenders' keys were wrapped with. Nothing is lost or revealed, but nothing sealed can be
    read or written until an operator puts the key right.

    `summary` is short and safe to show anyone (/healthz); `detail` adds the likely cause and
    what to do, for the operator (logs, the jobs page, a worker's refusal)."""

    heading = "Sorry, the bids cannot be opened"
    _STATES = {
        "missing": "is not set",
        "malformed": "is not valid",
        "wrong": "is wrong",
    }

    def __init__(self, problem: str, *, summary: str, detail: str):
        super().__init__(
            "The bids cannot be opened because the service's key for sealed bids "
            f"{self._STATES[problem]}. The bids already received are safe and still sealed, "
            "but no bid can be opened, changed or submitted until it is put right. "
            "Try again later.",
            detail=f"{summary}: {detail}",
        )
        self.problem = problem
        self.summary = summary


_WRONG_KEY_CAUSE = (
    "none of its keys is the one they were wrapped with (a database restored without its "
    "key, or an old key removed before `manage.py rotate_bid_master_key` re-wrapped them "
    "under the new one)"
)


def _configured_keys() -> list[str]:
    return [k.strip() for k in settings.BID_MASTER_KEY.split(",") if k.strip()]


def _master() -> MultiFernet:
    keys = _configured_keys()
    if not keys:
        raise BidKeyUnusable(
            "missing",
            summary="BID_MASTER_KEY is not set",
            detail="no bid can be sealed or opened; set it to the key the bids were sealed "
            "with (see the README's configuration table)",
        )
    fernets = []
    for position, key in enumerate(keys, 1):
        try:
            fernets.append(Fernet(key.encode()))
        except ValueError:  # not 32 url-safe base64-encoded bytes (binascii.Error included)
            # The key itself is never repeated: this text reaches logs and /healthz.
            raise BidKeyUnusable(
                "malformed",
                summary="BID_MASTER_KEY is not a valid Fernet key",
                detail=f"key {position} of {len(keys)} is not 32 url-safe base64-encoded bytes",
            ) from None
    return MultiFernet(fernets)


def key_cannot_open(what: str, *, consequence: str = "") -> BidKeyUnusable:
    """The error for a master key that cannot unwrap `what` (e.g. "the sealing key of tender
    CM-T-000012"), with what the caller did about it."""
    return BidKeyUnusable(
        "wrong",
        summary="BID_MASTER_KEY cannot open the sealing keys of the tenders",
        detail=f"it cannot open {what}: {_WRONG_KEY_CAUSE}."
        + (f" {consequence}" if consequence else ""),
    )


def new_wrapped_tender_key() -> bytes:
    """A fresh key for one tender's bids, returned wrapped by the master key."""
    return _master().encrypt(Fernet.generate_key())


def _tender_fernet(tender) -> Fernet:
    wrapped = bytes(tender.sealing_key.wrapped_key)
    try:
        return Fernet(_master().decrypt(wrapped))
    except InvalidToken:
        raise key_cannot_open(f"the sealing key of tender {tender.reference}") from None


def master_key_problem(*, check_tenders: bool = True) -> BidKeyUnusable | None:
    """What is wrong with BID_MASTER_KEY, or None if it can seal and open bids.

    Beyond its form, the key must unwrap the oldest and the newest tender key: the oldest is
    the first stranded when an old master key is removed before rotating, the newest when
    the key was replaced outright (a database restored without its key). A fresh
    installation has no tender key to try, so a well-formed key passes. One query."""
    from .models import Tender, TenderKey

    try:
        master = _master()
    except BidKeyUnusable as problem:
        return problem
    if not check_tenders:
        return None
    columns = ("tender_id", "wrapped_key")
    oldest = TenderKey.objects.order_by("pk").values_list(*columns)[:1]
    newest = TenderKey.objects.order_by("-pk").values_list(*columns)[:1]
    # Two index probes in one statement (an OR of subqueries made a bitmap scan, 6x slower).
    for tender_id, wrapped in oldest.union(newest, all=True):
        try:
            master.decrypt(bytes(wrapped))
        except InvalidToken:
            return key_cannot_open(f"the sealing key of tender {Tender(pk=tender_id).reference}")
    return None


def rewrapper():
    """A function re-wrapping a tender key under the newest master key (the first in
    BID_MASTER_KEY), returning None if it already is; it raises BidKeyUnusable for a key no
    configured master key unwraps. Made once per rotation: the keys are parsed once."""
    master = _master()
    newest = Fernet(_configured_keys()[0].encode())

    def rewrap(wrapped: bytes) -> bytes | None:
        try:
            newest.decrypt(wrapped)
            return None
        except InvalidToken:
            pass
        try:
            return master.rotate(wrapped)
        except InvalidToken:
            raise key_cannot_open("this tender key") from None

    return rewrap


def seal(tender, payload: dict) -> bytes:
    """Encrypts a bid's contents (price, answers, partners) under the tender's key."""
    return _tender_fernet(tender).encrypt(json.dumps(payload, default=str).encode())


def seal_bytes(tender, content: bytes) -> bytes:
    return _tender_fernet(tender).encrypt(content)


def _require_opened(tender) -> None:
    if tender.bids_opened_at is None:
        raise BidsStillSealed(
            "Bids stay sealed until the submission deadline has passed and the tender is closed."
        )


def open_bid_contents(bid) -> dict:
    """The bid's contents, for the panel, once the tender's bids have been opened."""
    _require_opened(bid.tender)
    contents = json.loads(_tender_fernet(bid.tender).decrypt(bytes(bid.sealed_contents)))
    contents["price"] = Decimal(contents["price"])
    return contents


def open_bytes(tender, sealed: bytes) -> bytes:
    _require_opened(tender)
    return _tender_fernet(tender).decrypt(bytes(sealed))


def own_bid_contents(bid, provider) -> dict:
    """The bidder reading back its own bid before the deadline (to check or edit it).

    Only the bidding provider may; the commissioner and staff get BidsStillSealed."""
    if bid.provider_id != provider.pk:
        _require_opened(bid.tender)
    contents = json.loads(_tender_fernet(bid.tender).decrypt(bytes(bid.sealed_contents)))
    contents["price"] = Decimal(contents["price"])
    return contents


def listed(references, *, limit: int = 20) -> str:
    """References for an operator's message, the first `limit` of them."""
    references = list(references)
    shown = ", ".join(references[:limit])
    more = len(references) - limit
    return f"{shown} and {more} more" if more > 0 else shown
