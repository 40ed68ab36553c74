"""A citizen follows their complaint through its private link, and asks for a stage 2 review."""

import pytest
from django.urls import reverse

from accountability.choices import ComplaintStatus
from accountability.models import Complaint
from core.models import AuditEntry
from tests.factories import (
    ComplaintFactory,
    ComplaintResponseFactory,
    OfficerFactory,
    ProviderAdminFactory,
)

pytestmark = pytest.mark.django_db

TRACK = "/complaints/track/"


def _link(complaint, token):
    return reverse("public:track_complaint", args=[complaint.reference, token])


def _token(complaint_factory_kwargs=None):
    complaint = ComplaintFactory(tracking_token="my-own-secret", **(complaint_factory_kwargs or {}))
    return complaint, "my-own-secret"


def test_citizen_sees_status_stage_and_due_date_through_the_private_link(client):
    complaint, token = _token()
    response = client.get(_link(complaint, token))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Received" in page
    assert "Stage 1" in page
    assert complaint.response_due_on.strftime("%-d %B %Y") in page
    assert "There is no response yet" in page
    assert "Ask for a stage 2 review" not in page
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_wrong_token_and_another_complaints_reference_show_the_same_not_found_page(client):
    complaint, token = _token()
    other = ComplaintFactory(tracking_token="someone-else")
    missing = client.get(f"{TRACK}CMP-2026-999999/{token}/")
    wrong_token = client.get(_link(complaint, "guessed"))
    others_reference = client.get(_link(other, token))
    assert missing.status_code == wrong_token.status_code == others_reference.status_code == 404
    assert missing.content == wrong_token.content == others_reference.content
    assert "Complaint not found" in missing.content.decode()
    assert complaint.description not in others_reference.content.decode()


def test_citizen_opens_the_complaint_by_typing_reference_and_code(client):
    complaint, token = _token()
    response = client.post(TRACK, {"reference": complaint.reference.lower(), "code": token})
    assert response["Location"] == _link(complaint, token)

    response = client.post(TRACK, {"reference": complaint.reference, "code": "wrong"})
    assert response.status_code == 404
    assert "Complaint not found" in response.content.decode()


def test_tracking_form_says_what_is_missing_and_keeps_what_was_typed(client):
    response = client.post(TRACK, {"reference": "CMP-2026-000001"})
    page = response.content.decode()
    assert "Error: Follow your complaint" in page
    assert "Enter the secret code from your link" in page
    assert 'value="CMP-2026-000001"' in page


def test_tracking_lookups_are_limited_per_client(client):
    complaint, token = _token()
    for _ in range(20):
        client.post(TRACK, {"reference": "CMP-2026-000001", "code": "guess"})
    response = client.get(_link(complaint, token))
    assert response.status_code == 429
    assert "too many attempts" in response.content.decode()
    assert client.post(TRACK, {"reference": "x", "code": "y"}).status_code == 429


def test_citizen_reads_the_stage_1_response_and_asks_for_a_stage_2_review(client):
    response_sent = ComplaintResponseFactory(complaint__tracking_token="my-own-secret")
    complaint = response_sent.complaint
    link = _link(complaint, "my-own-secret")
    page = client.get(link).content.decode()
    assert response_sent.text in page
    assert "Ask for a stage 2 review" in page

    result = client.post(link, {"reason": "The visit was not rescheduled; nobody told us."})
    assert result["Location"] == f"{link}?stage2=1"
    complaint.refresh_from_db()
    assert complaint.stage == 2
    assert complaint.status == ComplaintStatus.RECEIVED
    assert complaint.stage2_requested_at is not None
    assert complaint.response_due_on > response_sent.sent_at.date()
    assert complaint.history.filter(stage=2, to_status=ComplaintStatus.RECEIVED).exists()
    assert AuditEntry.objects.filter(action="complaint.stage2_requested").exists()

    page = client.get(f"{link}?stage2=1").content.decode()
    assert "You have asked for a stage 2 review" in page
    assert "Stage 2 (review)" in page
    assert "Ask for a stage 2 review" not in page


def test_stage_2_review_can_be_asked_for_only_once(client):
    response_sent = ComplaintResponseFactory(complaint__tracking_token="my-own-secret")
    link = _link(response_sent.complaint, "my-own-secret")
    client.post(link, {"reason": "First time"})
    page = client.post(link, {"reason": "Second time"}).content.decode()
    assert "already asked for a stage 2 review" in page
    assert Complaint.objects.get().stage == 2


def test_stage_2_review_needs_a_reason_and_a_stage_1_response(client):
    response_sent = ComplaintResponseFactory(complaint__tracking_token="my-own-secret")
    link = _link(response_sent.complaint, "my-own-secret")
    page = client.post(link, {"reason": ""}).content.decode()
    assert "Enter why you are unhappy" in page
    assert Complaint.objects.get().stage == 1

    waiting = ComplaintFactory(tracking_token="another-secret")
    page = client.post(_link(waiting, "another-secret"), {"reason": "Too slow"}).content.decode()
    assert "once you have had the stage 1 response" in page
    waiting.refresh_from_db()
    assert waiting.stage == 1


@pytest.mark.parametrize("who", ["anonymous", "other organisation", "own organisation"])
def test_only_the_private_link_opens_a_complaint_whoever_is_signed_in(client, sign_in, who):
    complaint, token = _token()
    if who == "other organisation":
        sign_in(ProviderAdminFactory())
    elif who == "own organisation":
        sign_in(OfficerFactory(commissioner=complaint.commissioner))
    assert client.get(_link(complaint, "not-the-token")).status_code == 404
    assert client.get(_link(complaint, token)).status_code == 200
    assert client.get(TRACK).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "other organisation", "own organisation"])
def test_complaint_form_is_open_to_everyone(client, sign_in, who):
    complaint = ComplaintFactory()
    if who == "other organisation":
        sign_in(OfficerFactory())
    elif who == "own organisation":
        sign_in(OfficerFactory(commissioner=complaint.commissioner))
    assert client.get("/complaints/new/").status_code == 200
    response = client.get("/complaints/new/", {"contract": complaint.contract_id})
    assert response["Location"] == reverse("public:complaint_what")
