"""Officers amend a tender that is open for bids: later deadlines, a corrected description, a
revised value, each with its reason; audited, published, and sent to interested providers.
The page (question, check answers, confirmation) and the API use the same service."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from commissioning.models import Tender, TenderAmendment
from commissioning.services.amendments import tender_amend
from core.errors import DomainError, IllegalTransition, NotPermitted
from core.models import AuditEntry, OutboxMessage
from tests.factories import (
    ClarificationFactory,
    OfficerFactory,
    ProviderAdminFactory,
    TenderFactory,
    published_tender,
    sealed_bid,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


# --- the service ------------------------------------------------------------------------------


def test_officer_moves_the_deadline_later_and_the_change_is_recorded_and_audited():
    tender = published_tender(lots=1)
    before = tender.submission_deadline
    amendment = tender_amend(
        tender=tender,
        actor=tender.created_by,
        rationale="More time for partnerships",
        submission_deadline=before + timedelta(days=7),
        estimated_value=Decimal("300000"),
    )

    tender.refresh_from_db()
    assert tender.submission_deadline == before + timedelta(days=7)
    assert amendment.changes["submission_deadline"] == {
        "before": before.isoformat(),
        "after": (before + timedelta(days=7)).isoformat(),
    }
    assert amendment.changes["estimated_value"] == {"before": "250000.00", "after": "300000.00"}
    entry = AuditEntry.objects.get(action="tender.amended")
    assert entry.after["reason"] == "More time for partnerships"


def test_providers_who_asked_or_bid_are_told_of_the_amendment():
    tender = published_tender(lots=1)
    question = ClarificationFactory(tender=tender)
    bid = sealed_bid(lot=tender.lots.get())
    tender_amend(
        tender=tender, actor=tender.created_by, rationale="Clearer scope", description="New text"
    )
    recipients = set(OutboxMessage.objects.values_list("to", flat=True))
    assert recipients == {question.asked_by.email, bid.submitted_by.email}
    assert "Clearer scope" in OutboxMessage.objects.first().body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"submission_deadline": -1}, "submission_deadline"),  # earlier than it was
        ({"clarification_deadline": 40}, "clarification_deadline"),  # after submission
        ({"clarification_deadline": -40}, "clarification_deadline"),  # in the past
        ({"description": "   "}, "description"),
        ({"estimated_value": Decimal("-1")}, "estimated_value"),
        ({}, "changes"),
    ],
)
def test_bad_amendments_are_refused_by_field_and_nothing_changes(changes, field):
    tender = published_tender(lots=1)
    values = {}
    for name, value in changes.items():
        if name.endswith("_deadline"):
            values[name] = tender.submission_deadline + timedelta(days=value)
        else:
            values[name] = value
    with pytest.raises(DomainError) as refused:
        tender_amend(tender=tender, actor=tender.created_by, rationale="Because", **values)
    assert field in refused.value.field_errors
    assert not TenderAmendment.objects.exists()


def test_a_reason_is_required():
    tender = published_tender(lots=1)
    with pytest.raises(DomainError) as refused:
        tender_amend(tender=tender, actor=tender.created_by, rationale=" ", description="New")
    assert "rationale" in refused.value.field_errors


@pytest.mark.parametrize("status", ["draft", "closed", "cancelled"])
def test_only_a_tender_open_for_bids_can_be_amended(status):
    tender = published_tender(lots=1)
    Tender.objects.filter(pk=tender.pk).update(status=status)
    with pytest.raises(IllegalTransition):
        tender_amend(tender=tender, actor=tender.created_by, rationale="x", description="New")


def test_another_organisations_officer_cannot_amend():
    tender = published_tender(lots=1)
    with pytest.raises(NotPermitted):
        tender_amend(tender=tender, actor=OfficerFactory(), rationale="x", description="New")


# --- the officer's pages ----------------------------------------------------------------------


def form_data(tender, **overrides):
    local = timezone.localtime
    return {
        "submission_deadline": local(tender.submission_deadline + timedelta(days=5)).strftime(
            "%d/%m/%Y %H:%M"
        ),
        "clarification_deadline": local(tender.clarification_deadline).strftime("%d/%m/%Y %H:%M"),
        "estimated_value": "250000.00",
        "description": tender.description,
        "rationale": "Providers asked for more time",
        **overrides,
    }


def test_officer_amends_through_the_form_checks_answers_and_sees_the_confirmation(sign_in):
    tender = published_tender(lots=1)
    client = sign_in(tender.created_by)

    response = client.post(f"/tendering/{tender.pk}/amend/", form_data(tender))
    assert response.status_code == 302
    assert response["Location"] == f"/tendering/{tender.pk}/amend/check/"
    assert not TenderAmendment.objects.exists()

    check = client.get(response["Location"])
    assert check.status_code == 200
    assert "Submission deadline" in check.content.decode()
    assert "Providers asked for more time" in check.content.decode()

    done = client.post(response["Location"])
    amendment = TenderAmendment.objects.get()
    assert done["Location"] == f"/tendering/{tender.pk}/amendments/{amendment.pk}/"
    confirmation = client.get(done["Location"])
    assert "Tender amended" in confirmation.content.decode()
    assert list(amendment.changes) == ["submission_deadline"]


def test_errors_are_shown_in_the_summary_with_what_was_typed_kept(sign_in):
    tender = published_tender(lots=1)
    client = sign_in(tender.created_by)
    earlier = timezone.localtime(tender.submission_deadline - timedelta(days=1))
    response = client.post(
        f"/tendering/{tender.pk}/amend/",
        form_data(tender, submission_deadline=earlier.strftime("%d/%m/%Y %H:%M"), rationale=""),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "govuk-error-summary" in page
    assert "can only be moved later" in page
    assert "Give the reason for the amendment" in page
    assert earlier.strftime("%d/%m/%Y %H:%M") in page


def test_other_organisations_and_providers_cannot_reach_the_amend_page(sign_in, client):
    tender = published_tender(lots=1)
    assert sign_in(OfficerFactory()).get(f"/tendering/{tender.pk}/amend/").status_code == 404
    assert sign_in(ProviderAdminFactory()).get(f"/tendering/{tender.pk}/amend/").status_code == 404
    client.logout()
    assert client.get(f"/tendering/{tender.pk}/amend/").status_code == 302


def test_a_draft_is_edited_not_amended(sign_in):
    draft = TenderFactory()
    response = sign_in(draft.created_by).get(f"/tendering/{draft.pk}/amend/")
    assert response.status_code == 302
    assert response["Location"] == f"/tendering/{draft.pk}/"


# --- the API ----------------------------------------------------------------------------------


def test_an_integrator_amends_through_the_api_and_anyone_reads_the_amendments(api):
    tender = published_tender(lots=1)
    api.as_key(tender.created_by, "tenders:write")
    later = tender.submission_deadline + timedelta(days=4)

    response = api.post(
        f"/api/v1/tenders/{tender.pk}/amendments/",
        {"rationale": "More time", "submission_deadline": later.isoformat()},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["changes"]["submission_deadline"]["after"] == later.isoformat()
    assert body["ocds_release_id"].endswith(f"-amendment-{body['id']}")
    listed = api.anonymous().get(f"/api/v1/tenders/{tender.pk}/amendments/")
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()["results"]] == [body["id"]]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"rationale": "x", "estimated_value": "-5"}, "estimated_value"),
        ({"rationale": "x", "estimated_value": "1e20"}, "estimated_value"),
        ({"rationale": "x", "submission_deadline": "soon"}, "submission_deadline"),
        ({"rationale": "x", "status": "closed"}, "status"),
        ({"description": "New"}, "rationale"),
    ],
)
def test_bad_api_input_is_400_naming_the_field(api, payload, field):
    tender = published_tender(lots=1)
    api.as_key(tender.created_by, "tenders:write")
    response = api.post(f"/api/v1/tenders/{tender.pk}/amendments/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_api_permissions_for_amendments(api):
    tender = published_tender(lots=1)
    draft = TenderFactory()
    url = f"/api/v1/tenders/{tender.pk}/amendments/"
    data = {"rationale": "x", "description": "New"}

    assert api.anonymous().post(url, data, format="json").status_code == 401
    api.as_key(tender.created_by, "tenders:read")
    assert api.post(url, data, format="json").status_code == 403  # missing scope
    api.as_key(OfficerFactory(), "tenders:write")
    assert api.post(url, data, format="json").status_code == 403  # another organisation
    assert api.get(f"/api/v1/tenders/{draft.pk}/amendments/").status_code == 404
    api.as_key(ProviderAdminFactory(), "tenders:write")
    assert api.post(url, data, format="json").status_code == 403  # wrong role
    Tender.objects.filter(pk=tender.pk).update(status="closed")
    api.as_key(tender.created_by, "tenders:write")
    assert api.post(url, data, format="json").status_code == 409


def test_the_amendment_list_makes_the_same_number_of_queries_for_2_or_20(api):
    tender = published_tender(lots=1)
    for day in range(1, 21):
        tender_amend(
            tender=tender,
            actor=tender.created_by,
            rationale=f"Change {day}",
            submission_deadline=tender.submission_deadline + timedelta(days=day),
        )
        tender.refresh_from_db()
    api.anonymous()
    url = f"/api/v1/tenders/{tender.pk}/amendments/"
    assert count_queries(api.get, url + "?page_size=2") == count_queries(
        api.get, url + "?page_size=20"
    )


def test_a_bad_amendment_filter_is_400_naming_it(api):
    tender = published_tender(lots=1)
    response = api.anonymous().get(
        f"/api/v1/tenders/{tender.pk}/amendments/?amended_since=last-week"
    )
    assert response.status_code == 400
    assert "amended_since" in response.json()["errors"]
