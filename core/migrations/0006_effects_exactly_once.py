"""Effects exactly once, and no secrets kept in the outbox.

- Outbox: a stable key per message (its Message-ID), the recipient's keyed hash, the time of
  the last attempt; sent and given-up messages lose their body and address (they held
  complainants' tracking links and invitation links).
- Job runs: a heartbeat, and the status "abandoned".
- Webhook deliveries: one per endpoint and event id (redeliveries aside), and "expired".
"""

import uuid

from django.db import migrations, models
from django.db.models import Min
from django.utils.crypto import salted_hmac

import django.db.models.deletion

# The same salt as core.outbox.recipient_hash (kept here so this migration never changes).
RECIPIENT_SALT = "civicmarkets.outbox.recipient"


def give_each_message_a_key(apps, schema_editor):
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    for pk in OutboxMessage.objects.filter(message_key__isnull=True).values_list("pk", flat=True):
        OutboxMessage.objects.filter(pk=pk).update(message_key=uuid.uuid4())


def blank_finished_messages(apps, schema_editor):
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    finished = OutboxMessage.objects.exclude(status="pending").exclude(to="", body="")
    for pk, to in finished.values_list("pk", "to").iterator():
        digest = salted_hmac(RECIPIENT_SALT, to.strip().lower(), algorithm="sha256").hexdigest()
        OutboxMessage.objects.filter(pk=pk).update(to="", body="", recipient_hash=digest)


def mark_earlier_redeliveries(apps, schema_editor):
    """Redeliveries made before this migration repeated their event id as ordinary rows: each
    but the first of an endpoint's event becomes a redelivery of the first."""
    WebhookDelivery = apps.get_model("core", "WebhookDelivery")
    # Checked now, not at commit: the index below cannot be built with checks still pending.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    repeated = (
        WebhookDelivery.objects.values("endpoint_id", "event_id")
        .annotate(first=Min("id"), n=models.Count("id"))
        .filter(n__gt=1)
    )
    for row in repeated.iterator():
        WebhookDelivery.objects.filter(
            endpoint_id=row["endpoint_id"], event_id=row["event_id"]
        ).exclude(pk=row["first"]).update(redelivery_of_id=row["first"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_webhooks"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="webhookdelivery",
            name="webhook_delivery_status_valid",
        ),
        migrations.AddField(
            model_name="jobrun",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="last_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        # Unique keys for existing rows: added empty, filled one by one, then made unique.
        migrations.AddField(
            model_name="outboxmessage",
            name="message_key",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(give_each_message_a_key, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="outboxmessage",
            name="message_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="recipient_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="redelivery_of",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="core.webhookdelivery",
            ),
        ),
        migrations.AlterField(
            model_name="jobrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("running", "Running"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                    ("abandoned", "Abandoned"),
                ],
                default="running",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="body",
            field=models.TextField(blank=True),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="to",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.RunPython(blank_finished_messages, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be sent"),
                    ("delivered", "Delivered"),
                    ("failed", "Gave up"),
                    ("expired", "Expired while the endpoint was off"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.AddIndex(
            model_name="jobrun",
            index=models.Index(
                condition=models.Q(("status", "running")),
                fields=["heartbeat_at"],
                name="jobrun_running",
            ),
        ),
        migrations.AddIndex(
            model_name="outboxmessage",
            index=models.Index(fields=["status", "created_at"], name="outbox_retention"),
        ),
        migrations.AddConstraint(
            model_name="webhookdelivery",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "delivered", "failed", "expired"])),
                name="webhook_delivery_status_valid",
            ),
        ),
        migrations.RunPython(mark_earlier_redeliveries, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="webhookdelivery",
            constraint=models.UniqueConstraint(
                condition=models.Q(("redelivery_of__isnull", True)),
                fields=("endpoint", "event_id"),
                name="webhook_delivery_once_per_event",
            ),
        ),
    ]
