"""Sealed bids: encryption at rest under a per-tender key wrapped by a master key.

Each tender gets its own Fernet key when it is published. The database holds that key only
wrapped (encrypted) by the master key, which comes from the environment (BID_MASTER_KEY) and
never from the database. Bid contents and documents are encrypted under the tender's key.

So a database dump, or a stolen backup, reveals no bid's contents; and the application opens
a bid only through `open_bid_contents`, which refuses until the tender's bids were opened
after closing (`Tender.bids_opened_at`). Keep the master key in the deployment's secret store;
rotate it with `MultiFernet` (BID_MASTER_KEY may list several keys, newest first).
"""

import json
from decimal import Decimal

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.errors import DomainError


class BidsStillSealed(DomainError):
    """Somebody asked for a bid's contents before the tender closed and its bids were opened."""


def _master() -> MultiFernet:
    keys = [k.strip() for k in settings.BID_MASTER_KEY.split(",") if k.strip()]
    if not keys:
        raise ImproperlyConfigured("BID_MASTER_KEY is not set: bids cannot be sealed or opened.")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def new_wrapped_tender_key() -> bytes:
    """A fresh key for one tender's bids, returned wrapped by the master key."""
    return _master().encrypt(Fernet.generate_key())


def _tender_fernet(tender) -> Fernet:
    wrapped = bytes(tender.sealing_key.wrapped_key)
    try:
        return Fernet(_master().decrypt(wrapped))
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "BID_MASTER_KEY cannot unwrap this tender's key: is it the key the bids were "
            "sealed with?"
        ) from error


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
