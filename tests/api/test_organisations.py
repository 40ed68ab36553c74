"""An integrator's story with organisations: a researcher lists the commissioners and the
providers in a market, seeing what their public pages show and nothing private; a provider's
own tool keeps its details up to date."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commissioning.choices import CommissionerKind, TenderStatus
from core.models import AuditEntry
from providers.choices import LegalForm, ProviderKind, SizeBand, VerificationStatus
from providers.models import ProviderOrganisation
from tests.factories import (
    BidWriterFactory,
    CommissionerFactory,
    CpvCodeFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderExclusionFactory,
    ProviderFactory,
    ProviderIdentifierFactory,
    StaffFactory,
    TenderFactory,
    published_tender,
)

pytestmark = pytest.mark.django_db

COMMISSIONERS = "/api/v1/commissioners/"
PROVIDERS = "/api/v1/providers/"


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


# --- commissioners ------------------------------------------------------------------------


def test_anyone_reads_a_commissioners_public_facts(api):
    council = CommissionerFactory(name="Testshire Council", region="UKD")
    published_tender(commissioner=council)
    TenderFactory(commissioner=council)  # a draft does not count
    TenderFactory(commissioner=council, status=TenderStatus.CANCELLED)  # nor one never published

    response = api.get(f"{COMMISSIONERS}{council.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Testshire Council"
    assert body["identifier"] == council.identifier
    assert body["kind"] == "local_authority"
    assert body["region"] == "UKD"
    assert body["published_tenders"] == 1
    assert body["tenders_url"].endswith(f"/api/v1/tenders/?commissioner={council.pk}")
    assert "contact_email" not in body
    assert body["website"] is None  # none given: null, not ""
    assert api.get(body["tenders_url"]).json()["results"][0]["commissioner"]["id"] == council.pk


def test_commissioner_filters_narrow_the_list(api):
    council = CommissionerFactory(region="UKD")
    trust = CommissionerFactory(kind=CommissionerKind.NHS_BODY, region="UKC")

    def ids(**params):
        response = api.get(COMMISSIONERS, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids() == {council.pk, trust.pk}
    assert ids(kind="nhs_body") == {trust.pk}
    assert ids(region="UKD") == {council.pk}
    assert ids(updated_since=(timezone.now() + timezone.timedelta(hours=1)).isoformat()) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "parish"}, "kind"),
        ({"region": "XX"}, "region"),
        ({"updated_since": "notadate"}, "updated_since"),
        ({"page_size": "500"}, "page_size"),
    ],
)
def test_a_bad_commissioner_filter_gets_400_naming_it(api, params, field):
    response = api.get(COMMISSIONERS, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_commissioners_cost_the_same_queries_for_any_page_size(api):
    for _ in range(22):
        published_tender(lots=1, evaluators=0)

    assert queries_for(api, f"{COMMISSIONERS}?page_size=2") == queries_for(
        api, f"{COMMISSIONERS}?page_size=20"
    )


def test_a_commissioner_detail_answers_304_and_404(api):
    council = CommissionerFactory()
    first = api.get(f"{COMMISSIONERS}{council.pk}/")

    assert (
        api.get(f"{COMMISSIONERS}{council.pk}/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code
        == 304
    )
    assert api.get(f"{COMMISSIONERS}999999/").status_code == 404


# --- providers: reading -------------------------------------------------------------------


def test_anyone_reads_a_providers_public_facts_and_nothing_private(api):
    provider = ProviderFactory(
        name="Helping Hands", address="1 High Street", capability_statement="Home care."
    )
    ProviderIdentifierFactory(provider=provider, value="1123456")
    provider.categories.add(CpvCodeFactory())
    ProviderExclusionFactory(provider=provider)

    response = api.get(f"{PROVIDERS}{provider.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Helping Hands"
    assert body["kind"] == "third_sector"
    assert body["legal_form"] == "charity"
    assert body["size_band"] == "small"
    assert body["verified"] is True
    assert body["regions"] == ["UKD"]
    assert body["identifiers"] == [
        {"scheme": "GB-CHC", "id": "1123456", "org_id": "GB-CHC-1123456"}
    ]
    assert body["categories"][0]["code"] == "85310000-5"
    assert body["address"] is None
    assert body["postcode"] is None
    assert body["exclusion"] is None


def test_officers_see_exclusions_and_the_providers_own_users_see_its_address(api):
    provider = ProviderFactory(address="1 High Street")
    exclusion_ends = ProviderExclusionFactory(provider=provider).ends_on
    url = f"{PROVIDERS}{provider.pk}/"

    api.as_key(OfficerFactory(), "tenders:read")
    body = api.get(url).json()
    assert body["exclusion"] == {"excluded": True, "until": exclusion_ends.isoformat()}
    assert body["address"] is None

    api.as_key(BidWriterFactory(provider=provider), "bids:read")
    body = api.get(url).json()
    assert body["exclusion"] is None
    assert body["address"] == "1 High Street"
    assert body["postcode"] == "M1 1AE"

    api.as_key(BidWriterFactory(), "bids:read")
    assert api.get(url).json()["address"] is None


def test_a_provider_refused_verification_is_not_published(api):
    refused = ProviderFactory(verification_status=VerificationStatus.REJECTED)
    unverified = ProviderFactory(verification_status=VerificationStatus.UNVERIFIED)

    listed = [row["id"] for row in api.get(PROVIDERS).json()["results"]]

    assert listed == [unverified.pk]
    assert api.get(f"{PROVIDERS}{refused.pk}/").status_code == 404
    assert api.get(f"{PROVIDERS}{unverified.pk}/").json()["verified"] is False
    api.force_login(StaffFactory())
    assert api.get(f"{PROVIDERS}{refused.pk}/").status_code == 200


def test_provider_filters_narrow_the_list(api):
    charity = ProviderFactory(regions=["UKD", "UKE"])
    company = ProviderFactory(
        kind=ProviderKind.PRIVATE,
        legal_form=LegalForm.COMPANY,
        size_band=SizeBand.LARGE,
        regions=["UKI"],
    )
    group = ProviderFactory(
        kind=ProviderKind.COMMUNITY,
        legal_form=LegalForm.UNINCORPORATED,
        size_band=SizeBand.MICRO,
        verification_status=VerificationStatus.UNVERIFIED,
        regions=[],
    )

    def ids(params):
        response = api.get(PROVIDERS, params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids({}) == {charity.pk, company.pk, group.pk}
    assert ids({"kind": "private"}) == {company.pk}
    assert ids({"size_band": ["micro", "small"]}) == {charity.pk, group.pk}
    assert ids({"legal_form": "charity"}) == {charity.pk}
    assert ids({"region": "UKE"}) == {charity.pk}
    assert ids({"verified": "true"}) == {charity.pk, company.pk}
    assert ids({"verified": "false"}) == {group.pk}
    later = (timezone.now() + timezone.timedelta(hours=1)).isoformat()
    assert ids({"updated_since": later}) == set()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "robot"}, "kind"),
        ({"size_band": "huge"}, "size_band"),
        ({"legal_form": "guild"}, "legal_form"),
        ({"region": "XX"}, "region"),
        ({"verified": "maybe"}, "verified"),
        ({"updated_since": "notadate"}, "updated_since"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_a_bad_provider_filter_gets_400_naming_it(api, params, field):
    response = api.get(PROVIDERS, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_providers_cost_the_same_queries_for_any_page_size(api):
    category = CpvCodeFactory()
    for _ in range(22):
        provider = ProviderIdentifierFactory().provider
        provider.categories.add(category)
        ProviderExclusionFactory(provider=provider)
    api.as_key(OfficerFactory(), "tenders:read")  # officers also get the exclusion flags
    api.get(PROVIDERS)  # the key's first use is recorded once; count the requests after it

    assert queries_for(api, f"{PROVIDERS}?page_size=2") == queries_for(
        api, f"{PROVIDERS}?page_size=20"
    )


def test_a_provider_detail_answers_304_when_unchanged(api):
    provider = ProviderFactory()
    first = api.get(f"{PROVIDERS}{provider.pk}/")

    again = api.get(f"{PROVIDERS}{provider.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


# --- providers: changing their details -----------------------------------------------------


def test_a_provider_admin_updates_their_details_through_the_api(api):
    admin = ProviderAdminFactory()
    api.as_key(admin, "bids:write")

    response = api.patch(
        f"{PROVIDERS}{admin.provider_id}/",
        {"size_band": "medium", "postcode": "m1 2ab", "website": "https://example.org"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    # A verified provider's new size waits for platform staff to check it
    # (tests/providers/test_provider_details_change.py); the other details apply at once.
    assert response.json()["size_band"] == "small"
    assert response.json()["pending_change"]["size_band"] == "medium"
    assert response.json()["postcode"] == "M1 2AB"
    provider = ProviderOrganisation.objects.get(pk=admin.provider_id)
    assert provider.size_band == SizeBand.SMALL
    entry = AuditEntry.objects.filter(action="provider.updated").get()
    assert entry.actor_label == f"{admin.email} via API key {api.api_key.prefix}"
    held = AuditEntry.objects.filter(action="provider.details_change_requested").get()
    assert (held.before, held.after) == ({"size_band": "small"}, {"size_band": "medium"})


def test_only_the_providers_admin_with_bids_write_may_change_it(api):
    provider = ProviderFactory(name="Helping Hands")
    url = f"{PROVIDERS}{provider.pk}/"
    change = {"name": "Taken Over"}

    assert api.patch(url, change, format="json").status_code == 401
    api.as_key(ProviderAdminFactory(provider=provider), "bids:read")
    assert api.patch(url, change, format="json").status_code == 403
    api.as_key(BidWriterFactory(provider=provider), "bids:write")
    assert api.patch(url, change, format="json").status_code == 403
    api.as_key(ProviderAdminFactory(), "bids:write")
    assert api.patch(url, change, format="json").status_code == 403
    api.as_key(OfficerFactory(), "bids:write")
    assert api.patch(url, change, format="json").status_code == 403
    assert ProviderOrganisation.objects.get(pk=provider.pk).name == "Helping Hands"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "private"}, "kind"),
        ({"verification_status": "verified"}, "verification_status"),
        ({"size_band": "huge"}, "size_band"),
        ({"postcode": "not a postcode"}, "postcode"),
        ({"website": "not a url"}, "website"),
        ({"name": "x" * 201}, "name"),
        ({"capability_statement": "x" * 2001}, "capability_statement"),
    ],
)
def test_bad_provider_details_get_400_naming_the_field(api, change, field):
    admin = ProviderAdminFactory()
    api.as_key(admin, "bids:write")

    response = api.patch(f"{PROVIDERS}{admin.provider_id}/", change, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]


def test_a_name_another_provider_has_gets_400(api):
    ProviderFactory(name="Helping Hands")
    admin = ProviderAdminFactory()
    api.as_key(admin, "bids:write")

    response = api.patch(
        f"{PROVIDERS}{admin.provider_id}/", {"name": "helping hands"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]
