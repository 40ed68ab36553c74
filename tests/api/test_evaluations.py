"""A council's evaluation tool: panel members declare their interests, read the opened bids,
score them and moderate, through the API and under the evaluation pages' rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commissioning.choices import CriterionKind, TenderStatus
from commissioning.models import ModeratedScore, PanelMember, Score, Tender
from commissioning.services.evaluation import conflict_declare, score_record
from commissioning.services.tenders import tender_close
from core.models import AuditEntry
from tests.factories import (
    OfficerFactory,
    ProviderAdminFactory,
    published_tender,
    sealed_bid,
    tender_in_evaluation,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

READ_WRITE = ("evaluations:read", "evaluations:write")


def panel(tender):
    return [m.user for m in PanelMember.objects.filter(tender=tender).order_by("id")]


def criterion(tender, kind=CriterionKind.QUALITY):
    return tender.criteria.get(kind=kind)


def url(tender, rest=""):
    return f"/api/v1/tenders/{tender.pk}/evaluation/{rest}"


def declare(api, tender, **body):
    return api.post(url(tender, "declaration/"), body or {"has_conflict": False}, format="json")


def closed_tender(price="80000.00"):
    """Closed and its bids opened, but evaluation not started."""
    tender = published_tender(lots=1, evaluators=1)
    sealed_bid(lot=tender.lots.get(), price=price)
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=now - timedelta(minutes=2),
        submission_deadline=now - timedelta(minutes=1),
    )
    tender.refresh_from_db()
    return tender_close(tender=tender, actor=tender.created_by)


@pytest.fixture
def evaluation():
    return tender_in_evaluation()


# --- declaring and reading -------------------------------------------------------------------


def test_a_panel_member_sees_the_evaluation_and_must_declare_before_reading_bids(api, evaluation):
    tender, _ = evaluation
    member = panel(tender)[0]
    api.as_key(member, *READ_WRITE)

    response = api.get(url(tender))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "evaluation"
    assert body["you"]["declared_at"] is None
    assert body["may_read_bids"] is False
    assert len(body["panel"]) == 2
    assert {c["kind"] for c in body["criteria"]} == {"price", "quality", "social_value"}

    response = api.get(url(tender, "bids/"))
    assert response.status_code == 403
    assert "Declare whether you have a conflict" in response.json()["detail"]
    assert "80000" not in response.content.decode()


def test_a_member_who_declared_no_conflict_reads_the_opened_bids(api, evaluation):
    tender, (cheaper, dearer) = evaluation
    member = panel(tender)[0]
    api.as_key(member, *READ_WRITE)

    response = declare(api, tender)
    assert response.status_code == 200, response.json()
    assert response.json()["has_conflict"] is False
    assert response.json()["is_you"] is True
    assert AuditEntry.objects.filter(action="tender.interest_declared").count() == 1

    response = api.get(url(tender, "bids/"))
    assert response.status_code == 200
    rows = response.json()["results"]
    # In the order they were submitted, by their public ids.
    assert [row["id"] for row in rows] == [str(cheaper.public_id), str(dearer.public_id)]
    assert [row["contents"]["price"] for row in rows] == ["80000.00", "100000.00"]
    quality = criterion(tender)
    assert rows[0]["contents"]["answers"][str(quality.pk)] == "Our answer to Quality"
    assert rows[0]["provider"]["name"] == cheaper.provider.name
    assert rows[0]["your_scores"] == []

    detail = api.get(url(tender, f"bids/{dearer.public_id}/"))
    assert detail.status_code == 200
    assert detail.json()["contents"]["price"] == "100000.00"
    assert (
        api.get(
            url(tender, f"bids/{dearer.public_id}/"), HTTP_IF_NONE_MATCH=detail["ETag"]
        ).status_code
        == 304
    )


def test_declaring_a_conflict_needs_its_details_and_then_the_bids_stay_closed(api, evaluation):
    tender, (bid, _) = evaluation
    api.as_key(panel(tender)[0], *READ_WRITE)

    response = declare(api, tender, has_conflict=True)
    assert response.status_code == 400
    assert "details" in response.json()["errors"]

    response = declare(api, tender, has_conflict=True, details="My sister runs a bidder")
    assert response.status_code == 200
    assert response.json()["has_conflict"] is True

    response = api.get(url(tender, "bids/"))
    assert response.status_code == 403
    assert "conflict of interest" in response.json()["detail"]
    assert api.get(url(tender, f"bids/{bid.public_id}/")).status_code == 403

    response = declare(api, tender)
    assert response.status_code == 409
    assert "cannot be withdrawn" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "has_conflict"),
        ({"has_conflict": "perhaps"}, "has_conflict"),
        ({"has_conflict": False, "mood": "calm"}, "mood"),
        ({"has_conflict": True, "details": "x" * 10_001}, "details"),
    ],
)
def test_a_bad_declaration_is_a_400_naming_the_field(api, evaluation, body, field):
    tender, _ = evaluation
    api.as_key(panel(tender)[0], *READ_WRITE)

    response = api.post(url(tender, "declaration/"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_before_the_bids_are_opened_nothing_can_be_read_or_declared(api):
    tender = published_tender(lots=1)
    bid = sealed_bid(lot=tender.lots.get(), price="98765.43")
    api.as_key(panel(tender)[0], *READ_WRITE)

    for path in ("bids/", f"bids/{bid.public_id}/", f"bids/{bid.public_id}/scores/"):
        response = api.get(url(tender, path))
        assert response.status_code == 409, path
        assert "Bids stay sealed" in response.json()["detail"]
        assert "98765" not in response.content.decode()

    response = declare(api, tender)
    assert response.status_code == 409
    assert "once the tender has closed" in response.json()["detail"]
    assert "98765" not in api.get(url(tender)).content.decode()


# --- who may ------------------------------------------------------------------------------------


def test_an_officer_of_the_council_not_on_the_panel_is_refused(api, evaluation):
    tender, (bid, _) = evaluation
    api.as_key(OfficerFactory(commissioner=tender.commissioner), *READ_WRITE)

    for path in ("", "bids/", f"bids/{bid.public_id}/", f"bids/{bid.public_id}/scores/"):
        response = api.get(url(tender, path))
        assert response.status_code == 403, path
        assert "evaluation panel" in response.json()["detail"]
    assert declare(api, tender).status_code == 403
    assert "80000" not in api.get(url(tender, "bids/")).content.decode()


@pytest.mark.parametrize("make_user", [OfficerFactory, ProviderAdminFactory])
def test_another_council_and_providers_find_the_evaluation_missing(api, evaluation, make_user):
    tender, (bid, _) = evaluation
    api.as_key(make_user(), *READ_WRITE)

    for path in ("", "bids/", f"bids/{bid.public_id}/", f"bids/{bid.public_id}/scores/"):
        assert api.get(url(tender, path)).status_code == 404, path
    assert declare(api, tender).status_code == 404
    assert api.get(url(Tender(pk=999999))).status_code == 404


def test_anonymous_callers_and_keys_without_the_scope_are_refused(api, evaluation):
    tender, _ = evaluation
    member = panel(tender)[0]
    assert api.get(url(tender)).status_code == 401
    assert declare(api, tender).status_code == 401

    api.as_key(member, "evaluations:read")
    response = declare(api, tender)
    assert response.status_code == 403
    assert "evaluations:write" in response.json()["detail"]

    api.as_key(member, "evaluations:write", "tenders:read")
    assert api.get(url(tender, "bids/")).status_code == 403


# --- scoring and moderating -----------------------------------------------------------------


def test_a_member_scores_a_bid_and_reads_their_own_score_back(api, evaluation):
    tender, (bid, _) = evaluation
    member = panel(tender)[0]
    quality = criterion(tender)
    api.as_key(member, *READ_WRITE)
    declare(api, tender)

    body = {"criterion": quality.pk, "score": 4, "justification": "Clear staffing plan"}
    response = api.post(url(tender, f"bids/{bid.public_id}/scores/"), body, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["score"] == 4
    assert Score.objects.get(bid=bid, evaluator=member).score == 4
    row = api.get(url(tender, f"bids/{bid.public_id}/")).json()
    assert [(s["criterion"], s["score"]) for s in row["your_scores"]] == [(quality.pk, 4)]
    scores = api.get(url(tender, f"bids/{bid.public_id}/scores/")).json()
    assert [(s["evaluator"], s["score"]) for s in scores] == [(member.full_name, 4)]

    body["score"] = 3
    assert (
        api.post(url(tender, f"bids/{bid.public_id}/scores/"), body, format="json").json()["score"]
        == 3
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"score": 6}, "score"),
        ({"score": -1}, "score"),
        ({"score": "four"}, "score"),
        ({"justification": ""}, "justification"),
        ({"criterion": 999999}, "criterion"),
        ({"criterion": 10**30}, "criterion"),
        ({"criterion": "price"}, "criterion"),
        ({"weight": 10}, "weight"),
    ],
)
def test_a_bad_score_is_a_400_naming_the_field(api, evaluation, changes, field):
    tender, (bid, _) = evaluation
    api.as_key(panel(tender)[0], *READ_WRITE)
    declare(api, tender)
    if changes.get("criterion") == "price":
        changes["criterion"] = criterion(tender, CriterionKind.PRICE).pk
    body = {"criterion": criterion(tender).pk, "score": 3, "justification": "Fine", **changes}

    response = api.post(url(tender, f"bids/{bid.public_id}/scores/"), body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Score.objects.exists()


def test_a_criterion_of_another_tender_is_a_400(api, evaluation):
    tender, (bid, _) = evaluation
    other, _ = tender_in_evaluation()
    api.as_key(panel(tender)[0], *READ_WRITE)
    declare(api, tender)

    body = {"criterion": criterion(other).pk, "score": 3, "justification": "Fine"}
    response = api.post(url(tender, f"bids/{bid.public_id}/scores/"), body, format="json")

    assert response.status_code == 400
    assert "criterion" in response.json()["errors"]


def test_another_tenders_bid_looks_missing(api, evaluation):
    tender, _ = evaluation
    _, (other_bid, _) = tender_in_evaluation(commissioner=tender.commissioner)
    api.as_key(panel(tender)[0], *READ_WRITE)
    declare(api, tender)

    assert api.get(url(tender, f"bids/{other_bid.public_id}/")).status_code == 404
    body = {"criterion": criterion(tender).pk, "score": 3, "justification": "Fine"}
    response = api.post(url(tender, f"bids/{other_bid.public_id}/scores/"), body, format="json")
    assert response.status_code == 404


def test_scoring_before_the_evaluation_starts_is_a_409(api):
    tender = closed_tender()
    bid = tender.bids.get()
    api.as_key(panel(tender)[0], *READ_WRITE)
    assert declare(api, tender).status_code == 200
    # The bids were opened at closing: a cleared member may read them, as on the pages.
    assert api.get(url(tender, "bids/")).status_code == 200

    body = {"criterion": criterion(tender).pk, "score": 3, "justification": "Fine"}
    response = api.post(url(tender, f"bids/{bid.public_id}/scores/"), body, format="json")

    assert response.status_code == 409
    assert "only while the tender is in evaluation" in response.json()["detail"]


def test_moderation_waits_for_every_member_then_fixes_the_score(api, evaluation):
    tender, (bid, _) = evaluation
    first, second = panel(tender)
    quality = criterion(tender)
    for member in (first, second):
        conflict_declare(tender=tender, actor=member, has_conflict=False)
    score_record(bid=bid, criterion=quality, actor=first, score=4, justification="Good")
    api.as_key(first, *READ_WRITE)
    body = {"criterion": quality.pk, "score": 4, "rationale": "We agreed on 4"}

    response = api.post(url(tender, f"bids/{bid.public_id}/moderation/"), body, format="json")
    assert response.status_code == 409
    assert "Still to score" in response.json()["detail"]
    assert second.full_name in response.json()["detail"]

    score_record(bid=bid, criterion=quality, actor=second, score=3, justification="Gaps")
    response = api.post(url(tender, f"bids/{bid.public_id}/moderation/"), body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["score"] == 4
    assert response.json()["moderated_by"] == first.full_name
    assert ModeratedScore.objects.get(bid=bid, criterion=quality).score == 4

    row = api.get(url(tender, f"bids/{bid.public_id}/")).json()
    assert [(m["criterion"], m["score"]) for m in row["moderated_scores"]] == [(quality.pk, 4)]

    again = {"criterion": quality.pk, "score": 5, "justification": "Changed my mind"}
    response = api.post(url(tender, f"bids/{bid.public_id}/scores/"), again, format="json")
    assert response.status_code == 409
    assert "already moderated" in response.json()["detail"]


def test_a_bad_moderation_is_a_400(api, evaluation):
    tender, (bid, _) = evaluation
    api.as_key(panel(tender)[0], *READ_WRITE)
    declare(api, tender)

    body = {"criterion": criterion(tender).pk, "score": 9}
    response = api.post(url(tender, f"bids/{bid.public_id}/moderation/"), body, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"score", "rationale"}


# --- performance ------------------------------------------------------------------------------


def test_the_opened_bids_make_the_same_number_of_queries_for_2_and_20(api):
    prices = [f"{80000 + n * 1000}.00" for n in range(22)]
    tender, bids = tender_in_evaluation(prices=prices, evaluators=1)
    member = panel(tender)[0]
    conflict_declare(tender=tender, actor=member, has_conflict=False)
    quality = criterion(tender)
    for bid in bids:
        score_record(bid=bid, criterion=quality, actor=member, score=3, justification="Fine")
    api.as_key(member, "evaluations:read")

    def page(size):
        response = api.get(url(tender, f"bids/?page_size={size}"))
        assert len(response.json()["results"]) == size
        assert all(row["your_scores"] for row in response.json()["results"])

    page(2)  # the key's first use is recorded once
    assert count_queries(page, 2) == count_queries(page, 20)


def test_one_opened_bid_and_the_evaluation_make_a_fixed_number_of_queries(api, evaluation):
    tender, (cheaper, dearer) = evaluation
    member = panel(tender)[0]
    conflict_declare(tender=tender, actor=member, has_conflict=False)
    api.as_key(member, "evaluations:read")

    def get(path):
        assert api.get(url(tender, path)).status_code == 200

    get("")
    assert count_queries(get, f"bids/{cheaper.public_id}/") == count_queries(
        get, f"bids/{dearer.public_id}/"
    )
    assert count_queries(get, "") <= 8


def test_the_bids_filter_by_lot_and_refuse_a_bad_lot(api):
    tender, bids = tender_in_evaluation(lots=2)
    lot_two = tender.lots.get(number=2)
    member = panel(tender)[0]
    conflict_declare(tender=tender, actor=member, has_conflict=False)
    api.as_key(member, "evaluations:read")

    assert api.get(url(tender, f"bids/?lot={lot_two.pk}")).json()["results"] == []
    assert len(api.get(url(tender, f"bids/?lot={bids[0].lot_id}")).json()["results"]) == 2
    response = api.get(url(tender, "bids/?lot=first"))
    assert response.status_code == 400
    assert "lot" in response.json()["errors"]


def test_the_tender_in_the_path_must_be_in_evaluation_for_scores_only(api):
    tender = closed_tender()
    assert tender.status == TenderStatus.CLOSED
    api.as_key(panel(tender)[0], "evaluations:read")
    assert api.get(url(tender)).json()["may_score"] is False


def test_a_huge_tender_or_bid_id_is_a_404(api, evaluation):
    tender, _ = evaluation
    member = panel(tender)[0]
    conflict_declare(tender=tender, actor=member, has_conflict=False)
    api.as_key(member, "evaluations:read")

    assert api.get(f"/api/v1/tenders/{10**30}/evaluation/").status_code == 404
    assert api.get(url(tender, f"bids/{10**30}/")).status_code == 404


def test_a_cleared_member_opens_a_bids_document(api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from commissioning.services.bids import bid_submit
    from commissioning.services.tenders import tender_start_evaluation

    tender = published_tender(lots=1)
    lot = tender.lots.get()
    bidder = ProviderAdminFactory()
    criteria = tender.criteria.exclude(kind=CriterionKind.PRICE)
    pdf = b"%PDF-1.4\nQuillfeather staffing model\n%%EOF\n"
    bid = bid_submit(
        lot=lot,
        actor=bidder,
        price="90000",
        answers={str(c.pk): "Our answer" for c in criteria},
        partners=[],
        documents=[SimpleUploadedFile("staffing.pdf", pdf, content_type="application/pdf")],
    )
    document = bid.documents.get()
    member = panel(tender)[0]
    api.as_key(member, *READ_WRITE)
    path = url(tender, f"bids/{bid.public_id}/documents/{document.public_id}/")

    assert api.get(path).status_code == 409
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=now - timedelta(minutes=2),
        submission_deadline=now - timedelta(minutes=1),
    )
    tender = tender_close(tender=Tender.objects.get(pk=tender.pk), actor=None)
    tender_start_evaluation(tender=tender, actor=tender.created_by)
    assert api.get(path).status_code == 403  # not declared yet
    declare(api, tender)

    response = api.get(path)

    assert response.status_code == 200
    assert response.content == pdf
    assert response["Content-Type"] == "application/pdf"
    assert "staffing.pdf" in response["Content-Disposition"]
    listed = api.get(url(tender, f"bids/{bid.public_id}/")).json()["contents"]["documents"]
    assert [(d["id"], d["name"]) for d in listed] == [(str(document.public_id), "staffing.pdf")]
    assert api.get(url(tender, f"bids/{bid.public_id}/documents/999999/")).status_code == 404
