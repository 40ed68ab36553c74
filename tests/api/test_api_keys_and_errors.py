"""An integrator's first steps: a key works, says who it acts for, and every way of getting
it wrong gets a clear answer in one error shape."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiKey
from accounts.services import api_key_issue, api_key_revoke, hash_secret
from core.errors import DomainError
from core.models import AuditEntry
from tests.factories import OfficerFactory, ProviderAdminFactory

pytestmark = pytest.mark.django_db


def test_a_key_acts_for_its_user_with_its_scopes(api):
    officer = OfficerFactory()
    api.as_key(officer, "tenders:read", "contracts:read")

    response = api.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["email"] == officer.email
    assert response.json()["organisation"]["name"] == officer.commissioner.name
    assert response.json()["scopes"] == ["tenders:read", "contracts:read"]


def test_only_a_digest_of_the_key_is_stored():
    officer = OfficerFactory()
    issued = api_key_issue(actor=officer, name="Finance system", scopes=["tenders:read"])

    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    assert issued.secret not in (stored.secret_hash, stored.prefix)
    assert stored.secret_hash == hash_secret(issued.secret)
    assert issued.secret.startswith(f"cm_{stored.prefix}_")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer cm_nonsense", "malformed"),
        ("Bearer cm_0123456789ab_wrongsecret", "not recognised"),
        ("Bearer two words", "no spaces"),
    ],
)
def test_a_bad_key_gets_401_saying_what_is_wrong(api, header, message):
    api.credentials(HTTP_AUTHORIZATION=header)

    response = api.get("/api/v1/me/")

    assert response.status_code == 401
    assert message in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_and_expired_keys_stop_working(api):
    officer = OfficerFactory()
    api.as_key(officer, "tenders:read")
    assert api.get("/api/v1/me/").status_code == 200

    api_key_revoke(api_key=api.api_key, actor=officer)
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]

    api.as_key(officer, "tenders:read")
    ApiKey.objects.filter(pk=api.api_key.pk).update(expires_at=timezone.now() - timedelta(1))
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_key_stops_working_when_its_owner_leaves(api):
    officer = OfficerFactory()
    api.as_key(officer, "tenders:read")
    officer.is_active = False
    officer.save()

    assert api.get("/api/v1/me/").status_code == 401


def test_an_organisation_admin_can_revoke_a_colleagues_key_but_others_cannot(api):
    bid_writer = ProviderAdminFactory()
    from tests.factories import BidWriterFactory

    colleague = BidWriterFactory(provider=bid_writer.provider)
    stranger = ProviderAdminFactory()
    issued = api_key_issue(actor=colleague, name="Bid tool", scopes=["bids:read"])

    api.as_key(stranger, "api_keys:manage")
    assert api.post(f"/api/v1/api-keys/{issued.api_key.pk}/revoke/").status_code == 404

    # A key for something else, even the admin's own, cannot touch keys.
    api.as_key(bid_writer, "bids:read", "bids:write")
    refused = api.post(f"/api/v1/api-keys/{issued.api_key.pk}/revoke/")
    assert refused.status_code == 403
    assert "api_keys:manage" in refused.json()["detail"]
    assert api.get("/api/v1/api-keys/").status_code == 403

    api.as_key(bid_writer, "api_keys:manage")
    response = api.post(f"/api/v1/api-keys/{issued.api_key.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["revoked_at"]
    entry = AuditEntry.objects.filter(action="api_key.revoked").get()
    assert entry.actor_label == f"{bid_writer.email} via API key {api.api_key.prefix}"


def test_issuing_a_key_checks_its_details():
    officer = OfficerFactory()
    with pytest.raises(DomainError) as refusal:
        api_key_issue(actor=officer, name="", scopes=["tenders:fly"], lifetime_days=9999)
    assert set(refusal.value.field_errors) == {"name", "scopes", "lifetime_days"}
    assert not ApiKey.objects.exists()


def test_anonymous_callers_are_asked_to_authenticate(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert "send an API key" in response.json()["detail"]


def test_details_answer_conditional_gets_with_304(api):
    officer = OfficerFactory()
    api.as_key(officer, "tenders:read")
    first = api.get("/api/v1/me/")
    etag = first["ETag"]

    again = api.get("/api/v1/me/", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""


def test_a_bad_page_size_or_cursor_is_a_400_not_a_500(api):
    officer = OfficerFactory()
    api.as_key(officer, "tenders:read")

    api.as_key(officer, "api_keys:manage")
    for query, field in [("page_size=0", "page_size"), ("cursor=not-a-cursor", "cursor")]:
        response = api.get(f"/api/v1/api-keys/?{query}")
        assert response.status_code == 400, query
        assert field in response.json()["errors"]


def test_a_provider_key_says_which_provider_it_acts_for(api):
    admin = ProviderAdminFactory()
    api.as_key(admin, "bids:read")

    response = api.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["organisation_kind"] == "provider"
    assert response.json()["organisation"]["name"] == admin.provider.name


def test_ordering_by_an_unknown_field_is_a_400_naming_the_choices(api):
    response = api.get("/api/v1/tenders/?ordering=-secret_price")

    assert response.status_code == 400
    assert "Choose from" in response.json()["errors"]["ordering"][0]


def test_a_key_is_refused_where_a_view_declares_no_scopes(api, rf):
    """A view added without `required_scopes` fails closed for keys."""
    from rest_framework.views import APIView

    from core.api.permissions import ScopedAccess

    class Forgetful(APIView):
        pass

    officer = OfficerFactory()
    issued = api_key_issue(actor=officer, name="Any", scopes=["tenders:read"])
    request = rf.get("/")
    request.user, request.auth = officer, issued.api_key
    permission = ScopedAccess()

    assert not permission.has_permission(request, Forgetful())
    assert "cannot do this" in permission.message


def test_a_date_time_filter_takes_any_offset_python_knows(api):
    # PostgreSQL refuses offsets beyond ±15:59; the filter converts to UTC first.
    for value in ("2026-01-01T00:00:00+16:00", "2026-01-01T00:00:00-20:00"):
        response = api.get("/api/v1/tenders/", {"updated_since": value})
        assert response.status_code == 200, value

    response = api.get("/api/v1/tenders/", {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert "updated_since" in response.json()["errors"]
