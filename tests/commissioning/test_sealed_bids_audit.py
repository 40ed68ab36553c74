"""The audit log tells staff nothing about sealed bids before closing: no entry, no gap in the
entries' numbers, no link in the chain that skips a hidden entry, no count.

Entries about a bid are written at once (in the bid's transaction) but held out of the chain
until the tender's bids are opened; staff see chained entries only, each named by its place in
the chain, so a bid moves nothing they can see.
"""

import re

import pytest

from commissioning.services.tenders import tender_close
from core.models import AuditEntry
from core.services import audit_record
from core.services_audit import audit_checkpoint_publish
from tests.audit import chain, seal_everything
from tests.commissioning.test_sealed_bids import World, close_by_the_database_clock, page_as
from tests.factories import CommissionerFactory

pytestmark = pytest.mark.django_db

ENTRY_LINK = re.compile(r'href="/admin/core/auditentry/([^/"]+)/change/')


def staff_view(world: World) -> dict:
    """Everything about the audit log staff can see: the admin's list (with its count and
    filters), every entry's page, the chain's positions and links, and the checkpoints."""
    staff = world.viewers["staff"]
    listing = page_as(staff, "/admin/core/auditentry/")
    pages = {"list": listing, "filters": page_as(staff, "/admin/core/auditentry/?_facets=1")}
    for key in dict.fromkeys(ENTRY_LINK.findall(listing[2])):
        pages[key] = page_as(staff, f"/admin/core/auditentry/{key}/change/")
    pages["chain"] = [(e.position, e.previous_hash, e.entry_hash) for e in chain()]
    pages["checkpoints"] = page_as(None, "/audit/checkpoints/")
    pages["checkpoints api"] = page_as(None, "/api/v1/audit/checkpoints/")
    return pages


def something_audited(label: str):
    commissioner = CommissionerFactory()
    audit_record(actor=None, action="commissioner.updated", target=commissioner, after={"n": label})


def test_staff_see_the_same_audit_log_before_and_after_bids_arrive():
    world = World()
    something_audited("before the bids")
    seal_everything()
    audit_checkpoint_publish()
    before = staff_view(world)

    world.bid()  # three bids: one with a document, one changed, one withdrawn
    seal_everything()
    audit_checkpoint_publish()
    after = staff_view(world)

    assert before == after
    assert "bid." not in str(after)
    assert AuditEntry.objects.filter(action__startswith="bid.").count() == 5


def test_the_next_entry_after_hidden_bids_follows_the_last_visible_one():
    # Before: five hidden ids between two visible entries, and a previous_hash pointing at an
    # entry staff could not see, told them three bids and two changes had arrived.
    world = World()
    something_audited("before the bids")
    seal_everything()
    last_before = chain()[-1]
    world.bid()
    something_audited("after the bids")
    seal_everything()

    visible = chain()
    assert [e.action for e in visible[-2:]] == ["commissioner.updated", "commissioner.updated"]
    after = visible[-1]
    assert after.position == last_before.position + 1
    assert after.previous_hash == last_before.entry_hash
    listing = page_as(world.viewers["staff"], "/admin/core/auditentry/")[2]
    linked = list(dict.fromkeys(ENTRY_LINK.findall(listing)))
    assert linked == [str(after.position), str(last_before.position)]


def test_entries_about_bids_join_the_chain_when_the_bids_are_opened():
    world = World()
    world.bid()
    seal_everything()
    assert not [e for e in chain() if e.action.startswith("bid.")]

    close_by_the_database_clock(world.tender)
    tender_close(tender=world.tender, actor=None)
    seal_everything()

    actions = [e.action for e in chain()]
    assert actions.count("bid.submitted") == 3
    assert {"bid.changed", "bid.withdrawn", "tender.bids_opened"} <= set(actions)
    listing = page_as(world.viewers["staff"], "/admin/core/auditentry/")[2]
    assert "bid.submitted" in listing
    from django.core.management import call_command

    call_command("verify_audit_chain", "--no-seal")
