"""An integrator registers a webhook for their organisation, gets its signing secret once,
reads what was delivered, pings it and asks for a redelivery; nobody else's webhooks are
visible, and bad URLs and events are refused naming the field."""

import uuid

import pytest

from core.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from core.webhooks import Occurrence, webhooks_emit_many
from tests.factories import (
    BidWriterFactory,
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://1.1.1.1/hooks"
SCOPE = "webhooks:manage"


def _endpoint(owner, **fields) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        commissioner_id=owner.commissioner_id,
        provider_id=owner.provider_id,
        url=fields.pop("url", PUBLIC_URL),
        events=fields.pop("events", list(WebhookEvent.values)),
        secret="whsec_stored",
        created_by=owner,
        **fields,
    )


def _deliveries(endpoint, n, event="tender.published"):
    """Raises n new events (each about a subject of its own) and returns the endpoint's."""
    webhooks_emit_many(
        event, [Occurrence(data={"n": i}, subject=f"test:{uuid.uuid4()}") for i in range(n)]
    )
    return list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id"))


# --- registering ----------------------------------------------------------------------------


def test_an_admin_registers_a_webhook_and_sees_its_secret_only_once(api):
    admin = ProviderAdminFactory()
    api.as_key(admin, SCOPE)

    response = api.post(
        "/api/v1/webhooks/",
        {"url": PUBLIC_URL, "events": ["tender.published", "award.made"], "description": "Bids"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body["secret"] == endpoint.secret
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["tender.published", "award.made"]
    assert body["organisation_kind"] == "provider"
    assert body["organisation_id"] == admin.provider_id
    assert endpoint.provider_id == admin.provider_id

    listed = api.get("/api/v1/webhooks/").json()["results"]
    assert [row["id"] for row in listed] == [endpoint.pk]
    assert "secret" not in listed[0]
    detail = api.get(f"/api/v1/webhooks/{endpoint.pk}/")
    assert detail.status_code == 200
    assert "secret" not in detail.json()
    assert endpoint.secret not in detail.content.decode()


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"url": "http://127.0.0.1/hook"}, "url", "loopback address"),
        ({"url": "http://169.254.169.254/latest/"}, "url", "link-local address"),
        ({"url": "http://10.0.0.8/hook"}, "url", "private address"),
        ({"url": "http://localhost:8000/hook"}, "url", "port 80 or 443"),
        ({"url": "file:///etc/passwd"}, "url", "https://"),
        ({"url": "https://me:pw@1.1.1.1/"}, "url", "user name or password"),
        ({"events": ["tender.eaten"]}, "events", "not a valid choice"),
        ({"events": []}, "events", ""),
        ({"events": "tender.published"}, "events", ""),
        ({"colour": "red"}, "colour", "not known"),
        ({"description": "x" * 101}, "description", "100"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(api, payload, field, message):
    api.as_key(ManagerFactory(), SCOPE)

    response = api.post(
        "/api/v1/webhooks/",
        {"url": PUBLIC_URL, "events": ["tender.published"], **payload},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    named = [key for key in errors if key == field or key.startswith(f"{field}.")]
    assert named, errors
    assert message in " ".join(errors[named[0]])
    assert not WebhookEndpoint.objects.exists()


def test_malformed_json_is_a_400(api):
    api.as_key(ManagerFactory(), SCOPE)
    response = api.post("/api/v1/webhooks/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_bid_writer_reads_their_organisations_webhooks_but_cannot_change_them(api):
    admin = ProviderAdminFactory()
    endpoint = _endpoint(admin)
    api.as_key(BidWriterFactory(provider=admin.provider), SCOPE)

    assert api.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 200
    refused = api.post("/api/v1/webhooks/", {"url": PUBLIC_URL, "events": ["award.made"]})
    assert refused.status_code == 403
    assert api.patch(f"/api/v1/webhooks/{endpoint.pk}/", {"active": False}).status_code == 403
    assert api.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 403
    assert api.post(f"/api/v1/webhooks/{endpoint.pk}/ping/").status_code == 403


def test_another_organisations_webhooks_answer_404(api):
    theirs = _endpoint(ProviderAdminFactory())
    [delivery] = _deliveries(theirs, 1)
    api.as_key(ProviderAdminFactory(), SCOPE)

    assert api.get("/api/v1/webhooks/").json()["results"] == []
    for method, path in [
        ("get", f"/api/v1/webhooks/{theirs.pk}/"),
        ("patch", f"/api/v1/webhooks/{theirs.pk}/"),
        ("delete", f"/api/v1/webhooks/{theirs.pk}/"),
        ("post", f"/api/v1/webhooks/{theirs.pk}/ping/"),
        ("get", f"/api/v1/webhooks/{theirs.pk}/deliveries/"),
        ("get", f"/api/v1/webhooks/{theirs.pk}/deliveries/{delivery.pk}/"),
        ("post", f"/api/v1/webhooks/{theirs.pk}/deliveries/{delivery.pk}/redeliver/"),
    ]:
        assert getattr(api, method)(path).status_code == 404, path


def test_a_delivery_of_another_webhook_is_not_reachable_through_yours(api):
    admin = ProviderAdminFactory()
    mine = _endpoint(admin)
    theirs = _endpoint(ProviderAdminFactory())
    _deliveries(mine, 1)
    their_delivery = WebhookDelivery.objects.get(endpoint=theirs)
    api.as_key(admin, SCOPE)

    path = f"/api/v1/webhooks/{mine.pk}/deliveries/{their_delivery.pk}/"
    assert api.get(path).status_code == 404
    assert api.post(f"{path}redeliver/").status_code == 404


def test_a_commissioner_and_a_provider_never_see_each_others_webhooks(api):
    manager = ManagerFactory()
    _endpoint(manager)
    api.as_key(OfficerFactory(commissioner=manager.commissioner), SCOPE)
    assert len(api.get("/api/v1/webhooks/").json()["results"]) == 1
    api.as_key(ProviderAdminFactory(), SCOPE)
    assert api.get("/api/v1/webhooks/").json()["results"] == []


def test_the_scope_is_needed_and_anonymous_clients_are_refused(api):
    admin = ProviderAdminFactory()
    api.as_key(admin, "tenders:read")
    response = api.get("/api/v1/webhooks/")
    assert response.status_code == 403
    assert "webhooks:manage" in response.json()["detail"]
    assert api.anonymous().get("/api/v1/webhooks/").status_code == 401


# --- changing, pinging, deleting ------------------------------------------------------------


def test_an_admin_turns_a_webhook_off_and_on_and_changes_its_events(api):
    admin = ManagerFactory()
    endpoint = _endpoint(admin, active=False, disabled_reason="Disabled after 20 failures")
    api.as_key(admin, SCOPE)

    response = api.patch(
        f"/api/v1/webhooks/{endpoint.pk}/",
        {"active": True, "events": ["contract.created"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["active"] is True
    assert response.json()["disabled_reason"] == ""
    assert response.json()["events"] == ["contract.created"]
    refused = api.patch(
        f"/api/v1/webhooks/{endpoint.pk}/", {"url": "http://192.168.1.1/"}, format="json"
    )
    assert refused.status_code == 400
    assert "url" in refused.json()["errors"]
    assert api.put(f"/api/v1/webhooks/{endpoint.pk}/", {}).status_code == 405


def test_ping_queues_a_ping_delivery(api):
    admin = ProviderAdminFactory()
    endpoint = _endpoint(admin)
    api.as_key(admin, SCOPE)

    response = api.post(f"/api/v1/webhooks/{endpoint.pk}/ping/")

    assert response.status_code == 202
    delivery = WebhookDelivery.objects.get(pk=response.json()["id"])
    assert delivery.event == "ping"
    assert delivery.payload["data"]["webhook"]["id"] == endpoint.pk
    assert delivery.status == WebhookDelivery.Status.PENDING


def test_a_redelivery_sends_the_same_event_id_and_payload_as_a_new_delivery(api):
    admin = ProviderAdminFactory()
    endpoint = _endpoint(admin)
    [original] = _deliveries(endpoint, 1)
    WebhookDelivery.objects.filter(pk=original.pk).update(status="failed", attempts=8)
    api.as_key(admin, SCOPE)

    response = api.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{original.pk}/redeliver/")

    assert response.status_code == 202
    again = WebhookDelivery.objects.get(pk=response.json()["id"])
    assert again.pk != original.pk
    assert again.event_id == original.event_id
    assert again.payload == original.payload
    assert again.status == "pending" and again.attempts == 0


def test_an_admin_deletes_a_webhook(api):
    admin = ProviderAdminFactory()
    endpoint = _endpoint(admin)
    _deliveries(endpoint, 2)
    api.as_key(admin, SCOPE)

    assert api.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()


# --- the delivery log -----------------------------------------------------------------------


def test_the_delivery_log_filters_by_status_event_and_time(api):
    admin = ProviderAdminFactory()
    endpoint = _endpoint(admin)
    first, second = _deliveries(endpoint, 2)
    WebhookDelivery.objects.filter(pk=first.pk).update(status="delivered", last_status_code=200)
    _deliveries(endpoint, 1, event="award.made")
    api.as_key(admin, SCOPE)
    path = f"/api/v1/webhooks/{endpoint.pk}/deliveries/"

    everything = api.get(path).json()["results"]
    assert len(everything) == 3
    assert everything[0]["event"] == "award.made"  # newest first
    delivered = api.get(path, {"status": "delivered"}).json()["results"]
    assert [row["id"] for row in delivered] == [first.pk]
    assert delivered[0]["last_status_code"] == 200
    assert delivered[0]["payload"]["data"] == {"n": 0}
    assert len(api.get(path, {"event": "award.made"}).json()["results"]) == 1
    assert len(api.get(path, {"since": "2999-01-01T00:00:00Z"}).json()["results"]) == 0
    detail = api.get(f"{path}{second.pk}/")
    assert detail.status_code == 200
    assert detail.json()["event_id"] == str(second.event_id)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"event": "tender.eaten"}, "event"),
        ({"since": "yesterday"}, "since"),
        ({"page_size": "0"}, "page_size"),
        ({"cursor": "garbage"}, "cursor"),
        ({"ordering": "secret"}, "ordering"),
    ],
)
def test_bad_filters_on_the_delivery_log_are_a_400_naming_them(api, params, field):
    admin = ProviderAdminFactory()
    endpoint = _endpoint(admin)
    api.as_key(admin, SCOPE)

    response = api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/", params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_bad_filters_on_the_webhook_list_are_a_400(api):
    api.as_key(ProviderAdminFactory(), SCOPE)
    response = api.get("/api/v1/webhooks/", {"event": "nope", "active": "maybe"})
    assert response.status_code == 400
    assert {"event", "active"} <= set(response.json()["errors"])


def test_the_lists_make_the_same_number_of_queries_for_2_rows_or_20(api):
    admin = ProviderAdminFactory()
    for _ in range(22):
        endpoint = _endpoint(admin)
    _deliveries(endpoint, 22)
    api.as_key(admin, SCOPE)

    def fetch(path, size):
        response = api.get(path, {"page_size": size} if size else {})
        assert response.status_code == 200
        if size:
            assert len(response.json()["results"]) == size

    fetch("/api/v1/webhooks/", None)  # the key's first use is recorded once, not per list
    for path in ("/api/v1/webhooks/", f"/api/v1/webhooks/{endpoint.pk}/deliveries/"):
        assert count_queries(fetch, path, 2) == count_queries(fetch, path, 20), path


def test_the_details_make_the_same_queries_and_answer_304_when_unchanged(api):
    admin = ProviderAdminFactory()
    endpoint = _endpoint(admin)
    [delivery] = _deliveries(endpoint, 1)
    api.as_key(admin, SCOPE)

    for path in (
        f"/api/v1/webhooks/{endpoint.pk}/",
        f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/",
    ):
        first = api.get(path)
        assert first.status_code == 200
        again = api.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304, path
