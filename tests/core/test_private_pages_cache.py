"""Pages with someone's private data carry `Cache-Control: private, no-store`, so no proxy, CDN
or shared computer's browser cache keeps them; public pages stay cacheable."""

import pytest
from django.urls import reverse

from tests.factories import (
    ComplaintFactory,
    ContractFactory,
    InvitationFactory,
    OfficerFactory,
    ProviderAdminFactory,
    published_tender,
)

pytestmark = pytest.mark.django_db


def _not_stored(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_a_signed_in_officers_dashboard_is_not_stored(sign_in):
    client = sign_in(OfficerFactory())
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert _not_stored(response), response.get("Cache-Control")


def test_a_public_page_seen_signed_in_is_not_stored_but_seen_anonymously_is(sign_in, client):
    tender = published_tender(lots=1)
    anonymous = client.get(reverse("tenders:detail", args=[tender.pk]))
    assert anonymous.status_code == 200
    assert "no-store" not in anonymous.get("Cache-Control", "")
    assert "private" not in anonymous.get("Cache-Control", "")

    user = ProviderAdminFactory()
    signed_in = sign_in(user).get(reverse("tenders:detail", args=[tender.pk]))
    assert user.email in signed_in.content.decode() or "Sign out" in signed_in.content.decode()
    assert _not_stored(signed_in), signed_in.get("Cache-Control")


def test_a_complaint_in_progress_shows_the_citizens_answers_and_is_not_stored(client):
    contract = ContractFactory()
    client.get(f"/complaints/new/?contract={contract.pk}")
    client.post(
        reverse("public:complaint_what"),
        {"category": "missed_service", "description": "Nobody came to help my father on Monday."},
    )
    response = client.get(reverse("public:complaint_what"))
    assert "Nobody came to help my father" in response.content.decode()
    assert _not_stored(response), response.get("Cache-Control")


def test_the_private_tracking_page_is_not_stored(client):
    complaint = ComplaintFactory(tracking_token="my-own-secret")
    response = client.get(
        reverse("public:track_complaint", args=[complaint.reference, "my-own-secret"])
    )
    assert response.status_code == 200
    assert _not_stored(response), response.get("Cache-Control")


def test_an_invitation_page_behind_its_secret_link_is_not_stored(client):
    InvitationFactory(token="tok-private", email="ben@team.example")
    response = client.get("/providers/invitations/tok-private/")
    assert response.status_code == 200
    assert "ben@team.example" in response.content.decode()
    assert _not_stored(response), response.get("Cache-Control")


def test_the_api_keeps_its_own_revalidation_rules(api):
    published_tender(lots=1)
    anonymous = api.get("/api/v1/tenders/")
    assert anonymous["Cache-Control"] == "public, no-cache"
    with_key = api.as_key(OfficerFactory(), "tenders:read").get("/api/v1/tenders/")
    assert with_key["Cache-Control"] == "private, no-cache"
