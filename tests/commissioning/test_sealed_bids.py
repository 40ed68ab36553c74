"""Nobody can read a bid, or tell how many there are, before the tender closes; then the panel
can.

The strongest check here renders every officer, public and dashboard page, and the admin,
as every kind of user before any bid exists and again after bids were submitted, changed and
withdrawn: the pages must be identical. New pages added to those areas are crawled too.
"""

import itertools
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from commissioning import sealing
from commissioning.choices import BidStatus, CriterionKind, TenderStatus
from commissioning.models import Bid, BidDocument, Tender
from commissioning.permissions import bids_visible_to
from commissioning.services.bids import bid_submit, bid_update, bid_withdraw
from commissioning.services.tenders import tender_close
from tests.factories import (
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
    StaffFactory,
    published_tender,
)

pytestmark = pytest.mark.django_db

PRICE = "98765.43"
ANSWER = "Zebra-crossing befriending on Quillfeather Lane"
PARTNER = "Quillfeather Community Allotments"
FILE_NAME = "quillfeather-method-statement.pdf"
FILE_BYTES = b"%PDF-1.4\nSEALED-FILE-MARKER-7731 our staffing model\n%%EOF\n"
BIDDER = "Secretive Bidders Trust"
SECRETS = [PRICE, "98,765.43", ANSWER, PARTNER, FILE_NAME, BIDDER]

# The areas whose pages officers, staff, the public and other providers see.
CRAWLED_NAMESPACES = {
    "core",
    "commissioning",
    "tendering",
    "tenders",
    "clarifications",
    "evaluation",
    "contracts",
}
NOT_CRAWLED = {"core:healthz"}  # reports live ages, and nothing about tenders
ADMIN_PAGES = [
    "/admin/",
    "/admin/commissioning/",
    "/admin/commissioning/bid/",
    "/admin/commissioning/bid/?_facets=1",
    "/admin/commissioning/bid/?status__exact=submitted",
    "/admin/commissioning/tender/",
    "/admin/commissioning/tender/{tender}/change/",
]


class World:
    """A published tender, the people who look at it, and (after `bid()`) three bids."""

    def __init__(self):
        self.tender = published_tender(lots=2)
        self.lot = self.tender.lots.get(number=1)
        self.criterion = self.tender.criteria.exclude(kind=CriterionKind.PRICE).first()
        self.officer = self.tender.created_by
        self.panel_member = self.tender.panel_members.get().user
        self.viewers = {
            "anonymous": None,
            "officer": self.officer,
            "manager": ManagerFactory(commissioner=self.tender.commissioner),
            "panel member": self.panel_member,
            "officer elsewhere": OfficerFactory(),
            "staff": StaffFactory(),
            "another provider": ProviderAdminFactory(),
        }
        self.bidder = ProviderAdminFactory(provider__name=BIDDER)
        self.bids: list[Bid] = []

    def answers(self, text=ANSWER):
        return {
            str(c.pk): f"{text} ({c.title})"
            for c in self.tender.criteria.exclude(kind=CriterionKind.PRICE)
        }

    def bid(self):
        """Bids as providers make them: one with a document and partners, one changed, one
        withdrawn."""
        partner = ProviderFactory(name="Registered Partner CIC")
        sealed = bid_submit(
            lot=self.lot,
            actor=self.bidder,
            price=PRICE,
            answers=self.answers(),
            partners=[
                {"provider_id": partner.pk},
                {"name": PARTNER, "kind": "community group"},
            ],
            documents=[SimpleUploadedFile(FILE_NAME, FILE_BYTES)],
        )
        changer = ProviderAdminFactory()
        changed = bid_submit(
            lot=self.tender.lots.get(number=2),
            actor=changer,
            price="1000",
            answers=self.answers("First thoughts"),
            partners=[],
            documents=[],
        )
        bid_update(bid=changed, actor=changer, price=PRICE, answers=self.answers(), partners=[])
        quitter = ProviderAdminFactory()
        withdrawn = bid_submit(
            lot=self.lot,
            actor=quitter,
            price=PRICE,
            answers=self.answers(),
            partners=[],
            documents=[],
        )
        bid_withdraw(bid=withdrawn, actor=quitter)
        self.bids = [sealed, changed, withdrawn]
        return self.bids


@pytest.fixture
def world():
    return World()


def close_by_the_database_clock(tender):
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=timezone.now() - timedelta(hours=2),
        submission_deadline=timezone.now() - timedelta(minutes=1),
    )
    tender.refresh_from_db()


# --- every page, before and after bidding ---------------------------------------------------


def crawled_routes():
    """(name, kwarg names) of every named page in the crawled areas."""
    routes = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace:
                name = f"{namespace}:{pattern.name}"
                if namespace in CRAWLED_NAMESPACES and name not in NOT_CRAWLED:
                    routes.append((name, list(pattern.pattern.regex.groupindex)))

    walk(get_resolver().url_patterns, None)
    return routes


def kwarg_values(kwarg: str, world: World, bids=()) -> list[int]:
    """Real ids a route's argument might mean; empty when the route is about something this
    story does not have. A bare `pk` is tried as the tender and as its commissioner."""
    if "bid" in kwarg:
        return [bids[0].public_id] if bids else []
    if "lot" in kwarg:
        return [world.lot.pk]
    if "criterion" in kwarg:
        return [world.criterion.pk]
    if kwarg in ("pk", "id"):
        return [world.tender.pk, world.tender.commissioner_id]
    if "tender" in kwarg:
        return [world.tender.pk]
    return []


def crawled_urls(world: World, bids=()):
    """Every crawled page this story can fill in; with `bids`, only those naming a bid."""
    urls = []
    for name, kwargs in crawled_routes():
        if bool(bids) != any("bid" in k for k in kwargs):
            continue
        choices = [kwarg_values(k, world, bids) for k in kwargs]
        for values in itertools.product(*choices):
            url = reverse(name, kwargs=dict(zip(kwargs, values, strict=True)))
            if url not in urls:
                urls.append(url)
    return urls


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def page_as(user, url):
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(url)
    body = CSRF.sub("", response.content.decode(errors="replace"))
    return response.status_code, response.get("Location", ""), body


def snapshot(world: World, urls):
    pages = {}
    for label, user in world.viewers.items():
        for url in urls:
            pages[(label, url)] = page_as(user, url)
    for url in ADMIN_PAGES:
        url = url.format(tender=world.tender.pk)
        pages[("staff", url)] = page_as(world.viewers["staff"], url)
    return pages


def test_no_page_changes_at_all_when_bids_arrive_before_the_deadline(world):
    urls = crawled_urls(world)
    assert reverse("core:dashboard") in urls
    before = snapshot(world, urls)
    world.bid()
    after = snapshot(world, urls)
    changed = [key for key in before if before[key] != after[key]]
    assert not changed, f"these pages changed when bids arrived: {changed}"
    assert "0 bids" in before[("staff", "/admin/commissioning/bid/")][2]


def test_pages_about_one_bid_look_missing_before_the_deadline(world):
    bids = world.bid()
    for url in crawled_urls(world, bids):
        for label, user in world.viewers.items():
            status, _, body = page_as(user, url)
            assert status in (302, 403, 404, 405), f"{url} as {label} answered {status}"
            assert not [s for s in SECRETS if s in body], f"{url} as {label} shows a bid"


def test_admin_shows_neither_a_sealed_bid_nor_how_many_there_are(world):
    bids = world.bid()
    staff = world.viewers["staff"]
    listing = page_as(staff, "/admin/commissioning/bid/")[2]
    assert "0 bids" in listing
    assert BIDDER not in listing
    for bid in bids:
        for page in ("change", "history", "delete"):
            status, _, body = page_as(staff, f"/admin/commissioning/bid/{bid.pk}/{page}/")
            assert status in (302, 403, 404)
            assert not [s for s in SECRETS if s in body]
        client = Client()
        client.force_login(staff, backend="django.contrib.auth.backends.ModelBackend")
        followed = client.get(f"/admin/commissioning/bid/{bid.pk}/change/", follow=True)
        assert "doesn’t exist" in followed.content.decode()


def test_audit_log_hides_bids_from_staff_until_opening_and_never_holds_contents(world):
    from core.models import AuditEntry

    world.bid()
    assert AuditEntry.objects.filter(action="bid.submitted").exists()
    staff_view = page_as(world.viewers["staff"], "/admin/core/auditentry/")[2]
    # Listing the entries would let staff count the bids before the deadline.
    assert "bid.submitted" not in staff_view
    assert not [s for s in SECRETS if s in staff_view]
    for entry in AuditEntry.objects.filter(action="bid.submitted"):
        assert not [s for s in SECRETS if s in str(entry.after) + str(entry.before)]


# --- the provider's own pages ---------------------------------------------------------------


@pytest.mark.parametrize("page", ["", "submitted/", "change/", "withdraw/"])
def test_a_bids_own_pages_look_missing_to_everyone_but_its_provider(world, page):
    sealed = world.bid()[0]
    for label, user in world.viewers.items():
        status, _, body = page_as(user, f"/bids/{sealed.public_id}/{page}")
        expected = 302 if user is None else 404
        assert status == expected, f"{label} got {status}"
        assert not [s for s in SECRETS if s in body]


def test_your_bids_shows_other_providers_nothing(world):
    world.bid()
    page = page_as(world.viewers["another provider"], "/bids/")[2]
    assert world.tender.title not in page


# --- the sealing itself ---------------------------------------------------------------------


def test_contents_cannot_be_opened_before_the_tender_closes(world):
    sealed = world.bid()[0]
    with pytest.raises(sealing.BidsStillSealed):
        sealing.open_bid_contents(sealed)
    with pytest.raises(sealing.BidsStillSealed):
        sealing.open_bytes(world.tender, sealed.documents.get().sealed_content)
    with pytest.raises(sealing.BidsStillSealed):
        sealing.own_bid_contents(sealed, world.viewers["another provider"].provider)


@pytest.mark.parametrize("viewer", ["officer", "manager", "panel member", "staff"])
def test_commissioners_and_staff_see_no_bids_before_closing(world, viewer):
    world.bid()
    assert not bids_visible_to(world.viewers[viewer]).exists()


def test_a_closed_tender_whose_bids_were_not_opened_still_shows_none(world):
    world.bid()
    Tender.objects.filter(pk=world.tender.pk).update(status=TenderStatus.CLOSED)
    for viewer in ("officer", "panel member", "staff"):
        assert not bids_visible_to(world.viewers[viewer]).exists()


def database_dump() -> str:
    """Every row of every table, as PostgreSQL prints it (binary columns in hex)."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            # Table names come from the database's own catalogue, not from a user.
            cursor.execute(f"SELECT t::text FROM {connection.ops.quote_name(table)} t")  # noqa: S608
            rows.extend(row[0] for row in cursor.fetchall())
    return "\n".join(rows)


def test_the_database_holds_no_bid_contents_in_the_clear(world):
    world.bid()
    for bid in Bid.objects.all():
        sealed = bytes(bid.sealed_contents)
        assert PRICE.encode() not in sealed
        assert ANSWER.encode() not in sealed
        assert PARTNER.encode() not in sealed
    document = BidDocument.objects.get()
    for column in (bytes(document.sealed_name), bytes(document.sealed_content)):
        assert FILE_NAME.encode() not in column
        assert b"SEALED-FILE-MARKER" not in column
    dump = database_dump()
    for secret in [PRICE, ANSWER, PARTNER, FILE_NAME, "SEALED-FILE-MARKER"]:
        assert secret not in dump, f"{secret!r} is in the database in the clear"
        assert secret.encode().hex() not in dump, f"{secret!r} is in a binary column"


def test_no_bid_document_is_written_to_the_file_store(world):
    world.bid()
    media = Path(settings.MEDIA_ROOT)
    files = [p for p in media.rglob("*") if p.is_file()] if media.exists() else []
    assert not [p for p in files if FILE_NAME in p.name or b"SEALED-FILE-MARKER" in p.read_bytes()]


# --- after the deadline ---------------------------------------------------------------------


def test_after_closing_the_panel_reads_the_bids_and_prices_are_opened(world):
    sealed, changed, withdrawn = world.bid()
    close_by_the_database_clock(world.tender)
    tender = tender_close(tender=world.tender, actor=None)

    visible = set(bids_visible_to(world.panel_member).values_list("pk", flat=True))
    assert visible == {sealed.pk, changed.pk, withdrawn.pk}
    assert not bids_visible_to(world.viewers["officer elsewhere"]).exists()

    sealed.refresh_from_db()
    changed.refresh_from_db()
    withdrawn.refresh_from_db()
    assert sealed.opened_price == Decimal(PRICE)
    assert changed.opened_price == Decimal(PRICE)  # the changed price, not the first
    assert withdrawn.status == BidStatus.WITHDRAWN
    assert withdrawn.opened_price is None

    contents = sealing.open_bid_contents(sealed)
    assert contents["price"] == Decimal(PRICE)
    assert contents["answers"][str(world.criterion.pk)].startswith(ANSWER)
    assert {"name": PARTNER, "kind": "community group"} in contents["partners"]
    document = sealed.documents.get()
    assert sealing.open_bytes(tender, document.sealed_name) == FILE_NAME.encode()
    assert sealing.open_bytes(tender, document.sealed_content) == FILE_BYTES

    listing = page_as(world.viewers["staff"], "/admin/commissioning/bid/")[2]
    assert "3 bids" in listing
    assert BIDDER in listing
