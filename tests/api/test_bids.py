"""A provider's bid tool submits, reads back, changes and withdraws sealed bids through the
API, under exactly the bid pages' rules; and before the bids are opened no API response to
anyone but the bidding provider holds a bid's price or answers."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.choices import ApiScope
from commissioning import sealing
from commissioning.choices import BidStatus, CriterionKind, TenderStatus
from commissioning.models import Bid, Tender
from core.models import AuditEntry
from providers.choices import VerificationStatus
from tests.factories import (
    BidWriterFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
    StaffFactory,
    published_tender,
    sealed_bid,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

PRICE = "98765.43"
ANSWER = "Zebra-crossing befriending on Quillfeather Lane"
PARTNER = "Quillfeather Community Allotments"
ALL_SCOPES = ApiScope.values


@pytest.fixture
def tender():
    return published_tender(lots=2)


@pytest.fixture
def lot(tender):
    return tender.lots.get(number=1)


@pytest.fixture
def bidder():
    return ProviderAdminFactory(provider__name="Quillfeather Care Trust")


def answers_for(tender, text=ANSWER):
    criteria = tender.criteria.exclude(kind=CriterionKind.PRICE)
    return {str(criterion.pk): f"{text} ({criterion.title})" for criterion in criteria}


def bid_body(lot, **changes):
    body = {
        "lot": lot.pk,
        "price": PRICE,
        "answers": answers_for(lot.tender),
        "partners": [{"name": PARTNER, "kind": "community group"}],
    }
    body.update(changes)
    return body


def submit(api, lot, **changes):
    return api.post("/api/v1/bids/", bid_body(lot, **changes), format="json")


def past_the_deadline(tender):
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=now - timedelta(minutes=2),
        submission_deadline=now - timedelta(minutes=1),
    )


# --- submitting and reading back ----------------------------------------------------------


def test_provider_submits_a_sealed_bid_and_reads_it_back(api, lot, bidder):
    api.as_key(bidder, "bids:read", "bids:write")

    response = submit(api, lot)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["lot"] == {"id": lot.pk, "number": 1, "title": lot.title}
    assert body["tender"]["reference"] == lot.tender.reference
    assert body["can_change"] is True
    assert body["contents"]["price"] == PRICE
    assert body["contents"]["answers"] == answers_for(lot.tender)
    assert body["contents"]["partners"] == [{"name": PARTNER, "kind": "community group"}]

    bid = Bid.objects.get(public_id=body["id"])
    assert body["reference"] == bid.reference
    assert bid.provider == bidder.provider
    assert PRICE.encode() not in bytes(bid.sealed_contents)
    assert sealing.own_bid_contents(bid, bidder.provider)["answers"] == answers_for(lot.tender)
    entry = AuditEntry.objects.get(action="bid.submitted")
    assert "98765" not in json.dumps(entry.after)
    assert entry.actor_label == f"{bidder.email} via API key {api.api_key.prefix}"

    again = api.get(f"/api/v1/bids/{bid.public_id}/")
    assert again.status_code == 200
    assert again.json() == body


def test_a_bid_writer_bids_for_their_organisation_with_a_registered_partner(api, lot):
    writer = BidWriterFactory()
    partner = ProviderFactory(name="Good Neighbours")
    api.as_key(writer, "bids:write")

    response = submit(api, lot, partners=[{"provider_id": partner.pk}])

    assert response.status_code == 201, response.json()
    assert response.json()["contents"]["partners"] == [
        {"provider_id": partner.pk, "name": "Good Neighbours"}
    ]


def test_the_list_shows_only_your_organisations_bids(api, tender, bidder):
    own = [sealed_bid(lot=lot, provider=bidder.provider) for lot in tender.lots.all()]
    sealed_bid(lot=tender.lots.get(number=1))  # another provider's
    colleague = BidWriterFactory(provider=bidder.provider)
    api.as_key(colleague, "bids:read")

    response = api.get("/api/v1/bids/")

    assert response.status_code == 200
    # Newest first.
    assert [row["id"] for row in response.json()["results"]] == [
        str(bid.public_id) for bid in reversed(own)
    ]
    assert all(row["contents"]["price"] == "100000.00" for row in response.json()["results"])


def test_bids_filter_by_tender_lot_status_and_dates(api, tender, bidder):
    first, second = [sealed_bid(lot=lot, provider=bidder.provider) for lot in tender.lots.all()]
    Bid.objects.filter(pk=first.pk).update(
        status=BidStatus.WITHDRAWN, updated_at=timezone.now() - timedelta(days=3)
    )
    elsewhere = sealed_bid(lot=published_tender(lots=1).lots.get(), provider=bidder.provider)
    api.as_key(bidder, "bids:read")

    def ids(query):
        response = api.get(f"/api/v1/bids/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    first, second, elsewhere = (str(bid.public_id) for bid in (first, second, elsewhere))
    assert ids(f"tender={tender.pk}") == {first, second}
    assert ids(f"lot={tender.lots.get(number=2).pk}") == {second}
    assert ids("status=withdrawn") == {first}
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
    assert ids(f"updated_since={since}") == {second, elsewhere}
    assert ids(f"submitted_since={since}") == {first, second, elsewhere}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("updated_since=yesterday", "updated_since"),
        ("submitted_since=2026-13-45", "submitted_since"),
        ("tender=abc", "tender"),
        ("lot=99999999999999999999", "lot"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api, bidder, query, field):
    api.as_key(bidder, "bids:read")

    response = api.get(f"/api/v1/bids/?{query}")

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


# --- changing and withdrawing ---------------------------------------------------------------


def test_provider_changes_the_price_and_keeps_the_other_answers(api, lot, bidder):
    api.as_key(bidder, "bids:read", "bids:write")
    bid_id = submit(api, lot).json()["id"]
    quality = lot.tender.criteria.get(kind=CriterionKind.QUALITY)

    response = api.patch(
        f"/api/v1/bids/{bid_id}/",
        {"price": "90000", "answers": {str(quality.pk): "A better answer"}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    contents = response.json()["contents"]
    assert contents["price"] == "90000.00"
    assert contents["answers"][str(quality.pk)] == "A better answer"
    assert len(contents["answers"]) == 2
    assert contents["partners"] == [{"name": PARTNER, "kind": "community group"}]
    assert AuditEntry.objects.filter(action="bid.changed").count() == 1


def test_provider_withdraws_a_bid_and_cannot_withdraw_or_change_it_again(api, lot, bidder):
    api.as_key(bidder, "bids:read", "bids:write")
    bid_id = submit(api, lot).json()["id"]

    response = api.post(f"/api/v1/bids/{bid_id}/withdraw/")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert response.json()["withdrawn_at"]
    assert response.json()["can_change"] is False

    assert api.post(f"/api/v1/bids/{bid_id}/withdraw/").status_code == 409
    response = api.patch(f"/api/v1/bids/{bid_id}/", {"price": "1.00"}, format="json")
    assert response.status_code == 409
    assert "withdrawn" in response.json()["detail"]
    # A new bid can be made for the lot.
    assert submit(api, lot).status_code == 201


def test_submitting_after_the_deadline_is_a_409_with_the_services_words(api, lot, bidder):
    api.as_key(bidder, "bids:write")
    past_the_deadline(lot.tender)

    response = submit(api, lot)

    assert response.status_code == 409
    assert "submission deadline passed" in response.json()["detail"]
    assert not Bid.objects.exists()


def test_submitting_to_a_closed_tender_is_a_409(api, lot, bidder):
    Tender.objects.filter(pk=lot.tender_id).update(status=TenderStatus.CLOSED)
    api.as_key(bidder, "bids:write")

    response = submit(api, lot)

    assert response.status_code == 409
    assert "This tender is closed" in response.json()["detail"]


def test_a_bid_cannot_be_changed_or_withdrawn_after_the_deadline(api, lot, bidder):
    bid = sealed_bid(lot=lot, provider=bidder.provider)
    past_the_deadline(lot.tender)
    api.as_key(bidder, "bids:write")

    assert (
        api.patch(f"/api/v1/bids/{bid.public_id}/", {"price": "1"}, format="json").status_code
        == 409
    )
    assert api.post(f"/api/v1/bids/{bid.public_id}/withdraw/").status_code == 409
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED


def test_a_second_bid_for_the_same_lot_is_a_409(api, lot, bidder):
    api.as_key(bidder, "bids:write")
    assert submit(api, lot).status_code == 201

    response = submit(api, lot)

    assert response.status_code == 409
    assert "already bid" in response.json()["detail"]


def test_an_unverified_provider_is_told_why_it_cannot_bid(api, lot):
    writer = ProviderAdminFactory(provider__verification_status=VerificationStatus.UNVERIFIED)
    api.as_key(writer, "bids:write")

    response = submit(api, lot)

    assert response.status_code == 400
    assert "not verified yet" in response.json()["detail"]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "price", ["0", "-5", "1000000000000.00", "12.345", "a lot", "NaN", None, [1], "1e400"]
)
def test_a_price_out_of_range_or_not_money_is_a_400(api, lot, bidder, price):
    api.as_key(bidder, "bids:write")

    response = submit(api, lot, price=price)

    assert response.status_code == 400, response.content
    assert "price" in response.json()["errors"]
    assert not Bid.objects.exists()


def test_an_unknown_field_is_a_400_naming_it(api, lot, bidder):
    api.as_key(bidder, "bids:write")

    response = submit(api, lot, colour="blue")

    assert response.status_code == 400
    assert "colour" in response.json()["errors"]


def test_an_answer_to_another_tenders_criterion_is_a_400(api, lot, bidder):
    other = published_tender(lots=1).criteria.get(kind=CriterionKind.QUALITY)
    api.as_key(bidder, "bids:write")

    response = submit(api, lot, answers={**answers_for(lot.tender), str(other.pk): "Sneaky"})

    assert response.status_code == 400
    assert f"answers.{other.pk}" in response.json()["errors"]


def test_each_missing_answer_is_named(api, lot, bidder):
    api.as_key(bidder, "bids:write")
    quality = lot.tender.criteria.get(kind=CriterionKind.QUALITY)
    social = lot.tender.criteria.get(kind=CriterionKind.SOCIAL_VALUE)

    response = submit(api, lot, answers={str(quality.pk): "Only this one"})

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {f"answers.{social.pk}"}


@pytest.mark.parametrize(
    ("partners", "field"),
    [
        ([{"provider_id": 999999}], "partners"),
        ([{"provider_id": 10**30}], "partners"),
        ([{"name": "Youth club", "kind": "gang"}], "partners.0.kind"),
        ([{"name": "Youth club"}], "partners"),
        ([{"provider_id": 1, "name": "Both"}], "partners.0.non_field_errors"),
        ([{"nickname": "x"}], "partners.0.nickname"),
        ("everyone", "partners.non_field_errors"),
    ],
)
def test_bad_partners_are_a_400(api, lot, bidder, partners, field):
    api.as_key(bidder, "bids:write")

    response = submit(api, lot, partners=partners)

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_a_lot_of_a_draft_or_missing_tender_is_a_400(api, bidder):
    draft_lot = published_tender(lots=1).lots.get()
    Tender.objects.filter(pk=draft_lot.tender_id).update(status=TenderStatus.DRAFT)
    api.as_key(bidder, "bids:write")

    for lot_id in (draft_lot.pk, 999999, "one", 10**30, None, {"id": 1}):
        response = api.post("/api/v1/bids/", {**bid_body(draft_lot), "lot": lot_id}, format="json")
        assert response.status_code == 400
        assert "lot" in response.json()["errors"]


def test_malformed_json_is_a_400(api, bidder):
    api.as_key(bidder, "bids:write")

    response = api.post("/api/v1/bids/", "{not json", content_type="application/json")

    assert response.status_code == 400


def test_a_body_that_is_not_an_object_is_a_400(api, bidder):
    api.as_key(bidder, "bids:write")

    response = api.post("/api/v1/bids/", [1, 2], format="json")

    assert response.status_code == 400


# --- who may ---------------------------------------------------------------------------------


def test_anonymous_callers_are_asked_for_a_key(api, lot):
    bid = sealed_bid(lot=lot)
    assert api.get("/api/v1/bids/").status_code == 401
    assert api.get(f"/api/v1/bids/{bid.public_id}/").status_code == 401
    assert submit(api, lot).status_code == 401


def test_a_key_without_the_scope_is_refused(api, lot, bidder):
    bid = sealed_bid(lot=lot, provider=bidder.provider)
    api.as_key(bidder, "bids:read")

    assert submit(api, lot).status_code == 403
    assert api.post(f"/api/v1/bids/{bid.public_id}/withdraw/").status_code == 403
    response = api.patch(f"/api/v1/bids/{bid.public_id}/", {"price": "1"}, format="json")
    assert response.status_code == 403
    assert "bids:write" in response.json()["detail"]

    api.as_key(bidder, "tenders:read")
    assert api.get("/api/v1/bids/").status_code == 403


def test_another_providers_bid_looks_missing(api, lot, bidder):
    bid = sealed_bid(lot=lot, provider=bidder.provider)
    api.as_key(ProviderAdminFactory(), *ALL_SCOPES)

    assert api.get(f"/api/v1/bids/{bid.public_id}/").status_code == 404
    assert (
        api.patch(f"/api/v1/bids/{bid.public_id}/", {"price": "1"}, format="json").status_code
        == 404
    )
    assert api.post(f"/api/v1/bids/{bid.public_id}/withdraw/").status_code == 404
    assert api.get("/api/v1/bids/").json()["results"] == []


def test_officers_cannot_bid_or_list_bids(api, lot):
    api.as_key(OfficerFactory(), *ALL_SCOPES)

    response = submit(api, lot)
    assert response.status_code == 403
    assert "Only a provider's users can bid" in response.json()["detail"]
    assert api.get("/api/v1/bids/").status_code == 403


def test_officers_do_not_read_bids_here_even_after_opening(api, lot):
    from commissioning.services.tenders import tender_close

    bid = sealed_bid(lot=lot, price=PRICE)
    past_the_deadline(lot.tender)
    tender_close(tender=Tender.objects.get(pk=lot.tender_id), actor=None)
    panel_member = lot.tender.panel_members.get().user
    api.as_key(panel_member, *ALL_SCOPES)

    assert api.get("/api/v1/bids/").status_code == 403
    assert api.get(f"/api/v1/bids/{bid.public_id}/").status_code == 404


# --- sealed: nothing leaks before opening -----------------------------------------------------


def _api_paths(resolver=None, prefix=""):
    """Every GET-able API route, as a path template with <name> for each parameter."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_paths(pattern, route)
        elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith("api/"):
            yield route


def _fill(route: str, ids: dict) -> str:
    route = route.lstrip("^").rstrip("$").replace("\\.", ".")
    route = re.sub(r"\(\?P<format>[^)]*\)", "", route)
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(ids.get(m.group(1), ids["pk"])), route)
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), ids["pk"])), route)
    return "/" + route.replace("^", "").replace("$", "")


def test_before_opening_no_api_response_but_the_bidders_holds_a_price_or_answer(api, tender):
    bidder = ProviderAdminFactory(provider__name="Quillfeather Care Trust")
    lot = tender.lots.get(number=1)
    api.as_key(bidder, "bids:write")
    bid_id = submit(api, lot).json()["id"]
    quality = tender.criteria.get(kind=CriterionKind.QUALITY)
    viewers = {
        "the tender's officer": tender.created_by,
        "a panel member": tender.panel_members.get().user,
        "another council's officer": OfficerFactory(),
        "another provider": ProviderAdminFactory(),
        "staff, signed in": StaffFactory(),
        "anonymous": None,
    }
    ids = {
        "pk": bid_id,
        "tender_pk": tender.pk,
        "tender_id": tender.pk,
        "lot_pk": lot.pk,
        "lot_id": lot.pk,
        "bid_pk": bid_id,
        "bid_id": bid_id,
        "criterion_pk": quality.pk,
        "ocid": f"ocds-civicm1-{tender.pk}",
    }
    paths = sorted({_fill(route, ids) for route in _api_paths()})
    paths += [
        f"/api/v1/bids/?tender={tender.pk}",
        f"/api/v1/tenders/{tender.pk}/evaluation/bids/",
        f"/api/v1/tenders/{tender.pk}/evaluation/bids/{bid_id}/",
    ]
    assert f"/api/v1/bids/{bid_id}/" in paths
    api.raise_request_exception = False
    secrets = [PRICE, "98,765.43", ANSWER]
    for who, user in viewers.items():
        api.anonymous()
        if user is not None and user.is_staff:
            api.force_login(user)  # staff have no API keys: the browsable API's session
        elif user is not None:
            api.as_key(user, *ALL_SCOPES)
        for path in paths:
            body = api.get(path).content.decode(errors="replace")
            for secret in secrets:
                assert secret not in body, f"{who} read {secret!r} at {path}"

    api.as_key(bidder, "bids:read")
    assert PRICE in api.get(f"/api/v1/bids/{bid_id}/").content.decode()


# --- performance and caching ---------------------------------------------------------------


def test_the_bid_list_makes_the_same_number_of_queries_for_2_bids_and_20(api, bidder):
    tender = published_tender(lots=22)
    for lot in tender.lots.all():
        sealed_bid(lot=lot, provider=bidder.provider)
    api.as_key(bidder, "bids:read")

    def page(size):
        response = api.get(f"/api/v1/bids/?page_size={size}")
        assert len(response.json()["results"]) == size
        return response

    page(2)  # the key's first use is recorded once
    assert count_queries(page, 2) == count_queries(page, 20)


def test_a_bid_makes_the_same_number_of_queries_whatever_its_contents(api, tender, bidder):
    small = sealed_bid(lot=tender.lots.get(number=1), provider=bidder.provider)
    partners = [{"name": f"Group {n}", "kind": "community group"} for n in range(15)]
    large = sealed_bid(lot=tender.lots.get(number=2), provider=bidder.provider, partners=partners)
    api.as_key(bidder, "bids:read")

    def detail(bid):
        assert api.get(f"/api/v1/bids/{bid.public_id}/").status_code == 200

    detail(small)  # the key's first use is recorded once
    assert count_queries(detail, small) == count_queries(detail, large)


def test_a_bid_answers_a_conditional_get_with_304(api, lot, bidder):
    bid = sealed_bid(lot=lot, provider=bidder.provider)
    api.as_key(bidder, "bids:read")
    first = api.get(f"/api/v1/bids/{bid.public_id}/")

    again = api.get(f"/api/v1/bids/{bid.public_id}/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


@pytest.mark.parametrize(
    "bid_id", ["999999", "abc", str(10**30), "3f9a0c7e-51d2-4b6e-9a41-0d2c7e5f8b13"]
)
def test_a_missing_or_malformed_bid_id_is_a_404(api, bidder, bid_id):
    api.as_key(bidder, "bids:read", "bids:write")

    assert api.get(f"/api/v1/bids/{bid_id}/").status_code == 404
    assert api.post(f"/api/v1/bids/{bid_id}/withdraw/").status_code == 404


# --- documents -------------------------------------------------------------------------------

PDF = b"%PDF-1.4\nOur method statement\n%%EOF\n"


def upload(api, bid_id, name="method-statement.pdf", content=PDF):
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = SimpleUploadedFile(name, content, content_type="application/pdf")
    return api.post(f"/api/v1/bids/{bid_id}/documents/", {"file": document}, format="multipart")


def test_provider_adds_and_removes_a_sealed_document(api, lot, bidder):
    api.as_key(bidder, "bids:read", "bids:write")
    bid_id = submit(api, lot).json()["id"]

    response = upload(api, bid_id)

    assert response.status_code == 201, response.json()
    documents = response.json()["contents"]["documents"]
    assert [(d["name"], d["size"]) for d in documents] == [("method-statement.pdf", len(PDF))]
    bid = Bid.objects.get(public_id=bid_id)
    stored = bid.documents.get()
    assert documents[0]["id"] == str(stored.public_id)
    assert b"method statement" not in bytes(stored.sealed_content)
    assert response.json()["contents"]["price"] == PRICE  # the rest of the bid is kept

    response = api.delete(f"/api/v1/bids/{bid_id}/documents/{stored.public_id}/")
    assert response.status_code == 200
    assert response.json()["contents"]["documents"] == []
    assert not bid.documents.exists()
    assert api.delete(f"/api/v1/bids/{bid_id}/documents/{stored.public_id}/").status_code == 404


def test_a_disguised_or_missing_document_is_a_400(api, lot, bidder):
    api.as_key(bidder, "bids:write")
    bid_id = submit(api, lot).json()["id"]

    response = upload(api, bid_id, name="budget.pdf", content=b"MZ\x90\x00 an executable")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]

    response = api.post(f"/api/v1/bids/{bid_id}/documents/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_documents_cannot_be_added_after_the_deadline_or_to_another_providers_bid(api, lot, bidder):
    bid = sealed_bid(lot=lot, provider=bidder.provider)
    api.as_key(ProviderAdminFactory(), "bids:write")
    assert upload(api, bid.public_id).status_code == 404

    past_the_deadline(lot.tender)
    api.as_key(bidder, "bids:write")
    assert upload(api, bid.public_id).status_code == 409
