"""A provider's kind, legal form and size band decide which reserved lots it may bid for, so
staff check every change to them. A verified provider's own change of size is held until
staff approve it; meanwhile it is judged by the stricter of what was verified and what it
told us. Eligibility for reserved lots is judged again when the tender closes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commissioning.choices import CriterionKind, LotReservation
from commissioning.models import Bid, Tender
from providers.choices import SizeBand
from providers.models import ProviderOrganisation
from tests.factories import ProviderAdminFactory, published_tender

pytestmark = pytest.mark.django_db

PROVIDERS = "/api/v1/providers/"


@pytest.fixture
def small_lot():
    tender = published_tender(lots=1)
    lot = tender.lots.get()
    lot.reservation = LotReservation.SMALL
    lot.save()
    return lot


def bid_body(lot):
    criteria = lot.tender.criteria.exclude(kind=CriterionKind.PRICE)
    return {
        "lot": lot.pk,
        "price": "120000",
        "answers": {str(c.pk): f"Our answer on {c.title}" for c in criteria},
    }


def form_data(lot):
    criteria = lot.tender.criteria.exclude(kind=CriterionKind.PRICE)
    return {"price": "120000", **{f"answer_{c.pk}": f"On {c.title}" for c in criteria}}


def close_by_the_database_clock(tender):
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=timezone.now() - timedelta(hours=2),
        submission_deadline=timezone.now() - timedelta(minutes=1),
    )
    tender.refresh_from_db()


# --- the attack -------------------------------------------------------------------------------


def test_a_medium_provider_cannot_declare_itself_micro_through_the_api_and_bid_for_small(
    api, small_lot
):
    admin = ProviderAdminFactory(provider__size_band=SizeBand.MEDIUM)
    api.as_key(admin, "bids:write", "bids:read")

    changed = api.patch(f"{PROVIDERS}{admin.provider_id}/", {"size_band": "micro"}, format="json")

    assert changed.status_code == 200, changed.json()
    assert changed.json()["size_band"] == "medium"
    assert changed.json()["pending_change"]["size_band"] == "micro"
    assert ProviderOrganisation.objects.get(pk=admin.provider_id).size_band == SizeBand.MEDIUM
    refused = api.post("/api/v1/bids/", bid_body(small_lot), format="json")
    assert refused.status_code == 400, refused.json()
    assert "reserved for small and micro providers" in refused.json()["detail"]
    assert not Bid.objects.exists()


def test_a_medium_provider_cannot_declare_itself_micro_on_its_page_and_bid_for_small(
    sign_in, small_lot
):
    admin = ProviderAdminFactory(provider__size_band=SizeBand.MEDIUM)
    client = sign_in(admin)
    provider = admin.provider
    details = {
        "name": provider.name,
        "size_band": "micro",
        "address": "1 High Street",
        "postcode": "M1 1AE",
        "website": "",
        "capability_statement": "Befriending.",
    }

    assert client.post(f"/providers/{provider.pk}/edit/", details).status_code == 302

    assert ProviderOrganisation.objects.get(pk=provider.pk).size_band == SizeBand.MEDIUM
    page = client.get(f"/providers/{provider.pk}/team/").content.decode()
    assert "waiting for platform staff to check" in page
    response = client.post(f"/bids/new/{small_lot.pk}/", form_data(small_lot))
    assert response.status_code == 200
    assert "reserved for small and micro providers" in response.content.decode()
    assert not Bid.objects.exists()
