"""Platform-wide records: the append-only audit log and the scheduler's heartbeat."""

import uuid

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class AuditEntry(models.Model):
    """One state change: who did what to which record, when, with the values before and after.

    Entries are written unchained, in the transaction of the change they describe (with that
    transaction's id), so audited writes never wait for one another. A sealer
    (`core.services_audit.audit_seal`, every few seconds) then chains the entries of finished
    transactions: it gives each its `position` and the keyed hash (HMAC-SHA256) of its
    contents and of the entry before it. Database triggers (see the migrations) refuse
    UPDATE except that one sealing, and DELETE and TRUNCATE always. `verify_audit_chain`
    recomputes the chain and compares it with its head and with signed checkpoints kept
    outside the database, so neither an edit, nor a removal, nor a consistent rewrite by
    someone without the key goes unnoticed.

    Entries about a sealed bid are held out of the chain (`held_until` names what releases
    them) until the tender closes, so nothing staff can see moves when a bid arrives.
    """

    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text so the entry still says who acted after the account is removed.
    actor_label = models.CharField(max_length=255)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_label = models.CharField(blank=True, max_length=255)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    # Set by a trigger to pg_current_xact_id() of the inserting transaction, whatever the
    # application sends: the sealer chains an entry only once that transaction has ended.
    transaction_id = models.BigIntegerField(null=True, blank=True, editable=False)
    # An AuditHoldRelease name ("commissioning.Tender:42"): the entry stays out of the chain,
    # and out of sight, until that release is recorded. Empty for nearly every entry.
    held_until = models.CharField(max_length=100, blank=True, default="")
    # The chain, set once by the sealer and never again.
    position = models.BigIntegerField(null=True, blank=True, unique=True)
    previous_hash = models.CharField(max_length=64, blank=True, default="")
    entry_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    key_id = models.CharField(max_length=16, blank=True, default="")
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The sealer's work: entries not yet chained, in the order it chains them.
            models.Index(
                fields=["transaction_id", "id"],
                condition=models.Q(position__isnull=True),
                name="audit_unsealed",
            ),
        ]

    def __str__(self):
        when = f"{self.occurred_at:%Y-%m-%d %H:%M}"
        return f"{when} {self.actor_label} {self.action} {self.object_label}"

    @property
    def is_sealed(self) -> bool:
        return self.position is not None

    def compute_hash(self, key: bytes | None = None) -> str:
        """The keyed hash this entry carries once sealed (with `key`, or the current key)."""
        from .audit_signing import current_hmac_key, entry_hash

        return entry_hash(self, key if key is not None else current_hmac_key()[1])


class AuditChainHead(models.Model):
    """Where the chain ends: its length and last hash, with an HMAC over both, so a chain cut
    short (its last entries deleted, or the whole table truncated) no longer matches its head,
    and the head cannot be wound back without the key. One row, moved only by the sealer."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    position = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    mac = models.CharField(max_length=64, blank=True)
    key_id = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_one_row")]

    def __str__(self):
        return f"audit chain head at {self.position}"


class AuditHoldRelease(models.Model):
    """Releases held audit entries into the chain: recorded when what held them ends (a
    tender's bids are opened, or it is cancelled). Append-only, like the log."""

    hold = models.CharField(max_length=100, primary_key=True)
    released_at = models.DateTimeField()

    def __str__(self):
        return f"{self.hold} released at {self.released_at:%Y-%m-%d %H:%M}"


class AuditCheckpoint(models.Model):
    """A signed statement of the chain's head: "at `created_at`, the chain had `position`
    entries and the last one's hash was `entry_hash`". Signed with Ed25519 by a key kept
    outside the database and published on /audit/checkpoints/ and in the API, so auditors
    can keep copies: a rewrite of anything up to `position` no longer matches them."""

    position = models.BigIntegerField(unique=True)
    entry_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    issuer = models.CharField(max_length=200)
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=100)

    class Meta:
        ordering = ["-position"]

    def __str__(self):
        return f"checkpoint at {self.position} ({self.created_at:%Y-%m-%d %H:%M})"


class Heartbeat(models.Model):
    """The last time a periodic task ran, by name; /healthz reports its age."""

    name = models.CharField(max_length=100, primary_key=True)
    last_run_at = models.DateTimeField()
    hostname = models.CharField(max_length=255, blank=True)
    runs = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} at {self.last_run_at:%Y-%m-%d %H:%M:%S}"


class OutboxMessage(models.Model):
    """An email waiting to be sent. Services write it in their transaction, so a failing mail
    server never fails or loses what the user submitted; `dispatch_outbox` sends it with
    retries and backoff (core/outbox.py).

    Bodies carry private links (a complainant's tracking link, an invitation), so once a
    message is sent, or given up, its body and address are blanked: what remains proves it
    was sent (the recipient's keyed hash, the subject, the Message-ID, the times), and the
    retention job deletes even that after OUTBOX_RETENTION_DAYS."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"

    # Blank once the message is sent or given up.
    to = models.EmailField(blank=True)
    subject = models.CharField(max_length=255)
    body = models.TextField(blank=True)
    # The Message-ID header is made from this, so every resend of a message carries the same
    # one and a receiver (or a person) can tell a resend from a second message.
    message_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A keyed hash (HMAC with SECRET_KEY) of the address: given an address, staff can show a
    # message went to it; the hash alone does not tell whom.
    recipient_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # While a sender holds the message (its lease), this is when the lease ends; otherwise
    # when the next attempt is due.
    next_attempt_at = models.DateTimeField(db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["next_attempt_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            models.Index(fields=["status", "created_at"], name="outbox_retention"),
        ]

    def __str__(self):
        return f"{self.subject} ({self.get_status_display().lower()})"


class JobRun(models.Model):
    """One run of a scheduled job: when, where, how much it did, and what went wrong.

    A running run shows a sign of life (`heartbeat_at`) at its start and after every chunk;
    one silent for longer than JOB_RUN_ABANDONED_AFTER_SECONDS lost its worker (killed, out of
    memory, the machine restarted) and is marked abandoned (core.jobs.job_runs_mark_abandoned)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned"

    job = models.CharField(max_length=100, db_index=True)
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows_processed = models.PositiveBigIntegerField(default=0)
    errors = models.TextField(blank=True)
    hostname = models.CharField(max_length=255, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(
                fields=["heartbeat_at"],
                name="jobrun_running",
                condition=models.Q(status="running"),
            ),
        ]

    def __str__(self):
        return f"{self.job} at {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


# --- webhooks (core/webhooks.py sends them) -----------------------------------------------------

from django.contrib.postgres.fields import ArrayField  # noqa: E402
from django.contrib.postgres.indexes import GinIndex  # noqa: E402


class WebhookEvent(models.TextChoices):
    """What an organisation may subscribe a webhook endpoint to. The first four are public
    facts sent to every subscriber; the rest go only to the parties of the contract."""

    TENDER_PUBLISHED = "tender.published", "A tender is published"
    TENDER_CLOSED = "tender.closed", "A tender closes for bids"
    AWARD_MADE = "award.made", "A lot is awarded"
    CONTRACT_CREATED = "contract.created", "A contract is made"
    CONTRACT_RENEWAL_DUE = "contract.renewal_due", "A renewal decision opens on your contract"
    COMPLAINT_RECEIVED = "complaint.received", "A complaint is made about your contract"
    ESCALATION_CHANGED = "escalation.changed", "Your contract's escalation changes"


class WebhookEndpoint(models.Model):
    """A URL an organisation (a commissioner or a provider, exactly one) wants events POSTed to.

    The secret signs every delivery (HMAC-SHA256); it must be kept to sign, so it is stored,
    shown once when the endpoint is created and never listed anywhere after."""

    commissioner = models.ForeignKey(
        "commissioning.CommissionerOrganisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    provider = models.ForeignKey(
        "providers.ProviderOrganisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField("URL", max_length=2000)
    description = models.CharField(max_length=100, blank=True)
    events = ArrayField(models.CharField(max_length=40, choices=WebhookEvent.choices))
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    # Failed attempts in a row, over all deliveries; a success resets it.
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [GinIndex(fields=["events"], name="webhook_endpoint_events")]
        constraints = [
            models.CheckConstraint(
                name="webhook_endpoint_one_organisation",
                condition=models.Q(commissioner__isnull=False, provider__isnull=True)
                | models.Q(commissioner__isnull=True, provider__isnull=False),
            ),
        ]

    def __str__(self):
        return self.url

    @property
    def organisation(self):
        return self.commissioner or self.provider


class WebhookDelivery(models.Model):
    """One event for one endpoint: its payload, and how the attempts to POST it went.

    `event_id` is the receiver's idempotency key: the same on every retry and redelivery. It
    is derived from what the event is about (core.webhooks.event_id_for), so an event raised
    twice has one id, and a constraint keeps one delivery of it per endpoint (redeliveries,
    asked for by a person, aside).

    Events for an endpoint that is turned off wait as pending deliveries; when it is turned on
    again they go out, or expire if older than WEBHOOK_HOLD_DAYS."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"
        EXPIRED = "expired", "Expired while the endpoint was off"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    event_id = models.UUIDField(db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Set on a delivery a person asked for again: it repeats that one's event and id.
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_log"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "delivered", "failed", "expired"]),
                name="webhook_delivery_status_valid",
            ),
            # An event raised twice (two job runs at once, a retried task) is queued once.
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=models.Q(redelivery_of__isnull=True),
                name="webhook_delivery_once_per_event",
            ),
        ]

    def __str__(self):
        return f"{self.event} to {self.endpoint_id} ({self.status})"
