"""Sending the email outbox: due messages go out with retries and backoff.

Services only write OutboxMessage rows in their own transaction (core.services.outbox_enqueue);
this sends them, so a failing mail server delays an email but never fails or undoes the
change that asked for it.

Delivery is at least once at the SMTP boundary, and as close to once as that allows:

1. Claim: one short transaction takes a batch of due messages (FOR UPDATE SKIP LOCKED) and
   moves their next attempt a lease ahead. No other sender takes them while the lease runs; a
   sender that dies leaves them to be retried when it ends.
2. Send: outside any transaction, over one SMTP connection, each message with a Message-ID
   made from its row (`<message_key@domain>`), the same on every resend, so a resend can be
   recognised as one.
3. Record: each message in its own transaction as soon as the server has answered: sent (its
   body and address blanked, a keyed hash of the address kept) or failed (the next attempt
   counted from when this one ended).

A sender killed between the server's "250 accepted" and step 3 sends that one message again
when its lease ends: at most one duplicate per dead sender, and it carries the same
Message-ID. A sender never starts a message whose lease could end while it is sending: near
the end of its lease it hands the rest of the batch back and claims afresh.

A server that hangs costs one attempt of EMAIL_TIMEOUT seconds: the rest of the batch is
handed back untouched (not counted as attempts) and tried at the next run.
"""

import contextlib
import smtplib
import time
from datetime import timedelta
from email.utils import parseaddr

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils.crypto import salted_hmac

from .dbclock import db_now
from .inputs import single_line
from .models import OutboxMessage

# Minutes to wait after the 1st, 2nd, ... failure; the last repeats until we give up.
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720, 1440)
MAX_ATTEMPTS = 8
BATCH_SIZE = 20
# A message's own problem (the address refused, the server refused this message's data): the
# batch goes on. Any other failure (connection refused or lost, a timeout, authentication) is
# the server's, and the batch stops.
MESSAGE_FAILURES = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
RECIPIENT_SALT = "civicmarkets.outbox.recipient"


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def lease() -> timedelta:
    """Longer than the dispatch task's hard time limit: when a lease ends, the sender that
    took it has surely finished or been killed."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def recipient_hash(address: str) -> str:
    """The keyed hash kept instead of a sent message's address (HMAC-SHA256 with SECRET_KEY):
    it shows whether a message went to a given address without telling whom it went to."""
    return salted_hmac(RECIPIENT_SALT, address.strip().lower(), algorithm="sha256").hexdigest()


def message_id(message: OutboxMessage) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{message.message_key}@{domain}>"


def outbox_dispatch(*, batch_size: int = BATCH_SIZE, time_budget: float | None = None) -> int:
    """Sends every due message, a claimed batch at a time; returns how many were sent.

    With `time_budget` (seconds) no batch is claimed after the budget is spent, so a task
    ends well inside its time limit and the next run takes the rest."""
    started = time.monotonic()
    sent = 0
    while time_budget is None or time.monotonic() - started < time_budget:
        batch, claimed_at = _claim(batch_size)
        if not batch:
            break
        done, server_failed = _send_batch(batch, claimed_at)
        sent += done
        if server_failed or len(batch) < batch_size:
            break
    return sent


def _claim(batch_size: int) -> tuple[list[OutboxMessage], float]:
    with transaction.atomic():
        now = db_now()
        batch = list(
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
            .filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")[:batch_size]
        )
        if batch:
            OutboxMessage.objects.filter(pk__in=[m.pk for m in batch]).update(
                next_attempt_at=now + lease()
            )
    return batch, time.monotonic()


def _send_batch(batch: list[OutboxMessage], claimed_at: float) -> tuple[int, bool]:
    """Sends a claimed batch over one connection. Returns (sent, whether the server failed)."""
    # Stop starting messages while a slow send could still outlast the lease.
    last_start = claimed_at + lease().total_seconds() - 4 * settings.EMAIL_TIMEOUT
    connection = get_connection(fail_silently=False)
    sent, server_failed, handled = 0, False, 0
    try:
        for message in batch:
            if time.monotonic() > last_start:
                break
            handled += 1
            try:
                connection.send_messages([_email(message)])
            except SoftTimeLimitExceeded:
                # Maybe sent, maybe not: it stays claimed, and is retried when the lease ends.
                raise
            except MESSAGE_FAILURES as error:
                _record_failure(message, error)
                continue
            except Exception as error:  # the server's failure: retried with backoff
                _record_failure(message, error)
                server_failed = True
                break
            _record_sent(message)
            sent += 1
    finally:
        _release(batch[handled:])
        # A connection that failed may fail to close too.
        with contextlib.suppress(Exception):
            connection.close()
    return sent, server_failed


def _email(message: OutboxMessage) -> EmailMessage:
    return EmailMessage(
        # single_line: a subject queued before titles refused line breaks still goes out.
        subject=single_line(message.subject),
        body=message.body,
        to=[message.to],
        headers={"Message-ID": message_id(message)},
    )


def _record_sent(message: OutboxMessage) -> None:
    """In its own transaction, at once: the body and address go, proof of sending stays."""
    now = db_now()
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.SENT,
        attempts=F("attempts") + 1,
        sent_at=now,
        last_attempt_at=now,
        last_error="",
        to="",
        body="",
        recipient_hash=recipient_hash(message.to),
    )


def _record_failure(message: OutboxMessage, error: Exception) -> None:
    """The next attempt is counted from now, when this one ended (a timeout can take a
    while). A message given up keeps no body or address either."""
    now = db_now()
    attempts = message.attempts + 1
    # Refusals quote the address; the error is kept, the address is not.
    detail = f"{type(error).__name__}: {error}".replace(message.to, "<recipient>")[:2000]
    changes = {"attempts": attempts, "last_attempt_at": now, "last_error": detail}
    if attempts >= MAX_ATTEMPTS:
        changes |= {
            "status": OutboxMessage.Status.FAILED,
            "next_attempt_at": now,
            "to": "",
            "body": "",
            "recipient_hash": recipient_hash(message.to),
        }
    else:
        changes["next_attempt_at"] = now + backoff(attempts)
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.PENDING).update(
        **changes
    )


def _release(messages: list[OutboxMessage]) -> None:
    """Hands back claimed messages never tried, due at once, their attempts untouched."""
    if messages:
        OutboxMessage.objects.filter(
            pk__in=[m.pk for m in messages], status=OutboxMessage.Status.PENDING
        ).update(next_attempt_at=db_now())


def outbox_purge_expired() -> int:
    """Deletes sent and given-up messages queued more than OUTBOX_RETENTION_DAYS ago (their
    bodies and addresses went when they were sent); returns how many."""
    cutoff = db_now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    finished = Q(status=OutboxMessage.Status.SENT) | Q(status=OutboxMessage.Status.FAILED)
    deleted, _ = OutboxMessage.objects.filter(finished, created_at__lt=cutoff).delete()
    return deleted
