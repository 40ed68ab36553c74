"""A provider's users see and change only their own organisation's records."""

import pytest

from core.models import AuditEntry
from providers.models import ProviderOrganisation
from tests.factories import (
    BidWriterFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

VALID_DETAILS = {
    "name": "Helping Hands Renamed",
    "size_band": "small",
    "address": "1 High Street",
    "postcode": "m11ae",
    "website": "",
    "capability_statement": "Befriending.",
}


def test_admin_changes_details_and_the_change_is_audited(sign_in):
    admin = ProviderAdminFactory()
    response = sign_in(admin).post(f"/providers/{admin.provider_id}/edit/", VALID_DETAILS)
    assert response.status_code == 302
    provider = ProviderOrganisation.objects.get(pk=admin.provider_id)
    assert provider.name == "Helping Hands Renamed"
    assert provider.postcode == "M1 1AE"  # normalised
    assert AuditEntry.objects.filter(action="provider.updated", actor=admin).count() == 1


def test_bid_writer_cannot_change_the_organisation(sign_in):
    writer = BidWriterFactory()
    response = sign_in(writer).post(f"/providers/{writer.provider_id}/edit/", VALID_DETAILS)
    assert response.status_code == 403
    assert ProviderOrganisation.objects.get(pk=writer.provider_id).name != VALID_DETAILS["name"]


@pytest.mark.parametrize("page", ["team", "edit"])
def test_another_providers_pages_look_missing(sign_in, page):
    admin = ProviderAdminFactory()
    other = ProviderFactory()
    assert sign_in(admin).get(f"/providers/{other.pk}/{page}/").status_code == 404


def test_admin_cannot_change_another_provider_by_posting_to_it(sign_in):
    other = ProviderFactory(name="Left Alone Trust")
    response = sign_in(ProviderAdminFactory()).post(f"/providers/{other.pk}/edit/", VALID_DETAILS)
    assert response.status_code == 404
    assert ProviderOrganisation.objects.get(pk=other.pk).name == "Left Alone Trust"


def test_commissioners_cannot_open_a_providers_private_pages(sign_in):
    provider = ProviderFactory()
    assert sign_in(OfficerFactory()).get(f"/providers/{provider.pk}/team/").status_code == 404


def test_bad_postcode_is_refused_with_an_example(sign_in):
    admin = ProviderAdminFactory()
    response = sign_in(admin).post(
        f"/providers/{admin.provider_id}/edit/", {**VALID_DETAILS, "postcode": "NOT A CODE"}
    )
    page = response.content.decode()
    assert "Enter a real postcode, like SW1A 1AA" in page
    assert 'value="NOT A CODE"' in page
