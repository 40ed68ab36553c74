"""Webhooks: organisations register URLs; the platform POSTs signed events to them.

Events
    tender.published, tender.closed, award.made, contract.created are public facts: every
    active endpoint subscribed to them receives them (a provider's bid tool wants every new
    tender). contract.renewal_due, complaint.received, escalation.changed are private: only the
    endpoints of the contract's commissioner and provider receive them. `ping` is sent only on
    request, to one endpoint.

Emission is transactional, like the email outbox: services already call `audit_record`
inside their transaction with the record they changed, and it calls `webhooks_on_audit`,
which maps the audit action to an event and inserts one WebhookDelivery per subscribed
endpoint (one query to find them, one bulk insert). A change that rolls back never sends an
event; a failing receiver never fails or undoes the change. Jobs that change rows in bulk
without auditing each (renewal decisions opening) call `webhooks_emit_many` per chunk, for
the rows they actually inserted.

Event ids are derived from what the event is about (`event_id_for`: a UUID 5 of the event's
name and its subject, e.g. the renewal decision's contract and end date, or the audited
action, record and new state), so an event raised twice (two job runs at once, a retried
task) has one id, and a unique constraint on (endpoint, event id) keeps it to one delivery.
Only a person's "redeliver" repeats an event id, as a delivery marked `redelivery_of`.

Events for an endpoint that is turned off (by its organisation, or after failing) are kept
as pending deliveries and sent when it is turned on again; those older than WEBHOOK_HOLD_DAYS
then expire instead, as do any still held that long (the nightly retention job).

Delivery (`webhooks_deliver`, run by the Celery task `core.tasks.deliver_webhooks` every
minute and kicked after commit when something is queued) POSTs the JSON body::

    {"id": "<event id>", "event": "<name>", "created_at": "<ISO 8601>", "data": {...}}

with the headers

    Content-Type: application/json
    User-Agent: CivicMarkets-Webhooks/1
    X-CivicMarkets-Event: <name>
    X-CivicMarkets-Delivery: <event id>      (the same on every retry: your idempotency key)
    X-CivicMarkets-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>

where v1 = hex(HMAC_SHA256(key=<endpoint secret>, msg=f"{t}.{raw body}")). Receivers verify
by recomputing it over the raw body, comparing in constant time, and refusing a `t` more than
a few minutes old (which stops replays). Any 2xx answer is a delivery; anything else (another
status, a redirect, a timeout, a refused address) is retried with the outbox's backoff,
counted from when the attempt ended, up to MAX_ATTEMPTS; after
WEBHOOK_DISABLE_AFTER_FAILURES failures in a row the endpoint is disabled and its
organisation's admins are emailed. No attempt is made once an endpoint is off: each attempt
checks first.

SSRF guard: only http(s) URLs without user info, on an allowed port, whose host resolves
only to global addresses are accepted, checked at registration and again at every attempt
(DNS can change). The connection goes to the address that was checked (pinned), with the
URL's host in the Host header and, for HTTPS, in SNI and certificate verification, so a DNS
answer cannot change between the check and the connection. Redirects are never followed.
"""

import contextlib
import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .dbclock import db_now
from .errors import DomainError, NotPermitted
from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from .outbox import backoff, lease
from .permissions import Action, Policy, is_platform_staff

PING = "ping"
PUBLIC_EVENTS = frozenset(
    {
        WebhookEvent.TENDER_PUBLISHED,
        WebhookEvent.TENDER_CLOSED,
        WebhookEvent.AWARD_MADE,
        WebhookEvent.CONTRACT_CREATED,
    }
)
PRIVATE_EVENTS = frozenset(set(WebhookEvent.values) - PUBLIC_EVENTS)

# The audit actions that are events. Looked up before anything else, so every other audited
# change costs nothing here.
AUDIT_EVENTS = {
    "tender.published": WebhookEvent.TENDER_PUBLISHED,
    "tender.closed": WebhookEvent.TENDER_CLOSED,
    "lot.awarded": WebhookEvent.AWARD_MADE,
    "contract.created": WebhookEvent.CONTRACT_CREATED,
    "complaint.submitted": WebhookEvent.COMPLAINT_RECEIVED,
    "complaint.forwarded_to_provider": WebhookEvent.COMPLAINT_RECEIVED,
    "escalation.step_decided": WebhookEvent.ESCALATION_CHANGED,
    "escalation.proposal_overridden": WebhookEvent.ESCALATION_CHANGED,
}
# Private events go to whom the pages would show them, and no further: a provider sees a
# complaint only once the commissioner forwards it, and never sees escalation proposals
# (officers decide on them first); both parties see a decided escalation step.
COMMISSIONER_ONLY = {"complaint.submitted", "escalation.proposal_overridden"}
PROVIDER_ONLY = {"complaint.forwarded_to_provider"}

MAX_ATTEMPTS = 8
MAX_EXCERPT = 1000
USER_AGENT = "CivicMarkets-Webhooks/1"
ORGANISATION_ADMIN_ROLES = ("commissioning_manager", "provider_admin")
# Event ids are UUID 5s in this namespace (itself uuid5(NAMESPACE_URL, "civicmarkets:webhooks")).
EVENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "civicmarkets:webhooks")


# --- who may see and manage endpoints -------------------------------------------------------


def _endpoints_visible_to(user):
    if not (user.is_authenticated and user.is_active):
        return WebhookEndpoint.objects.none()
    if is_platform_staff(user):
        return WebhookEndpoint.objects.all()
    if user.commissioner_id:
        return WebhookEndpoint.objects.filter(commissioner_id=user.commissioner_id)
    if user.provider_id:
        return WebhookEndpoint.objects.filter(provider_id=user.provider_id)
    return WebhookEndpoint.objects.none()


def can_manage_webhooks(user) -> bool:
    """Organisation admins (commissioning managers, provider admins) manage their
    organisation's endpoints; their colleagues may read them and their deliveries."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role in ORGANISATION_ADMIN_ROLES
        and (user.commissioner_id or user.provider_id)
    )


def _can_change(user, endpoint) -> bool:
    return can_manage_webhooks(user) and (
        (endpoint.commissioner_id and endpoint.commissioner_id == user.commissioner_id)
        or (endpoint.provider_id and endpoint.provider_id == user.provider_id)
    )


webhook_endpoint_policy = Policy(
    visible_to=_endpoints_visible_to,
    rules={Action.CHANGE: _can_change},
    refusals={
        Action.CHANGE: "Only your organisation's commissioning managers or provider admins "
        "can change its webhooks."
    },
)


def _deliveries_visible_to(user):
    return WebhookDelivery.objects.filter(endpoint__in=_endpoints_visible_to(user))


webhook_delivery_policy = Policy(
    visible_to=_deliveries_visible_to,
    rules={Action.CHANGE: lambda user, delivery: _can_change(user, delivery.endpoint)},
    refusals=webhook_endpoint_policy.refusals,
)


# --- the SSRF guard -------------------------------------------------------------------------


class UnsafeWebhookUrl(DomainError):
    """A URL the platform will not send to; the message says why, for the `url` field."""

    def __init__(self, message: str):
        super().__init__(message, field_errors={"url": [message]})


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why `address` is no place to send to, or None if it is a public address."""
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv6 form of an IPv4 address is judged as that IPv4 address.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _refusal(embedded)
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "an address that is not public"
    return None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection goes to


def check_url(url: str) -> Target:
    """Checks `url` is one the platform may POST to and resolves it. Returns where to connect;
    raises UnsafeWebhookUrl, saying why, otherwise."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        raise UnsafeWebhookUrl("Enter a valid URL, like https://example.org/webhooks") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeWebhookUrl("Enter a URL starting with https:// (or http://)")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeWebhookUrl("Enter a URL without a user name or password in it")
    host = parts.hostname
    if not host:
        raise UnsafeWebhookUrl("Enter a valid URL, like https://example.org/webhooks")
    default_port = 443 if parts.scheme == "https" else 80
    port = port or default_port
    allowed = settings.WEBHOOK_ALLOWED_PORTS
    if allowed and port not in allowed:
        ports = " or ".join(str(p) for p in allowed)
        raise UnsafeWebhookUrl(f"Enter a URL on port {ports}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeWebhookUrl(f"The host {host[:100]} could not be found") from None
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeWebhookUrl(f"The host {host} could not be found")
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            why = _refusal(address)
            if why:
                raise UnsafeWebhookUrl(
                    f"Enter a URL on the public internet: {host} resolves to {why} ({address})"
                )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, str(addresses[0]))


# --- signing --------------------------------------------------------------------------------


def generate_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The X-CivicMarkets-Signature header's value for `body` sent at `timestamp`."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# --- managing endpoints ---------------------------------------------------------------------


def _clean_events(events) -> list[str]:
    events = list(dict.fromkeys(events or []))
    unknown = [e for e in events if e not in WebhookEvent.values]
    if unknown:
        raise DomainError(
            "Check the events you chose.",
            field_errors={"events": [f"Not an event: {', '.join(unknown)}"]},
        )
    if not events:
        raise DomainError(
            "Choose at least one event.", field_errors={"events": ["Choose at least one event"]}
        )
    return events


@transaction.atomic
def webhook_endpoint_create(
    *, actor, url: str, events: list[str], description: str = ""
) -> WebhookEndpoint:
    """Registers an endpoint for the actor's organisation. The returned endpoint's `secret`
    is shown to the actor once; nowhere else shows it."""
    from .services import audit_record

    if not can_manage_webhooks(actor):
        raise NotPermitted(webhook_endpoint_policy.refusals[Action.CHANGE])
    url = (url or "").strip()
    events = _clean_events(events)
    check_url(url)
    endpoint = WebhookEndpoint(
        commissioner_id=actor.commissioner_id,
        provider_id=None if actor.commissioner_id else actor.provider_id,
        url=url,
        events=events,
        description=(description or "").strip(),
        secret=generate_secret(),
        created_by=actor,
    )
    _validated(endpoint)
    endpoint.save()
    audit_record(
        actor=actor,
        action="webhook.created",
        target=endpoint,
        after={"url": url, "events": events},
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, actor, **changes) -> WebhookEndpoint:
    """Changes an endpoint's url, events, description or `active`. Enabling an endpoint
    clears why it was disabled and its failure count; the events held while it was off go
    out, those older than WEBHOOK_HOLD_DAYS expire."""
    from .services import audit_record, snapshot

    endpoint = WebhookEndpoint.objects.select_for_update(of=("self",), no_key=True).get(
        pk=endpoint.pk
    )
    if not webhook_endpoint_policy.can(actor, endpoint, Action.CHANGE):
        raise NotPermitted(webhook_endpoint_policy.refusals[Action.CHANGE])
    unknown = set(changes) - {"url", "events", "description", "active"}
    if unknown:
        raise ValueError(f"not a webhook field: {', '.join(sorted(unknown))}")
    before = snapshot(endpoint, changes)
    if "url" in changes:
        changes["url"] = (changes["url"] or "").strip()
        check_url(changes["url"])
    if "events" in changes:
        changes["events"] = _clean_events(changes["events"])
    if "description" in changes:
        changes["description"] = (changes["description"] or "").strip()
    for name, value in changes.items():
        setattr(endpoint, name, value)
    turned_on = changes.get("active") is True and not before.get("active")
    if turned_on:
        endpoint.disabled_reason = ""
        endpoint.consecutive_failures = 0
        _release_held(endpoint)
    elif changes.get("active") is False and before.get("active"):
        endpoint.disabled_reason = f"Disabled by {actor}"[:255]
    _validated(endpoint)
    endpoint.save()
    after = snapshot(endpoint, changes)
    changed = {k: v for k, v in after.items() if before[k] != v}
    if changed:
        audit_record(
            actor=actor,
            action="webhook.changed",
            target=endpoint,
            before={k: before[k] for k in changed},
            after=changed,
        )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor) -> None:
    """Deletes an endpoint and its delivery log."""
    from .services import audit_record

    # FOR UPDATE, not NO KEY UPDATE: the row is deleted below.
    endpoint = WebhookEndpoint.objects.select_for_update(of=("self",)).get(pk=endpoint.pk)
    if not webhook_endpoint_policy.can(actor, endpoint, Action.CHANGE):
        raise NotPermitted(webhook_endpoint_policy.refusals[Action.CHANGE])
    audit_record(
        actor=actor, action="webhook.deleted", target=endpoint, before={"url": endpoint.url}
    )
    endpoint.delete()


def _validated(endpoint: WebhookEndpoint) -> None:
    from django.core.exceptions import ValidationError

    try:
        endpoint.full_clean(exclude=["commissioner", "provider", "created_by", "secret"])
    except ValidationError as error:
        raise DomainError(
            "Check the details you entered.", field_errors=error.message_dict
        ) from error


@transaction.atomic
def webhook_ping(*, endpoint: WebhookEndpoint, actor) -> WebhookDelivery:
    """Queues a `ping` event to one endpoint, to check it receives and verifies deliveries."""
    endpoint = webhook_endpoint_policy.get_for(actor, endpoint.pk, Action.CHANGE)
    if not endpoint.active:
        raise DomainError("Turn the webhook on before sending it a test event.")
    now = timezone.now()
    event_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=PING,
        event_id=event_id,
        payload=_envelope(
            event_id,
            PING,
            now,
            {"webhook": {"id": endpoint.pk, "url": endpoint.url, "events": endpoint.events}},
        ),
        next_attempt_at=now,
    )
    _kick_on_commit()
    return delivery


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, actor) -> WebhookDelivery:
    """Queues the same event (same id and payload) to the endpoint again, as a new delivery,
    keeping the old one's log."""
    delivery = webhook_delivery_policy.get_for(
        actor, delivery.pk, Action.CHANGE, WebhookDelivery.objects.select_related("endpoint")
    )
    again = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        next_attempt_at=timezone.now(),
        redelivery_of_id=delivery.redelivery_of_id or delivery.pk,
    )
    _kick_on_commit()
    return again


# --- emitting events ------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """One event about one record: its data (or a function making it, called only when
    some endpoint will receive it), what it is about (`subject`, which fixes its id), and,
    for private events, whose it is."""

    data: dict | Callable[[], dict]
    subject: str
    commissioner_id: int | None = None
    provider_id: int | None = None


def event_id_for(event: str, subject: str) -> uuid.UUID:
    """The id of `event` about `subject`: the same however often the event is raised."""
    return uuid.uuid5(EVENT_NAMESPACE, f"{event}|{subject}")


def _envelope(event_id, event: str, created_at, data: dict) -> dict:
    body = {"id": str(event_id), "event": str(event), "created_at": created_at.isoformat()}
    body["data"] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return body


def webhooks_emit_many(event: str, occurrences: list[Occurrence]) -> int:
    """Queues `event` for each occurrence to every endpoint that should receive it, in the
    caller's transaction: one query for the endpoints, one insert. Returns deliveries queued."""
    if not occurrences:
        return 0
    # Endpoints that are off get the event too: held until they are on again (or expired).
    endpoints = WebhookEndpoint.objects.filter(events__contains=[str(event)])
    private = event in PRIVATE_EVENTS
    if private:
        commissioners = {o.commissioner_id for o in occurrences if o.commissioner_id}
        providers = {o.provider_id for o in occurrences if o.provider_id}
        endpoints = endpoints.filter(
            Q(commissioner_id__in=commissioners) | Q(provider_id__in=providers)
        )
    targets = list(endpoints.values_list("pk", "commissioner_id", "provider_id", "active"))
    if not targets:
        return 0
    now = timezone.now()
    rows = []
    active = set()
    for occurrence in occurrences:
        event_id = event_id_for(event, occurrence.subject)
        data = occurrence.data() if callable(occurrence.data) else occurrence.data
        payload = _envelope(event_id, event, now, data)
        for pk, commissioner_id, provider_id, is_active in targets:
            if private and not (
                (commissioner_id and commissioner_id == occurrence.commissioner_id)
                or (provider_id and provider_id == occurrence.provider_id)
            ):
                continue
            rows.append(
                WebhookDelivery(
                    endpoint_id=pk,
                    event=str(event),
                    event_id=event_id,
                    payload=payload,
                    next_attempt_at=now,
                )
            )
            if is_active:
                active.add(pk)
    # An event already queued for an endpoint (raised again by a second run) is skipped by
    # the unique constraint on (endpoint, event_id).
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    if active:
        _kick_on_commit()
    return len(rows)


def webhooks_emit(event: str, occurrence: Occurrence) -> int:
    return webhooks_emit_many(event, [occurrence])


def webhooks_on_audit(*, action: str, target, after: dict | None = None) -> int:
    """Called by `audit_record` for every audited change: queues the event the action
    stands for, if any, in the same transaction. Every other action returns at once."""
    event = AUDIT_EVENTS.get(action)
    if event is None:
        return 0
    occurrence = _BUILDERS[event](target, after or {})
    occurrence = replace(occurrence, subject=_audited_subject(action, target, after or {}))
    if action in COMMISSIONER_ONLY:
        occurrence = replace(occurrence, provider_id=None)
    elif action in PROVIDER_ONLY:
        occurrence = replace(occurrence, commissioner_id=None)
    return webhooks_emit(event, occurrence)


def _audited_subject(action: str, target, after: dict) -> str:
    """What an audited change is about: the action, the record, and the state it moved to
    (its new values, and its updated_at where it has one, so a step taken twice on the same
    record, such as an escalation raised, lowered and raised again, has two ids)."""
    state = json.dumps(after, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    updated_at = getattr(target, "updated_at", None)
    stamp = updated_at.isoformat() if updated_at else ""
    digest = hashlib.sha256(f"{state}|{stamp}".encode()).hexdigest()
    return f"{action}:{target._meta.label_lower}:{target.pk}:{digest}"


def renewals_due_emit(decisions) -> int:
    """contract.renewal_due for renewal decisions the renewals job opened in bulk (unsaved
    objects are fine: it reads contract_id, end_date, due_on and recommendation). A
    decision's event id comes from its contract and end date, the decision's own key."""
    from commissioning.models import Contract

    if not decisions:
        return 0
    contracts = {
        row[0]: row
        for row in Contract.objects.filter(pk__in=[d.contract_id for d in decisions]).values_list(
            "pk", "title", "commissioner_id", "provider_id"
        )
    }
    occurrences = []
    for decision in decisions:
        pk, title, commissioner_id, provider_id = contracts[decision.contract_id]
        occurrences.append(
            Occurrence(
                data={
                    "contract": {
                        "id": pk,
                        "reference": f"CM-C-{pk:06d}",
                        "title": title,
                        "commissioner_id": commissioner_id,
                        "provider_id": provider_id,
                        "url": _api_url("api-contract-detail", pk),
                    },
                    "renewal": {
                        "end_date": decision.end_date,
                        "due_on": decision.due_on,
                        "recommendation": decision.recommendation,
                        "url": _api_url("api-contract-renewal-decision-list", pk),
                    },
                },
                subject=f"commissioning.renewaldecision:{pk}:{decision.end_date.isoformat()}",
                commissioner_id=commissioner_id,
                provider_id=provider_id,
            )
        )
    return webhooks_emit_many(WebhookEvent.CONTRACT_RENEWAL_DUE, occurrences)


def _api_url(name: str, *args) -> str | None:
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        return None
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _tender_facts(tender) -> dict:
    from commissioning.ocds.build import ocid_for

    return {
        "id": tender.pk,
        "reference": tender.reference,
        "ocid": ocid_for(tender),
        "title": tender.title,
        "status": tender.status,
        "commissioner": {"id": tender.commissioner_id, "name": tender.commissioner.name},
        "region": tender.region,
        "procedure": tender.procedure,
        "main_cpv": tender.main_cpv.code if tender.main_cpv_id else None,
        "estimated_value": tender.estimated_value,
        "currency": "GBP",
        "submission_deadline": tender.submission_deadline,
        "published_at": tender.published_at,
        "closed_at": tender.closed_at,
        "url": _api_url("api-tender-detail", tender.pk),
    }


def _contract_facts(contract) -> dict:
    return {
        "id": contract.pk,
        "reference": contract.reference,
        "title": contract.title,
        "status": contract.status,
        "commissioner": {"id": contract.commissioner_id, "name": contract.commissioner.name},
        "provider": {"id": contract.provider_id, "name": contract.provider.name},
        "tender_id": contract.tender_id,
        "lot_id": contract.lot_id,
        "value": contract.value,
        "currency": "GBP",
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "escalation_level": contract.escalation_level,
        "url": _api_url("api-contract-detail", contract.pk),
    }


def _tender_event(tender, after) -> Occurrence:
    return Occurrence(data=lambda: {"tender": _tender_facts(tender)}, subject="")


def _award_event(lot, after) -> Occurrence:
    return Occurrence(data=lambda: _award_data(lot), subject="")


def _award_data(lot) -> dict:
    from commissioning.models import Award

    award = Award.objects.select_related("bid__provider").get(lot_id=lot.pk)
    tender = lot.tender
    return {
        "award": {
            "id": award.pk,
            "status": award.status,
            "decided_at": award.decided_at,
            "standstill_ends_at": award.standstill_ends_at,
            "lot": {"id": lot.pk, "number": lot.number, "title": lot.title},
            "provider": {"id": award.bid.provider_id, "name": award.bid.provider.name},
            "url": _api_url("api-award-detail", award.pk),
        },
        "tender": {
            "id": tender.pk,
            "reference": tender.reference,
            "title": tender.title,
            "commissioner": {"id": tender.commissioner_id, "name": tender.commissioner.name},
            "url": _api_url("api-tender-detail", tender.pk),
        },
    }


def _contract_event(contract, after) -> Occurrence:
    return Occurrence(data=lambda: {"contract": _contract_facts(contract)}, subject="")


def _complaint_event(complaint, after) -> Occurrence:
    # Never the complainant's name, contact details, words, place or postcode: only what
    # the parties need to go and read it through the API, where their access is checked.
    return Occurrence(
        data={
            "complaint": {
                "id": complaint.pk,
                "reference": complaint.reference,
                "category": complaint.category,
                "is_urgent": complaint.is_urgent,
                "stage": complaint.stage,
                "status": complaint.status,
                "received_at": complaint.received_at,
                "response_due_on": complaint.response_due_on,
                "contract": {"id": complaint.contract_id},
                "url": _api_url("api-complaint-detail", complaint.pk),
            }
        },
        subject="",
        commissioner_id=complaint.commissioner_id,
        provider_id=complaint.provider_id,
    )


def _escalation_event(contract, after) -> Occurrence:
    change = {
        key: after[key]
        for key in ("escalation_level", "proposed_level", "trigger", "plan_due_on")
        if key in after
    }
    return Occurrence(
        data={
            "contract": {
                "id": contract.pk,
                "reference": contract.reference,
                "title": contract.title,
                "escalation_level": contract.escalation_level,
                "url": _api_url("api-contract-detail", contract.pk),
            },
            "escalation": change,
        },
        subject="",
        commissioner_id=contract.commissioner_id,
        provider_id=contract.provider_id,
    )


_BUILDERS = {
    WebhookEvent.TENDER_PUBLISHED: _tender_event,
    WebhookEvent.TENDER_CLOSED: _tender_event,
    WebhookEvent.AWARD_MADE: _award_event,
    WebhookEvent.CONTRACT_CREATED: _contract_event,
    WebhookEvent.COMPLAINT_RECEIVED: _complaint_event,
    WebhookEvent.ESCALATION_CHANGED: _escalation_event,
}


def _kick_on_commit() -> None:
    """Sends the queued deliveries soon after commit rather than at the next minute. If the
    broker is down the beat's minutely run still sends them."""

    def kick():
        from .tasks import deliver_webhooks

        # If the broker is down, the beat's minutely run sends them instead.
        with contextlib.suppress(Exception):
            deliver_webhooks.apply_async(retry=False)

    transaction.on_commit(kick)


# --- delivering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address the SSRF guard checked; the Host header still names `host`."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS to `host`: SNI and the certificate check use the URL's host name."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict) -> Answer:
    """POSTs `body` to `url` after the SSRF check, to the checked address; no redirects."""
    target = check_url(url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(
        target.host,
        target.port,
        address=target.address,
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
    )
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(MAX_EXCERPT).decode("utf-8", errors="replace")
        return Answer(response.status, excerpt)
    finally:
        connection.close()


def webhooks_deliver(*, batch_size: int = 20, time_budget: float | None = None) -> int:
    """Sends every due delivery; returns how many were delivered.

    A batch is claimed in a short transaction (SELECT ... FOR UPDATE SKIP LOCKED, then its
    next attempt pushed a lease ahead, longer than the task's hard time limit), so no
    transaction stays open while receivers answer and two workers never send the same
    delivery at once; a worker that dies mid-batch leaves its deliveries to be retried when
    the lease ends. Each attempt first checks that its endpoint is still on; near the end of
    the lease the rest of the batch is handed back. With `time_budget` (seconds) no batch is
    claimed after the budget is spent."""
    started = time.monotonic()
    delivered = 0
    while time_budget is None or time.monotonic() - started < time_budget:
        with transaction.atomic():
            now = db_now()
            batch = list(
                WebhookDelivery.objects.select_for_update(
                    skip_locked=True, of=("self",), no_key=True
                )
                .select_related("endpoint")
                .filter(
                    status=WebhookDelivery.Status.PENDING,
                    next_attempt_at__lte=now,
                    endpoint__active=True,
                )
                .order_by("next_attempt_at", "id")[:batch_size]
            )
            WebhookDelivery.objects.filter(pk__in=[d.pk for d in batch]).update(
                next_attempt_at=now + lease()
            )
        claimed_at = time.monotonic()
        # A slow receiver takes at most about three timeouts (connect, send, read).
        last_start = claimed_at + lease().total_seconds() - 3 * settings.WEBHOOK_TIMEOUT_SECONDS
        handled = 0
        try:
            for delivery in batch:
                if time.monotonic() > last_start:
                    break
                handled += 1
                still_on = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, active=True)
                if not still_on.exists():
                    # Turned off since the claim (by a person, or by this batch's failures).
                    _release([delivery])
                    continue
                delivered += _attempt(delivery)
        finally:
            _release(batch[handled:])
        if len(batch) < batch_size:
            break
    return delivered


def _release(deliveries: list[WebhookDelivery]) -> None:
    """Hands back claimed deliveries not attempted: due at once, attempts untouched (an
    endpoint that is off keeps them until it is on again)."""
    if deliveries:
        WebhookDelivery.objects.filter(
            pk__in=[d.pk for d in deliveries], status=WebhookDelivery.Status.PENDING
        ).update(next_attempt_at=db_now())


def _release_held(endpoint: WebhookEndpoint) -> None:
    """When an endpoint is turned on: events held longer than WEBHOOK_HOLD_DAYS expire, the
    rest go out at once."""
    now = db_now()
    held = WebhookDelivery.objects.filter(endpoint=endpoint, status=WebhookDelivery.Status.PENDING)
    cutoff = now - timedelta(days=settings.WEBHOOK_HOLD_DAYS)
    held.filter(created_at__lt=cutoff).update(
        status=WebhookDelivery.Status.EXPIRED, last_error=_expired_reason()
    )
    if held.filter(created_at__gte=cutoff).update(next_attempt_at=now):
        _kick_on_commit()


def webhooks_expire_held() -> int:
    """Expires events held longer than WEBHOOK_HOLD_DAYS for endpoints that are off (the
    nightly retention job); returns how many."""
    cutoff = db_now() - timedelta(days=settings.WEBHOOK_HOLD_DAYS)
    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, endpoint__active=False, created_at__lt=cutoff
    ).update(status=WebhookDelivery.Status.EXPIRED, last_error=_expired_reason())


def _expired_reason() -> str:
    days = settings.WEBHOOK_HOLD_DAYS
    return f"Held for more than {days} day{'' if days == 1 else 's'} while the endpoint was off"


def _attempt(delivery: WebhookDelivery) -> int:
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-CivicMarkets-Event": delivery.event,
        "X-CivicMarkets-Delivery": str(delivery.event_id),
        "X-CivicMarkets-Signature": sign(endpoint.secret, body, timestamp),
    }
    status, excerpt, error = None, "", ""
    try:
        # (SoftTimeLimitExceeded passes through: the delivery stays claimed, and is retried
        # when its lease ends.)
        answer = post(endpoint.url, body, headers)
        status, excerpt = answer.status, answer.excerpt
        if not 200 <= status < 300:
            error = f"The receiver answered HTTP {status}"
            if 300 <= status < 400:
                error += " (redirects are not followed)"
    except UnsafeWebhookUrl as refused:
        error = refused.message
    except (OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}".rstrip(": ")
    return _record(delivery, status=status, excerpt=excerpt, error=error)


@transaction.atomic
def _record(delivery: WebhookDelivery, *, status, excerpt: str, error: str) -> int:
    """In a short transaction of its own after the receiver answered; the next attempt is
    counted from now, when this one ended."""
    now = db_now()
    endpoint = (
        WebhookEndpoint.objects.select_for_update(of=("self",), no_key=True)
        .filter(pk=delivery.endpoint_id)
        .first()
    )
    if endpoint is None:
        return 0  # deleted while we were sending: its deliveries went with it
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status
    delivery.response_excerpt = excerpt[:MAX_EXCERPT]
    delivery.last_error = error[:500]
    if not error:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = now
        endpoint.consecutive_failures = 0
    else:
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        endpoint.consecutive_failures += 1
        if endpoint.active and (
            endpoint.consecutive_failures >= settings.WEBHOOK_DISABLE_AFTER_FAILURES
        ):
            _disable(endpoint, last_error=delivery.last_error)
    delivery.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "last_status_code",
            "response_excerpt",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    endpoint.save(update_fields=["consecutive_failures", "active", "disabled_reason"])
    return 0 if error else 1


def _disable(endpoint: WebhookEndpoint, *, last_error: str) -> None:
    """Turns off an endpoint that keeps failing and tells its organisation's admins."""
    from accounts.models import User

    from .services import audit_record, outbox_enqueue

    failures = endpoint.consecutive_failures
    endpoint.active = False
    endpoint.disabled_reason = (
        f"Disabled after {failures} failed deliveries in a row. Last error: {last_error}"
    )[:255]
    audit_record(
        actor=None,
        action="webhook.disabled",
        target=endpoint,
        after={"consecutive_failures": failures, "last_error": last_error},
    )
    organisation = (
        Q(commissioner_id=endpoint.commissioner_id)
        if endpoint.commissioner_id
        else Q(provider_id=endpoint.provider_id)
    )
    recipients = set(
        User.objects.filter(organisation, role__in=ORGANISATION_ADMIN_ROLES, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if endpoint.created_by_id and endpoint.created_by.is_active and endpoint.created_by.email:
        recipients.add(endpoint.created_by.email)
    address = settings.SITE_URL.rstrip("/") + reverse("core:webhook_detail", args=[endpoint.pk])
    for email in sorted(recipients):
        outbox_enqueue(
            to=email,
            subject="A webhook endpoint has been disabled",
            body=(
                f"We could not deliver events to {endpoint.url} after {failures} attempts in "
                f"a row, so we have stopped sending to it.\n\nLast error: {last_error}\n\n"
                "Deliveries not yet sent, and events raised while it is off, are kept for "
                f"{settings.WEBHOOK_HOLD_DAYS} days. When the receiver works again, turn the "
                f"endpoint back on, and they will be sent:\n{address}\n"
            ),
        )


# --- platform staff -------------------------------------------------------------------------


@transaction.atomic
def webhook_endpoint_switch_off(*, endpoint: WebhookEndpoint, actor, reason: str):
    """Platform staff switch off an organisation's endpoint (one that misbehaves, or points
    somewhere it should not), with the reason its owners see; the owners switch it on again
    from their webhook page once it is put right."""
    from .services import audit_record

    if not is_platform_staff(actor):
        raise NotPermitted("Only platform staff can switch off other organisations' webhooks.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Enter why the endpoint is switched off",
            field_errors={"reason": ["Enter why the endpoint is switched off"]},
        )
    endpoint = WebhookEndpoint.objects.select_for_update(of=("self",), no_key=True).get(
        pk=endpoint.pk
    )
    if not endpoint.active:
        raise DomainError("This endpoint is already switched off.")
    endpoint.active = False
    endpoint.disabled_reason = f"Switched off by platform staff: {reason}"[:255]
    endpoint.save(update_fields=["active", "disabled_reason", "updated_at"])
    audit_record(
        actor=actor,
        action="webhook.switched_off",
        target=endpoint,
        before={"active": True},
        after={"active": False, "reason": reason},
    )
    return endpoint
