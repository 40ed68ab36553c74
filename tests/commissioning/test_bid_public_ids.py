"""A bidder cannot count other providers' bids from its own bids' ids.

Bids and their documents once took their ids (and the bid's reference, CM-B-000123) from
global sequences: a provider bidding on Monday and again on Friday could subtract one id from
the other and learn how many bids, and documents, others had made in between. Everything a
bidder sees of its bids now names them by random public ids: pages, references, links, form
values, the API's ids and its cursors.
"""

import base64
import re
import uuid
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from commissioning.choices import CriterionKind
from commissioning.models import Bid, BidDocument
from commissioning.services.bids import bid_submit
from tests.factories import ProviderAdminFactory, published_tender

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def answers_for(tender):
    return {str(c.pk): "Our answer" for c in tender.criteria.exclude(kind=CriterionKind.PRICE)}


def bid_with_a_document(lot, actor, name="method-statement.pdf"):
    return bid_submit(
        lot=lot,
        actor=actor,
        price=Decimal("1000"),
        answers=answers_for(lot.tender),
        partners=[],
        documents=[SimpleUploadedFile(name, PDF, content_type="application/pdf")],
    )


@pytest.fixture
def story():
    """A bidder bids on one lot, three other providers bid (each with a document), then the
    bidder bids on the second lot."""
    tender = published_tender(lots=2)
    bidder = ProviderAdminFactory()
    first = bid_with_a_document(tender.lots.get(number=1), bidder, "first.pdf")
    for _ in range(3):
        bid_with_a_document(tender.lots.get(number=1), ProviderAdminFactory())
    second = bid_with_a_document(tender.lots.get(number=2), bidder, "second.pdf")
    # Their sequence ids are 4 apart: what an id-based page would have told the bidder.
    assert second.pk - first.pk == 4
    return SimpleNamespace(tender=tender, bidder=bidder, first=first, second=second)


def sequence_ids() -> set[str]:
    """Every bid and document id that a bidder must never see, as text."""
    ids = set(Bid.objects.values_list("pk", flat=True))
    ids |= set(BidDocument.objects.values_list("pk", flat=True))
    return {str(pk) for pk in ids}


def is_public_id(value) -> bool:
    try:
        return uuid.UUID(str(value)).version == 4
    except ValueError:
        return False


def test_the_api_names_a_bidders_bids_and_documents_by_public_ids_only(api, story):
    api.as_key(story.bidder, "bids:read")

    rows = api.get("/api/v1/bids/").json()["results"]

    assert len(rows) == 2
    for row in rows:
        assert is_public_id(row["id"]), f"the bid's id is {row['id']!r}"
        assert not re.search(r"CM-B-\d+$", row["reference"]), row["reference"]
        for document in row["contents"]["documents"]:
            assert is_public_id(document["id"]), f"a document's id is {document['id']!r}"
    assert {row["id"] for row in rows} == {str(story.first.public_id), str(story.second.public_id)}


def test_the_api_cursor_carries_no_bid_id(api, story):
    api.as_key(story.bidder, "bids:read")

    next_link = api.get("/api/v1/bids/?page_size=1").json()["next"]
    cursor = parse_qs(urlparse(next_link).query)["cursor"][0]
    position = parse_qs(base64.b64decode(cursor + "==").decode())["p"][0]

    assert position not in sequence_ids()


def test_a_bidders_pages_show_no_bid_or_document_id(sign_in, story):
    client = sign_in(story.bidder)
    listing = client.get("/bids/").content.decode()
    # The bidder's way in to its bids: the links on "Your bids", whatever they are made of.
    links = re.findall(r'href="(/bids/[^"]+/)"', listing)
    assert len(links) == 2
    pages = {"your bids": "/bids/", "the tender page": f"/tenders/{story.tender.pk}/"}
    for link in links:
        for page in ("", "submitted/", "change/", "withdraw/"):
            pages[f"{link}{page}"] = f"{link}{page}"
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, f"{name} answered {response.status_code}"
        page = response.content.decode()
        # Links to bids, references, and the change form's document choices.
        shown = re.findall(r'href="/bids/([^/"]+)/', page)
        shown += re.findall(r"CM-B-([0-9A-F-]+)", page)
        shown += re.findall(r'name="remove_documents" value="([^"]+)"', page)
        assert shown, f"{name} shows no bid at all"
        numbers = [value for value in shown if value.isdigit()]
        assert not numbers, f"{name} names bids or documents by number: {numbers}"


def test_a_sequence_id_in_a_bid_url_finds_nothing(sign_in, api, story):
    assert sign_in(story.bidder).get(f"/bids/{story.first.pk}/").status_code == 404
    api.as_key(story.bidder, "bids:read")
    assert api.get(f"/api/v1/bids/{story.first.pk}/").status_code == 404


def test_bids_inserted_without_a_public_id_get_one_of_their_own(story):
    """Rows written by SQL (the migration's existing rows, the benchmark seeders) each get a
    random public id from the column's default, never a shared one."""
    at = timezone.now() - timedelta(hours=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO commissioning_bid (tender_id, lot_id, provider_id, status, "
            "sealed_contents, submitted_by_id, submitted_at, updated_at) "
            "SELECT tender_id, lot_id, provider_id, 'withdrawn', sealed_contents, "
            "submitted_by_id, %s, %s FROM commissioning_bid RETURNING public_id",
            [at, at],
        )
        inserted = [row[0] for row in cursor.fetchall()]
    assert len(set(inserted)) == 5
    assert len(set(Bid.objects.values_list("public_id", flat=True))) == 10
