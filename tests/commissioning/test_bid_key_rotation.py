"""Retiring a bid master key: `manage.py rotate_bid_master_key` re-wraps every tender's key
under the newest master key, so the old one can be removed (README: "Rotating the bid
master key")."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from commissioning import sealing
from commissioning.models import Bid, Tender, TenderKey
from core.models import AuditEntry
from core.selectors import audit_chain_check
from tests.factories import published_tender, sealed_bid, tender_in_evaluation

pytestmark = pytest.mark.django_db


def rotate(*args) -> str:
    out = StringIO()
    call_command("rotate_bid_master_key", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _open_every_bid() -> list:
    """Opens every bid as the platform would: the panel's view once opened, else its
    bidder's own."""
    opened = []
    for bid in Bid.objects.select_related("tender__sealing_key", "provider"):
        if bid.tender.bids_opened_at:
            opened.append(sealing.open_bid_contents(bid))
        else:
            opened.append(sealing.own_bid_contents(bid, bid.provider))
    return opened


@pytest.fixture
def keys(settings):
    """Tenders sealed under the old key: two open for bids, one whose bids were opened."""
    old = settings.BID_MASTER_KEY
    for _ in range(2):
        tender = published_tender(lots=1)
        sealed_bid(lot=tender.lots.get())
    tender_in_evaluation(prices=("80000.00", "90000.00"))
    new = Fernet.generate_key().decode()
    # Step 1 of the procedure: the new key first, the old one still there.
    settings.BID_MASTER_KEY = f"{new},{old}"
    published_tender(lots=1)  # published meanwhile: wrapped under the new key already
    return old, new


def test_after_rotation_the_old_key_opens_nothing_and_the_new_key_everything(settings, keys):
    old, new = keys
    before = _open_every_bid()

    report = rotate("--chunk-size", "2")

    assert "3 re-wrapped under the newest master key, 1 already under it" in report
    settings.BID_MASTER_KEY = new
    assert _open_every_bid() == before
    assert sealing.master_key_problem() is None
    settings.BID_MASTER_KEY = old
    for bid in Bid.objects.select_related("tender__sealing_key", "provider"):
        with pytest.raises(sealing.BidKeyUnusable):
            sealing.own_bid_contents(bid, bid.provider)
    for tender in Tender.objects.select_related("sealing_key"):
        with pytest.raises(sealing.BidKeyUnusable):
            sealing.seal_bytes(tender, b"anything")


def test_rotation_is_idempotent_and_audited(keys):
    rotate()
    wrapped = dict(TenderKey.objects.values_list("pk", "wrapped_key"))

    report = rotate()

    assert "0 re-wrapped under the newest master key, 4 already under it" in report
    assert dict(TenderKey.objects.values_list("pk", "wrapped_key")) == wrapped
    entries = AuditEntry.objects.filter(action="tender.sealing_key_rewrapped")
    assert entries.count() == 3
    assert {e.actor_label for e in entries} == {"rotate_bid_master_key"}
    assert audit_chain_check().intact


def test_check_says_whether_the_old_key_may_be_removed_and_changes_nothing(keys):
    wrapped = dict(TenderKey.objects.values_list("pk", "wrapped_key"))
    with pytest.raises(CommandError, match="3 tender keys are still under an older"):
        rotate("--check")
    assert dict(TenderKey.objects.values_list("pk", "wrapped_key")) == wrapped

    rotate()

    assert "the older keys can now be removed" in rotate("--check")


def test_a_tender_key_no_configured_key_opens_is_named_and_the_rest_are_rotated(settings, keys):
    old, new = keys
    settings.BID_MASTER_KEY = Fernet.generate_key().decode()
    lost = published_tender(lots=1)  # under a key nobody configured any more
    settings.BID_MASTER_KEY = f"{new},{old}"

    with pytest.raises(CommandError) as refused:
        rotate()

    assert lost.reference in str(refused.value)
    settings.BID_MASTER_KEY = new
    for tender in Tender.objects.exclude(pk=lost.pk).select_related("sealing_key"):
        sealing.seal_bytes(tender, b"opens")


def test_a_malformed_key_list_rotates_nothing(settings, keys):
    wrapped = dict(TenderKey.objects.values_list("pk", "wrapped_key"))
    settings.BID_MASTER_KEY = "not-a-key," + settings.BID_MASTER_KEY
    with pytest.raises(CommandError, match="not a valid Fernet key"):
        rotate()
    assert dict(TenderKey.objects.values_list("pk", "wrapped_key")) == wrapped
