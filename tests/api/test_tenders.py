"""An integrator's story with tenders: a transparency site reads what is published, a
council's system drafts and publishes its tenders, a provider's bid tool asks questions, all
under the same rules as the pages."""

import base64
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commissioning.choices import LotReservation, Procedure, TenderStatus
from commissioning.models import Clarification, Lot, PanelMember, Tender
from commissioning.services.tenders import tender_close
from core.models import AuditEntry
from tests.factories import (
    BidWriterFactory,
    ClarificationFactory,
    CpvCodeFactory,
    LotFactory,
    OfficerFactory,
    ProviderAdminFactory,
    StaffFactory,
    TenderFactory,
    published_tender,
    sealed_bid,
)

pytestmark = pytest.mark.django_db

TENDERS = "/api/v1/tenders/"


def detail(tender) -> str:
    return f"{TENDERS}{tender.pk}/"


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def draft_payload(**overrides) -> dict:
    now = timezone.now()
    payload = {
        "title": "Home care in the north of the borough",
        "description": "Personal care and support at home for adults.",
        "main_cpv": CpvCodeFactory().pk,
        "region": "UKD",
        "procedure": Procedure.OPEN,
        "estimated_value": "480000.00",
        "contract_term_months": 36,
        "extension_option_months": [12],
        "clarification_deadline": (now + timedelta(days=30)).isoformat(),
        "submission_deadline": (now + timedelta(days=40)).isoformat(),
    }
    payload.update(overrides)
    return payload


def closed_tender(*, bids: int = 2) -> Tender:
    tender = published_tender(lots=1)
    lot = tender.lots.get()
    for _ in range(bids):
        sealed_bid(lot=lot)
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=now - timedelta(minutes=2),
        submission_deadline=now - timedelta(minutes=1),
    )
    tender.refresh_from_db()
    return tender_close(tender=tender, actor=None)


# --- reading: the public ------------------------------------------------------------------


def test_anyone_reads_published_tenders_with_lots_criteria_and_answers(api):
    tender = published_tender(lots=2)
    Lot.objects.filter(tender=tender, number=2).update(reservation=LotReservation.VCSE)
    answered = ClarificationFactory(tender=tender, answer="Yes.", published_at=timezone.now())
    ClarificationFactory(tender=tender)  # not answered yet: nobody else sees it

    response = api.get(detail(tender))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "published"
    assert body["commissioner"]["name"] == tender.commissioner.name
    assert body["main_cpv"]["code"] == tender.main_cpv.code
    assert [lot["reservation"] for lot in body["lots"]] == ["", "vcse"]
    assert sorted(c["weight"] for c in body["criteria"]) == [10, 40, 50]
    assert body["clarifications"] == [
        {
            "id": answered.pk,
            "question": answered.question,
            "answer": "Yes.",
            "published_at": body["clarifications"][0]["published_at"],
        }
    ]
    assert "asked_by" not in str(body)
    assert body["social_value_exemption_reason"] is None  # the officers' own business


def test_anonymous_client_never_sees_a_draft(api):
    draft = TenderFactory()
    published = published_tender()

    listed = api.get(TENDERS).json()["results"]

    assert [row["id"] for row in listed] == [published.pk]
    response = api.get(detail(draft))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "errors": {}}


def test_a_key_without_tenders_read_cannot_list(api):
    api.as_key(OfficerFactory(), "contracts:read")

    response = api.get(TENDERS)

    assert response.status_code == 403
    assert "tenders:read" in response.json()["detail"]


def test_officers_see_their_own_drafts_but_not_other_councils(api):
    draft = TenderFactory()
    officer = OfficerFactory(commissioner=draft.commissioner)
    other_council = OfficerFactory()

    api.as_key(officer, "tenders:read")
    assert draft.pk in [row["id"] for row in api.get(TENDERS).json()["results"]]
    assert api.get(detail(draft)).json()["status"] == "draft"

    api.as_key(other_council, "tenders:read")
    assert api.get(TENDERS).json()["results"] == []
    assert api.get(detail(draft)).status_code == 404


def test_an_officer_signed_in_sees_drafts_through_the_browsable_api(api):
    draft = TenderFactory()
    api.force_login(OfficerFactory(commissioner=draft.commissioner))

    assert api.get(detail(draft)).status_code == 200


def test_the_number_of_bids_appears_only_after_closing(api):
    open_tender = published_tender(lots=1)
    sealed_bid(lot=open_tender.lots.get())
    closed = closed_tender(bids=2)

    assert api.get(detail(open_tender)).json()["bids_received"] is None
    assert api.get(detail(closed)).json()["bids_received"] == 2
    rows = {row["id"]: row for row in api.get(TENDERS).json()["results"]}
    assert rows[open_tender.pk]["bids_received"] is None
    assert rows[closed.pk]["bids_received"] == 2
    assert "price" not in str(api.get(detail(closed)).json()["lots"])


def test_a_tender_detail_answers_304_when_unchanged(api):
    tender = published_tender()
    first = api.get(detail(tender))
    assert first.status_code == 200

    again = api.get(detail(tender), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""


# --- filters and ordering -----------------------------------------------------------------


def test_filters_narrow_the_list(api):
    social_work = CpvCodeFactory(code="85310000-5", description="Social work services")
    home_care = CpvCodeFactory(code="85311000-2", description="Social work with accommodation")
    cleaning = CpvCodeFactory(code="90910000-9", description="Cleaning services")
    cheap = published_tender(main_cpv=cleaning, estimated_value="20000.00", region="UKC")
    dear = published_tender(main_cpv=home_care, estimated_value="900000.00")
    middle = published_tender(
        main_cpv=social_work, estimated_value="150000.00", procedure=Procedure.LIGHT_TOUCH
    )
    Lot.objects.filter(tender=middle, number=1).update(reservation=LotReservation.SMALL)
    closed = closed_tender(bids=0)

    def ids(**params):
        response = api.get(TENDERS, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {cheap.pk, dear.pk, middle.pk, closed.pk}
    assert ids(status="closed") == {closed.pk}
    assert ids(cpv="853") == {dear.pk, middle.pk, closed.pk}
    assert ids(cpv="85311000-2") == {dear.pk}
    assert ids(region="UKC") == {cheap.pk}
    assert ids(value_min="100000", value_max="500000") == {middle.pk, closed.pk}
    assert ids(procedure="light_touch") == {middle.pk}
    assert ids(reserved="true") == {middle.pk}
    assert ids(commissioner=cheap.commissioner_id) == {cheap.pk}
    soon = (timezone.now() + timedelta(days=1)).isoformat()
    assert ids(deadline_before=soon) == {closed.pk}
    assert ids(deadline_after=soon) == {cheap.pk, dear.pk, middle.pk}
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert ids(updated_since=later) == set()
    assert ids(published_since=later) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"value_min": "abc"}, "value_min"),
        ({"value_max": "-5"}, "value_max"),
        ({"value_max": "1" * 20}, "value_max"),
        ({"status": "nonsense"}, "status"),
        ({"updated_since": "notadate"}, "updated_since"),
        ({"deadline_before": "31/02/2026"}, "deadline_before"),
        ({"cpv": "8"}, "cpv"),
        ({"region": "Narnia"}, "region"),
        ({"reserved": "perhaps"}, "reserved"),
        ({"commissioner": "x"}, "commissioner"),
        ({"page_size": "0"}, "page_size"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_a_bad_filter_value_gets_400_naming_the_field(api, params, field):
    response = api.get(TENDERS, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_ordering_and_cursor_pages_walk_every_tender_once(api):
    tenders = [published_tender(lots=1, estimated_value=f"{n}0000.00") for n in range(1, 6)]

    newest_first = [row["id"] for row in api.get(TENDERS).json()["results"]]
    assert newest_first == [t.pk for t in reversed(tenders)]

    seen, url = [], f"{TENDERS}?ordering=-estimated_value&page_size=2"
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == [t.pk for t in reversed(tenders)]


def test_officers_page_through_drafts_without_dates_in_any_order(api):
    draft = TenderFactory(clarification_deadline=None, submission_deadline=None)
    second_draft = TenderFactory(
        commissioner=draft.commissioner, clarification_deadline=None, submission_deadline=None
    )
    published = published_tender(commissioner=draft.commissioner)
    api.as_key(OfficerFactory(commissioner=draft.commissioner), "tenders:read")

    def walk(order):
        seen, url = [], f"{TENDERS}?ordering={order}&page_size=1"
        while url:
            response = api.get(url)
            assert response.status_code == 200, response.json()
            seen += [row["id"] for row in response.json()["results"]]
            url = response.json()["next"]
        return seen

    assert walk("published_at") == [draft.pk, second_draft.pk, published.pk]
    assert walk("-published_at")[0] == published.pk
    assert walk("submission_deadline") == [published.pk, draft.pk, second_draft.pk]


@pytest.mark.parametrize("ordering", ["", "published_at", "estimated_value"])
def test_a_tampered_cursor_gets_400(api, ordering):
    published_tender()
    cursor = base64.b64encode(b"p=abc").decode()

    response = api.get(TENDERS, {"cursor": cursor, "ordering": ordering})

    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_an_unknown_ordering_is_refused_naming_the_choices(api):
    published_tender()

    response = api.get(TENDERS, {"ordering": "description"})

    assert response.status_code == 400
    assert "published_at" in response.json()["errors"]["ordering"][0]


def test_list_items_are_the_summary_the_schema_describes_and_link_to_the_full_record(api):
    from commissioning.api.serializers_tenders import TenderListItemSerializer

    tender = closed_tender(bids=1)

    [item] = api.get(TENDERS).json()["results"]

    assert set(item) == set(TenderListItemSerializer().fields)
    assert item["bids_received"] == 1
    assert [lot["number"] for lot in item["lots"]] == [lot.number for lot in tender.lots.all()]
    detail = api.get(item["url"])
    assert detail.status_code == 200
    assert detail.json()["title"] == item["title"]
    assert {k: detail.json()[k] for k in ("estimated_value", "submission_deadline")} == {
        k: item[k] for k in ("estimated_value", "submission_deadline")
    }


def test_listing_costs_the_same_queries_for_any_page_size(api):
    for _ in range(22):
        tender = published_tender(lots=2, evaluators=0)
        ClarificationFactory(tender=tender, answer="Yes.", published_at=timezone.now())
    closed_tender(bids=1)

    small = queries_for(api, f"{TENDERS}?page_size=2")
    large = queries_for(api, f"{TENDERS}?page_size=20")

    assert small == large


def test_a_tender_detail_costs_the_same_queries_however_big_it_is(api):
    small = published_tender(lots=1, evaluators=0)
    big = published_tender(lots=12, evaluators=0)
    for _ in range(5):
        ClarificationFactory(tender=big, answer="Yes.", published_at=timezone.now())

    assert queries_for(api, detail(small)) == queries_for(api, detail(big))


# --- drafting and publishing through the API ----------------------------------------------


def test_an_officer_drafts_and_publishes_a_tender_through_the_api(api):
    officer = OfficerFactory()
    evaluator = OfficerFactory(commissioner=officer.commissioner)
    api.as_key(officer, "tenders:read", "tenders:write")

    created = api.post(TENDERS, draft_payload(), format="json")
    assert created.status_code == 201, created.json()
    tender_url = f"{TENDERS}{created.json()['id']}/"
    assert created.json()["status"] == "draft"
    assert created.json()["commissioner"]["id"] == officer.commissioner_id

    changed = api.patch(tender_url, {"title": "Home care (north)"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["title"] == "Home care (north)"

    lot = api.post(
        f"{tender_url}lots/",
        {"title": "North", "estimated_value": "480000", "reservation": "vcse"},
        format="json",
    )
    assert lot.status_code == 201, lot.json()
    assert lot.json()["number"] == 1
    for kind, weight in (("price", 40), ("quality", 50), ("social_value", 10)):
        criterion = api.post(
            f"{tender_url}criteria/",
            {"kind": kind, "title": kind.title(), "weight": weight},
            format="json",
        )
        assert criterion.status_code == 201, criterion.json()
    member = api.post(f"{tender_url}panel/", {"member": evaluator.pk}, format="json")
    assert member.status_code == 201, member.json()

    published = api.post(f"{tender_url}publish/")

    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"
    assert published.json()["published_at"]
    entry = AuditEntry.objects.filter(action="tender.published").get()
    assert entry.actor_label == f"{officer.email} via API key {api.api_key.prefix}"


def test_publishing_an_incomplete_draft_gets_400_with_the_problems_by_field(api):
    draft = TenderFactory()
    api.as_key(draft.created_by, "tenders:write")

    response = api.post(f"{detail(draft)}publish/")

    assert response.status_code == 400
    assert response.json()["detail"] == "This tender cannot be published yet."
    assert {"lots", "criteria", "panel"} <= set(response.json()["errors"])
    assert Tender.objects.get(pk=draft.pk).status == TenderStatus.DRAFT


def test_a_key_without_tenders_write_cannot_publish(api):
    draft = TenderFactory()
    api.as_key(draft.created_by, "tenders:read")

    response = api.post(f"{detail(draft)}publish/")

    assert response.status_code == 403
    assert "tenders:write" in response.json()["detail"]


def test_other_councils_cannot_change_a_tender(api):
    draft = TenderFactory()
    published = published_tender()
    api.as_key(OfficerFactory(), "tenders:read", "tenders:write")

    assert api.patch(detail(draft), {"title": "Mine"}, format="json").status_code == 404
    assert api.post(f"{detail(draft)}publish/").status_code == 404
    response = api.post(f"{detail(published)}cancel/", {"reason": "Mine"}, format="json")
    assert response.status_code == 403
    assert Tender.objects.get(pk=published.pk).status == TenderStatus.PUBLISHED


def test_providers_and_anonymous_clients_cannot_draft(api):
    assert api.post(TENDERS, draft_payload(), format="json").status_code == 401

    api.as_key(ProviderAdminFactory(), "tenders:write")
    response = api.post(TENDERS, draft_payload(), format="json")
    assert response.status_code == 403
    assert "officers" in response.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"estimated_value": "a lot"}, "estimated_value"),
        ({"estimated_value": "-1"}, "estimated_value"),
        ({"estimated_value": "1" * 15}, "estimated_value"),
        ({"contract_term_months": 241}, "contract_term_months"),
        ({"main_cpv": "00000000-0"}, "main_cpv"),
        ({"region": "XX"}, "region"),
        ({"extension_option_months": ["twelve"]}, "extension_option_months.0"),
        ({"submission_deadline": "tomorrow"}, "submission_deadline"),
        ({"title": ""}, "title"),
        ({"status": "published"}, "status"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_draft_input_gets_400_naming_the_field(api, overrides, field):
    api.as_key(OfficerFactory(), "tenders:write")

    response = api.post(TENDERS, draft_payload(**overrides), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Tender.objects.exists()


def test_malformed_json_gets_400(api):
    api.as_key(OfficerFactory(), "tenders:write")

    response = api.post(TENDERS, '{"title": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_published_tender_cannot_be_edited_or_published_again(api):
    tender = published_tender()
    api.as_key(tender.created_by, "tenders:write")

    edited = api.patch(detail(tender), {"title": "Changed"}, format="json")
    assert edited.status_code == 400
    assert "draft" in edited.json()["detail"]

    again = api.post(f"{detail(tender)}publish/")
    assert again.status_code == 409
    assert again.json()["detail"]


def test_lots_and_criteria_can_be_removed_from_a_draft_only(api):
    draft = TenderFactory()
    lot = LotFactory(tender=draft)
    other_lot = LotFactory()
    api.as_key(draft.created_by, "tenders:write")

    assert api.delete(f"{detail(draft)}lots/{other_lot.pk}/").status_code == 404
    assert api.delete(f"{detail(draft)}lots/{lot.pk}/").status_code == 204
    assert not Lot.objects.filter(pk=lot.pk).exists()

    criterion = api.post(
        f"{detail(draft)}criteria/", {"kind": "quality", "title": "Q", "weight": 60}, format="json"
    ).json()
    too_heavy = api.post(
        f"{detail(draft)}criteria/", {"kind": "price", "title": "P", "weight": 50}, format="json"
    )
    assert too_heavy.status_code == 400
    assert "weight" in too_heavy.json()["errors"]
    assert api.delete(f"{detail(draft)}criteria/{criterion['id']}/").status_code == 204

    published = published_tender()
    api.as_key(published.created_by, "tenders:write")
    published_lot = published.lots.first()
    assert api.delete(f"{detail(published)}lots/{published_lot.pk}/").status_code == 400


def test_the_panel_takes_only_colleagues_who_exist(api):
    draft = TenderFactory()
    api.as_key(draft.created_by, "tenders:write")

    stranger = api.post(f"{detail(draft)}panel/", {"member": OfficerFactory().pk}, format="json")
    assert stranger.status_code == 400
    assert "member" in stranger.json()["errors"]
    missing = api.post(f"{detail(draft)}panel/", {"member": 999999}, format="json")
    assert missing.status_code == 400
    assert "member" in missing.json()["errors"]
    assert not PanelMember.objects.exists()


def test_an_officer_uploads_a_document_whose_content_is_checked(api):
    draft = TenderFactory()
    api.as_key(draft.created_by, "tenders:read", "tenders:write")
    url = f"{detail(draft)}documents/"

    pdf = SimpleUploadedFile("spec.pdf", b"%PDF-1.4 specification", "application/pdf")
    uploaded = api.post(url, {"title": "Specification", "file": pdf}, format="multipart")

    assert uploaded.status_code == 201, uploaded.json()
    assert uploaded.json()["content_type"] == "application/pdf"
    assert uploaded.json()["title"] == "Specification"
    assert api.get(detail(draft)).json()["documents"][0]["id"] == uploaded.json()["id"]

    disguised = SimpleUploadedFile("spec.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    refused = api.post(url, {"file": disguised}, format="multipart")
    assert refused.status_code == 400
    assert "file" in refused.json()["errors"]
    assert api.post(url, {"title": "No file"}, format="multipart").status_code == 400


def test_cancelling_needs_a_reason(api):
    tender = published_tender()
    api.as_key(tender.created_by, "tenders:write")

    assert "reason" in api.post(f"{detail(tender)}cancel/", {}, format="json").json()["errors"]

    response = api.post(f"{detail(tender)}cancel/", {"reason": "Budget withdrawn"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancellation_reason"] == "Budget withdrawn"


def test_closing_early_is_refused_and_evaluation_follows_closing(api):
    tender = published_tender(lots=1)
    api.as_key(tender.created_by, "tenders:write")

    early = api.post(f"{detail(tender)}close/")
    assert early.status_code == 400
    assert "deadline" in early.json()["detail"]
    not_yet = api.post(f"{detail(tender)}start-evaluation/")
    assert not_yet.status_code == 409

    sealed_bid(lot=tender.lots.get())
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=now - timedelta(minutes=2),
        submission_deadline=now - timedelta(minutes=1),
    )
    closed = api.post(f"{detail(tender)}close/")
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed"
    assert closed.json()["bids_received"] == 1
    started = api.post(f"{detail(tender)}start-evaluation/")
    assert started.status_code == 200
    assert started.json()["status"] == "evaluation"


# --- clarifications -----------------------------------------------------------------------


def test_a_provider_asks_and_the_officer_answers_for_everyone(api):
    tender = published_tender(lots=1)
    writer = BidWriterFactory()
    api.as_key(writer, "tenders:read", "bids:write")

    asked = api.post(
        f"{detail(tender)}clarifications/", {"question": "Is TUPE likely?"}, format="json"
    )
    assert asked.status_code == 201, asked.json()
    question_id = asked.json()["id"]
    assert api.get(detail(tender)).json()["clarifications"] == []

    api.as_key(tender.created_by, "tenders:read", "tenders:write")
    questions = api.get(f"{detail(tender)}clarifications/").json()
    assert [(q["id"], q["asked_by_provider"]["name"]) for q in questions] == [
        (question_id, writer.provider.name)
    ]
    answered = api.post(
        f"{detail(tender)}clarifications/{question_id}/answer/",
        {"answer": "Yes, for about 12 staff."},
        format="json",
    )
    assert answered.status_code == 200, answered.json()
    assert answered.json()["published"] is True

    public = api.anonymous().get(detail(tender)).json()["clarifications"]
    assert [c["answer"] for c in public] == ["Yes, for about 12 staff."]
    assert writer.provider.name not in str(public)


def test_asking_needs_bids_write_and_a_provider(api):
    tender = published_tender(lots=1)
    url = f"{detail(tender)}clarifications/"

    assert api.post(url, {"question": "Why?"}, format="json").status_code == 401
    api.as_key(BidWriterFactory(), "tenders:read")
    assert api.post(url, {"question": "Why?"}, format="json").status_code == 403
    api.as_key(OfficerFactory(), "bids:write")
    assert api.post(url, {"question": "Why?"}, format="json").status_code == 403
    api.as_key(BidWriterFactory(), "bids:write")
    empty = api.post(url, {"question": ""}, format="json")
    assert empty.status_code == 400
    assert "question" in empty.json()["errors"]
    assert not Clarification.objects.exists()


def test_only_the_tenders_officers_read_and_answer_questions(api):
    question = ClarificationFactory()
    tender = question.tender
    api.as_key(OfficerFactory(), "tenders:read", "tenders:write")

    assert api.get(f"{detail(tender)}clarifications/").status_code == 403
    answer = api.post(
        f"{detail(tender)}clarifications/{question.pk}/answer/", {"answer": "No"}, format="json"
    )
    assert answer.status_code == 403

    api.as_key(tender.created_by, "tenders:write")
    missing = api.post(
        f"{detail(tender)}clarifications/{ClarificationFactory().pk}/answer/",
        {"answer": "No"},
        format="json",
    )
    assert missing.status_code == 404


def test_staff_see_drafts_but_cannot_change_tenders(api):
    draft = TenderFactory()
    api.force_login(StaffFactory())  # staff have no organisation, so no keys: a session

    assert api.get(detail(draft)).status_code == 200
    assert api.post(f"{detail(draft)}publish/").status_code == 403
