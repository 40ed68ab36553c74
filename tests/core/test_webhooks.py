"""Webhooks: events from real service calls are queued for the right endpoints, deliveries are
signed as documented and POSTed to a real HTTP server on this machine, failures are retried
with backoff until the endpoint is disabled, and no URL reaching a non-public address is
ever accepted or called."""

import hashlib
import hmac
import json
import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from accountability.services.complaints import complaint_submit
from accountability.services.handling import complaint_forward_to_provider
from commissioning.choices import CriterionKind
from commissioning.models import PanelMember, Tender
from commissioning.services import tenders as tender_services
from commissioning.services.renewals import contract_renewals_run
from core.errors import DomainError, NotPermitted
from core.models import OutboxMessage, WebhookDelivery, WebhookEndpoint, WebhookEvent
from core.outbox import BACKOFF_MINUTES
from core.tasks import deliver_webhooks
from core.webhooks import (
    MAX_ATTEMPTS,
    Occurrence,
    UnsafeWebhookUrl,
    check_url,
    sign,
    webhook_endpoint_create,
    webhooks_deliver,
    webhooks_emit_many,
)
from tests.factories import (
    BidWriterFactory,
    ContractFactory,
    CriterionFactory,
    LotFactory,
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
    TenderFactory,
    published_tender,
)
from tests.queries import count_queries
from tests.worker import celery_worker, wait_until

PUBLIC_URL = "https://1.1.1.1/civicmarkets/hooks"


# --- a real receiver on this machine ---------------------------------------------------------


class Receiver:
    """An HTTP server in a thread that records what it is sent and answers `status`."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.headers = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"thanks " * 500)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks?source=civicmarkets"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_delivery(settings):
    """Lets webhooks reach this machine, as only tests may."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_ALLOWED_PORTS = []
    return settings


@pytest.fixture
def receiver(local_delivery):
    server = Receiver()
    yield server
    server.close()


def _endpoint(*, url=PUBLIC_URL, events=None, owner=None, **fields) -> WebhookEndpoint:
    """An endpoint stored directly (registration itself is tested through the service)."""
    owner = owner or ProviderAdminFactory()
    return WebhookEndpoint.objects.create(
        commissioner_id=owner.commissioner_id,
        provider_id=owner.provider_id,
        url=url,
        events=events or list(WebhookEvent.values),
        secret="whsec_test-secret",
        created_by=owner,
        **fields,
    )


def _queue(endpoint, event=WebhookEvent.TENDER_PUBLISHED, data=None) -> WebhookDelivery:
    """Raises a new event (a subject of its own each time, so each is a distinct event)."""
    subject = f"test:{uuid.uuid4()}"
    webhooks_emit_many(event, [Occurrence(data=data or {"tender": {"id": 1}}, subject=subject)])
    return WebhookDelivery.objects.filter(endpoint=endpoint).latest("id")


# --- the SSRF guard --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/hook", "resolves to a loopback address (127.0.0.1)"),
        ("https://10.1.2.3/hook", "resolves to a private address (10.1.2.3)"),
        ("https://192.168.0.10/hook", "resolves to a private address"),
        ("http://169.254.169.254/latest/meta-data/", "resolves to a link-local address"),
        ("http://[::1]/hook", "resolves to a loopback address (::1)"),
        ("http://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1 resolves to a loopback address"),
        ("http://[fe80::1]/hook", "resolves to a link-local address"),
        ("https://0.0.0.0/hook", "resolves to an unspecified address"),
        ("http://224.0.0.1/hook", "resolves to a multicast address"),
        ("http://localhost/hook", "localhost resolves to a loopback address"),
        ("file:///etc/passwd", "Enter a URL starting with https:// (or http://)"),
        ("gopher://1.1.1.1:70/_hello", "Enter a URL starting with https:// (or http://)"),
        ("ftp://1.1.1.1/hook", "Enter a URL starting with https:// (or http://)"),
        ("https://user:pass@1.1.1.1/hook", "without a user name or password"),
        ("https://evil@1.1.1.1/hook", "without a user name or password"),
        ("https://1.1.1.1:6379/hook", "Enter a URL on port 80 or 443"),
        ("https://1.1.1.1:99999/hook", "Enter a valid URL"),
        ("https:///hook", "Enter a valid URL"),
        ("not a url", "Enter a URL starting with https://"),
    ],
)
def test_urls_that_could_reach_the_platform_itself_are_refused_saying_why(url, message):
    with pytest.raises(UnsafeWebhookUrl, match=None) as refused:
        check_url(url)
    assert message in refused.value.message
    assert refused.value.field_errors == {"url": [refused.value.message]}


def test_a_public_address_is_accepted_and_pinned():
    target = check_url("https://1.1.1.1/hooks/in?x=1")
    assert (target.scheme, target.host, target.port) == ("https", "1.1.1.1", 443)
    assert target.path == "/hooks/in?x=1"
    assert target.address == "1.1.1.1"


@pytest.mark.django_db
def test_registration_refuses_a_private_address_and_an_unknown_event():
    admin = ProviderAdminFactory()
    with pytest.raises(DomainError) as refused:
        webhook_endpoint_create(
            actor=admin, url="http://10.0.0.5/hook", events=["tender.published"]
        )
    assert "private address" in refused.value.field_errors["url"][0]
    with pytest.raises(DomainError) as refused:
        webhook_endpoint_create(actor=admin, url=PUBLIC_URL, events=["tender.eaten"])
    assert refused.value.field_errors == {"events": ["Not an event: tender.eaten"]}
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_only_organisation_admins_register_endpoints_with_a_generated_secret():
    with pytest.raises(NotPermitted):
        webhook_endpoint_create(
            actor=BidWriterFactory(), url=PUBLIC_URL, events=["tender.published"]
        )
    manager = ManagerFactory()
    endpoint = webhook_endpoint_create(
        actor=manager, url=PUBLIC_URL, events=["tender.published", "tender.published"]
    )
    assert endpoint.commissioner_id == manager.commissioner_id
    assert endpoint.provider_id is None
    assert endpoint.events == ["tender.published"]
    assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40


@pytest.mark.django_db
def test_an_endpoint_belongs_to_exactly_one_organisation():
    from django.db import IntegrityError

    manager, admin = ManagerFactory(), ProviderAdminFactory()
    with pytest.raises(IntegrityError):
        WebhookEndpoint.objects.create(
            commissioner=manager.commissioner,
            provider=admin.provider,
            url=PUBLIC_URL,
            events=["tender.published"],
            secret="x",
        )


# --- delivering to a real server -------------------------------------------------------------


@pytest.mark.django_db
def test_a_delivery_reaches_the_receiver_signed_as_documented(receiver):
    endpoint = _endpoint(url=receiver.url)
    delivery = _queue(endpoint, data={"tender": {"id": 7, "title": "Meals on wheels"}})

    assert webhooks_deliver() == 1

    [request] = receiver.requests
    assert request["path"] == "/hooks?source=civicmarkets"
    headers = request["headers"]
    assert headers["Host"] == f"127.0.0.1:{receiver.server.server_port}"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-CivicMarkets-Event"] == "tender.published"
    assert headers["X-CivicMarkets-Delivery"] == str(delivery.event_id)
    # The documented scheme, computed here independently of the code under test.
    fields = dict(part.split("=", 1) for part in headers["X-CivicMarkets-Signature"].split(","))
    expected = hmac.new(
        b"whsec_test-secret", f"{fields['t']}.".encode() + request["body"], hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(fields["v1"], expected)
    assert abs(int(fields["t"]) - timezone.now().timestamp()) < 60
    body = json.loads(request["body"])
    assert body["id"] == str(delivery.event_id)
    assert body["event"] == "tender.published"
    assert body["data"] == {"tender": {"id": 7, "title": "Meals on wheels"}}
    assert "created_at" in body

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.last_status_code == 200
    assert delivery.attempts == 1
    assert delivery.delivered_at is not None
    assert delivery.response_excerpt.startswith("thanks")
    assert len(delivery.response_excerpt) == 1000  # the receiver said more: kept bounded
    assert webhooks_deliver() == 0  # sent once


def test_the_signature_helper_matches_the_documented_scheme():
    body = b'{"id":"x"}'
    expected = hmac.new(b"whsec_abc", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("whsec_abc", body, 1700000000) == f"t=1700000000,v1={expected}"


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_with_backoff_then_given_up_and_the_endpoint_disabled(
    receiver, local_delivery
):
    local_delivery.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.status = 500
    admin = ProviderAdminFactory()
    colleague = ProviderAdminFactory(provider=admin.provider)
    BidWriterFactory(provider=admin.provider)
    endpoint = _endpoint(url=receiver.url, owner=admin)
    delivery = _queue(endpoint)
    queued_for = delivery.next_attempt_at

    assert webhooks_deliver() == 0

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert delivery.last_error == "The receiver answered HTTP 500"
    assert delivery.next_attempt_at >= queued_for + timedelta(minutes=BACKOFF_MINUTES[0])
    assert webhooks_deliver() == 0  # not due again yet
    assert len(receiver.requests) == 1

    # Much later, at its last attempt: it gives up.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=MAX_ATTEMPTS - 1, next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    webhooks_deliver()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    endpoint.refresh_from_db()
    assert endpoint.active  # two failures in a row so far

    # A third failure in a row disables the endpoint and tells the organisation's admins.
    _queue(endpoint)
    webhooks_deliver()
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "Disabled after 3 failed deliveries in a row" in endpoint.disabled_reason
    assert "HTTP 500" in endpoint.disabled_reason
    emails = OutboxMessage.objects.filter(subject="A webhook endpoint has been disabled")
    assert set(emails.values_list("to", flat=True)) == {admin.email, colleague.email}
    assert endpoint.url in emails.first().body

    # Nothing more goes to a disabled endpoint.
    _queue(endpoint)
    assert webhooks_deliver() == 0
    assert len(receiver.requests) == 3


@pytest.mark.django_db
def test_a_redirect_is_not_followed(receiver):
    receiver.status = 302
    receiver.headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    delivery = _queue(_endpoint(url=receiver.url))

    webhooks_deliver()

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_the_address_is_checked_again_at_every_attempt(receiver, local_delivery):
    """An endpoint accepted once is refused when its host now reaches a private address."""
    delivery = _queue(_endpoint(url=receiver.url))
    local_delivery.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    webhooks_deliver()

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_status_code is None
    assert "resolves to a loopback address" in delivery.last_error
    assert receiver.requests == []


@pytest.mark.django_db
def test_a_receiver_that_is_down_is_retried(local_delivery):
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    delivery = _queue(_endpoint(url=f"http://127.0.0.1:{port}/hook"))

    webhooks_deliver()

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert "ConnectionRefusedError" in delivery.last_error


# --- events from real service calls ----------------------------------------------------------


def _publishable_draft() -> Tender:
    tender = TenderFactory()
    LotFactory(tender=tender, number=1)
    CriterionFactory(tender=tender, kind=CriterionKind.PRICE, title="Price", weight=40)
    CriterionFactory(tender=tender, kind=CriterionKind.QUALITY, title="Quality", weight=50)
    CriterionFactory(tender=tender, kind=CriterionKind.SOCIAL_VALUE, title="Social", weight=10)
    PanelMember.objects.create(tender=tender, user=OfficerFactory(commissioner=tender.commissioner))
    return tender


@pytest.mark.django_db
def test_publishing_a_tender_queues_tender_published_for_every_subscriber():
    bid_tool = _endpoint(events=["tender.published"])
    other_provider = _endpoint(events=["tender.published", "award.made"])
    not_subscribed = _endpoint(events=["contract.created"])
    disabled = _endpoint(events=["tender.published"], active=False)
    tender = _publishable_draft()

    tender_services.tender_publish(
        tender=tender, actor=OfficerFactory(commissioner=tender.commissioner)
    )

    deliveries = WebhookDelivery.objects.filter(event="tender.published").exclude(endpoint=disabled)
    assert {d.endpoint_id for d in deliveries} == {bid_tool.pk, other_provider.pk}
    assert not WebhookDelivery.objects.filter(endpoint=not_subscribed).exists()
    # The endpoint that is off keeps the event until it is on again (never sent meanwhile).
    held = WebhookDelivery.objects.get(endpoint=disabled)
    assert (held.status, held.attempts) == (WebhookDelivery.Status.PENDING, 0)
    first, second = deliveries
    assert first.event_id == second.event_id  # one event, one id, whoever receives it
    data = first.payload["data"]["tender"]
    assert data["id"] == tender.pk
    assert data["title"] == tender.title
    assert data["status"] == "published"
    assert data["commissioner"] == {"id": tender.commissioner_id, "name": tender.commissioner.name}
    assert data["estimated_value"] == "250000.00"
    assert data["ocid"].endswith(f"-{tender.pk}")
    assert data["url"].endswith(f"/api/v1/tenders/{tender.pk}/")
    assert first.payload["id"] == str(first.event_id)


@pytest.mark.django_db
def test_closing_a_tender_queues_tender_closed_without_any_bid_contents():
    endpoint = _endpoint(events=["tender.closed"])
    tender = published_tender()
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=timezone.now() - timedelta(minutes=1),
        clarification_deadline=timezone.now() - timedelta(days=1),
    )

    tender_services.tender_close(tender=Tender.objects.get(pk=tender.pk))

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event == "tender.closed"
    assert delivery.payload["data"]["tender"]["status"] == "closed"
    assert "bid" not in json.dumps(delivery.payload).lower()


@pytest.mark.django_db
def test_a_complaint_is_announced_to_the_commissioner_and_to_the_provider_once_forwarded():
    contract = ContractFactory()
    commissioner_hook = _endpoint(
        owner=ManagerFactory(commissioner=contract.commissioner), events=["complaint.received"]
    )
    provider_hook = _endpoint(
        owner=ProviderAdminFactory(provider=contract.provider), events=["complaint.received"]
    )
    unrelated = _endpoint(events=["complaint.received"])
    unrelated_commissioner = _endpoint(owner=ManagerFactory(), events=["complaint.received"])

    complaint, _token = complaint_submit(
        contract=contract,
        category="quality",
        description="Nobody came on Tuesday; my mother waited all day.",
        location="12 Mill Lane",
        postcode="NS1 2AB",
        complainant_name="Pat Citizen",
        complainant_email="pat@example.org",
        complainant_phone="07700 900123",
    )

    deliveries = WebhookDelivery.objects.filter(event="complaint.received")
    # The provider may not read a complaint until the commissioner forwards it.
    assert {d.endpoint_id for d in deliveries} == {commissioner_hook.pk}
    assert not WebhookDelivery.objects.filter(
        endpoint__in=[unrelated, unrelated_commissioner]
    ).exists()
    payload = json.dumps(deliveries.first().payload)
    for personal in ("Pat", "pat@example.org", "07700", "Mill Lane", "NS1", "mother"):
        assert personal not in payload
    assert deliveries.first().payload["data"]["complaint"]["reference"] == complaint.reference

    first_ids = [d.pk for d in deliveries]

    complaint_forward_to_provider(
        complaint=complaint, actor=OfficerFactory(commissioner=contract.commissioner)
    )

    forwarded = WebhookDelivery.objects.filter(event="complaint.received").exclude(pk__in=first_ids)
    assert [d.endpoint_id for d in forwarded] == [provider_hook.pk]


@pytest.mark.django_db
def test_the_renewals_job_announces_renewal_due_to_the_parties_in_bulk():
    today = timezone.localdate()
    contracts = [
        ContractFactory(
            start_date=today - timedelta(days=600),
            end_date=today + relativedelta(months=6, days=-10),
        )
        for _ in range(3)
    ]
    hook = _endpoint(
        owner=ProviderAdminFactory(provider=contracts[0].provider),
        events=["contract.renewal_due"],
    )
    unrelated = _endpoint(events=["contract.renewal_due"])

    contract_renewals_run()

    delivery = WebhookDelivery.objects.get(event="contract.renewal_due")
    assert delivery.endpoint_id == hook.pk
    assert delivery.payload["data"]["contract"]["id"] == contracts[0].pk
    assert delivery.payload["data"]["renewal"]["recommendation"] == "extend"
    assert not WebhookDelivery.objects.filter(endpoint=unrelated).exists()


@pytest.mark.django_db
def test_queueing_an_event_costs_the_same_queries_for_two_records_or_twenty():
    for _ in range(3):
        _endpoint(events=["tender.published"])

    def emit(n):
        return webhooks_emit_many(
            "tender.published",
            [Occurrence(data={"n": i}, subject=f"{n}:{i}") for i in range(n)],
        )

    assert count_queries(emit, 2) == count_queries(emit, 20) == 2
    assert WebhookDelivery.objects.count() == 3 * 22


@pytest.mark.django_db
def test_a_change_nobody_subscribed_to_costs_one_query():
    tender = _publishable_draft()
    officer = OfficerFactory(commissioner=tender.commissioner)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        tender_services.tender_publish(tender=tender, actor=officer)
    webhook_queries = [q for q in captured.captured_queries if "webhook" in q["sql"]]
    assert len(webhook_queries) == 1
    assert not WebhookDelivery.objects.exists()


# --- an endpoint that is off -----------------------------------------------------------------


@pytest.mark.django_db
def test_no_attempt_is_made_once_an_endpoint_is_disabled_mid_batch(receiver, local_delivery):
    """The issue's fault: a batch claimed while the endpoint was on went on POSTing to it
    after its failures had turned it off."""
    local_delivery.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.status = 503
    endpoint = _endpoint(url=receiver.url)
    for _ in range(5):
        _queue(endpoint)

    webhooks_deliver()

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert len(receiver.requests) == 3
    waiting = WebhookDelivery.objects.filter(endpoint=endpoint, attempts=0)
    assert waiting.count() == 2
    assert set(waiting.values_list("status", flat=True)) == {WebhookDelivery.Status.PENDING}


@pytest.mark.django_db
def test_events_raised_while_an_endpoint_is_off_wait_and_go_out_when_it_is_on_again(receiver):
    """The issue's fault: events raised while an endpoint was disabled were dropped."""
    from core.webhooks import webhook_endpoint_update

    admin = ProviderAdminFactory()
    endpoint = _endpoint(url=receiver.url, owner=admin, active=False)
    held = [_queue(endpoint), _queue(endpoint)]

    assert webhooks_deliver() == 0
    assert receiver.requests == []

    webhook_endpoint_update(endpoint=endpoint, actor=admin, active=True)
    assert webhooks_deliver() == 2

    sent = {json.loads(request["body"])["id"] for request in receiver.requests}
    assert sent == {str(delivery.event_id) for delivery in held}


@pytest.mark.django_db
def test_events_held_longer_than_the_hold_period_expire_instead(receiver, local_delivery):
    from core.webhooks import webhook_endpoint_update

    local_delivery.WEBHOOK_HOLD_DAYS = 7
    admin = ProviderAdminFactory()
    endpoint = _endpoint(url=receiver.url, owner=admin, active=False)
    stale, fresh = _queue(endpoint), _queue(endpoint)
    WebhookDelivery.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(days=8)
    )

    webhook_endpoint_update(endpoint=endpoint, actor=admin, active=True)
    webhooks_deliver()

    [request] = receiver.requests
    assert json.loads(request["body"])["id"] == str(fresh.event_id)
    stale.refresh_from_db()
    assert stale.status == WebhookDelivery.Status.EXPIRED
    assert "Held for more than 7 days while the endpoint was off" in stale.last_error


@pytest.mark.django_db
def test_the_retention_job_expires_events_held_too_long_for_an_endpoint_still_off(settings):
    from accountability.services.retention import retention_run

    settings.WEBHOOK_HOLD_DAYS = 3
    off = _endpoint(active=False)
    on = _endpoint()
    stale_off, fresh_off, stale_on = _queue(off), _queue(off), _queue(on)
    WebhookDelivery.objects.filter(pk__in=[stale_off.pk, stale_on.pk]).update(
        created_at=timezone.now() - timedelta(days=4)
    )

    assert retention_run().webhook_events_expired == 1

    status = dict(WebhookDelivery.objects.values_list("pk", "status"))
    assert status[stale_off.pk] == WebhookDelivery.Status.EXPIRED
    assert status[fresh_off.pk] == status[stale_on.pk] == WebhookDelivery.Status.PENDING


@pytest.mark.django_db
def test_an_event_raised_twice_is_one_delivery_and_a_redelivery_repeats_its_id(receiver):
    from core.webhooks import webhook_redeliver

    admin = ProviderAdminFactory()
    endpoint = _endpoint(url=receiver.url, owner=admin)
    twice = [Occurrence(data={"tender": {"id": 9}}, subject="tender:9:published")] * 2
    webhooks_emit_many("tender.published", twice)
    webhooks_emit_many("tender.published", twice[:1])

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    again = webhook_redeliver(delivery=delivery, actor=admin)
    webhooks_deliver()

    ids = [json.loads(request["body"])["id"] for request in receiver.requests]
    assert ids == [str(delivery.event_id)] * 2
    assert again.redelivery_of_id == delivery.pk


# --- the job ---------------------------------------------------------------------------------


def test_delivery_is_on_the_beat_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["deliver-webhooks"]
    assert entry["task"] == deliver_webhooks.name
    assert str(entry["schedule"]) == "<crontab: * * * * * (m/h/dM/MY/d)>"


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_celery_worker_delivers_webhooks_to_a_real_receiver(monkeypatch):
    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "true")
    monkeypatch.setenv("WEBHOOK_ALLOWED_PORTS", "")
    server = Receiver()
    try:
        endpoint = _endpoint(url=server.url, events=["contract.created"])
        webhooks_emit_many(
            "contract.created",
            [Occurrence(data={"contract": {"value": Decimal("1.50")}}, subject="contract:1")],
        )
        delivery = WebhookDelivery.objects.get(endpoint=endpoint)

        with celery_worker() as queue:
            deliver_webhooks.apply_async(queue=queue)
            wait_until(
                lambda: WebhookDelivery.objects.filter(
                    pk=delivery.pk, status=WebhookDelivery.Status.DELIVERED
                ).exists(),
                message="the worker to deliver the webhook",
            )
        assert json.loads(server.requests[0]["body"])["data"] == {"contract": {"value": "1.50"}}
    finally:
        server.close()


# --- the pages -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_manager_adds_a_webhook_in_the_pages_and_sees_the_secret_once(sign_in):
    manager = ManagerFactory()
    client = sign_in(manager)

    response = client.post(
        "/webhooks/new/",
        {"url": PUBLIC_URL, "events": ["tender.published", "contract.created"]},
    )

    assert response.status_code == 302
    assert response["Location"] == "/webhooks/created/"
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.commissioner_id == manager.commissioner_id
    shown = client.get("/webhooks/created/")
    assert endpoint.secret in shown.content.decode()
    again = client.get("/webhooks/created/")
    assert again.status_code == 302  # shown once only
    listed = client.get("/webhooks/").content.decode()
    assert PUBLIC_URL in listed
    assert endpoint.secret not in listed
    assert endpoint.secret not in client.get(f"/webhooks/{endpoint.pk}/").content.decode()


@pytest.mark.django_db
def test_the_page_refuses_a_private_address_with_the_error_on_the_field(sign_in):
    client = sign_in(ProviderAdminFactory())

    response = client.post("/webhooks/new/", {"url": "http://169.254.169.254/", "events": []})

    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error:" in page
    assert "link-local address" in page
    assert "Choose at least one event" in page
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_a_bid_writer_sees_the_webhooks_but_cannot_add_or_change_them(sign_in):
    admin = ProviderAdminFactory()
    endpoint = _endpoint(owner=admin)
    client = sign_in(BidWriterFactory(provider=admin.provider))

    assert PUBLIC_URL in client.get("/webhooks/").content.decode()
    assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 200
    assert client.get("/webhooks/new/").status_code == 403
    assert client.post(f"/webhooks/{endpoint.pk}/active/", {"active": "off"}).status_code == 403
    assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 403
    assert client.post(f"/webhooks/{endpoint.pk}/ping/").status_code == 403


@pytest.mark.django_db
def test_another_organisations_webhook_pages_are_404_and_anonymous_users_sign_in(client, sign_in):
    endpoint = _endpoint()
    assert client.get("/webhooks/")["Location"].startswith("/accounts/login/")
    other = sign_in(ProviderAdminFactory())
    for path in ("", "delete/"):
        assert other.get(f"/webhooks/{endpoint.pk}/{path}").status_code == 404
    assert other.post(f"/webhooks/{endpoint.pk}/active/", {"active": "off"}).status_code == 404


@pytest.mark.django_db
def test_the_webhook_page_shows_recent_deliveries_and_turns_off_on_and_deletes(sign_in):
    admin = ProviderAdminFactory()
    endpoint = _endpoint(owner=admin)
    delivery = _queue(endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=2, last_status_code=503, last_error="The receiver answered HTTP 503"
    )
    client = sign_in(admin)

    page = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "tender.published" in page
    assert "The receiver answered HTTP 503" in page

    client.post(f"/webhooks/{endpoint.pk}/active/", {"active": "off"})
    endpoint.refresh_from_db()
    assert not endpoint.active
    client.post(f"/webhooks/{endpoint.pk}/active/", {"active": "on"})
    endpoint.refresh_from_db()
    assert endpoint.active
    client.post(f"/webhooks/{endpoint.pk}/ping/")
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event="ping").exists()
    assert client.get(f"/webhooks/{endpoint.pk}/delete/").status_code == 200
    response = client.post(f"/webhooks/{endpoint.pk}/delete/")
    assert response["Location"] == "/webhooks/"
    assert not WebhookEndpoint.objects.exists()
