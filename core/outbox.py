"""Sending the email outbox: due messages go out with retries and backoff.

Services only write OutboxMessage rows in their own transaction (core.services.outbox_enqueue);
this sends them, so a failing mail server delays an email but never fails or undoes the
change that asked for it."""

from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction

from .dbclock import db_now
from .models import OutboxMessage

# Minutes to wait after the 1st, 2nd, ... failure; the last repeats until we give up.
BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720, 1440)
MAX_ATTEMPTS = 8


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def outbox_dispatch(*, batch_size: int = 100) -> int:
    """Sends every due pending message, a batch per transaction; rows another dispatcher holds
    are skipped (it is sending them). Returns how many were sent."""
    sent = 0
    while True:
        with transaction.atomic():
            now = db_now()
            due = list(
                OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
                .filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id")[:batch_size]
            )
            for message in due:
                sent += _send(message, now)
        if len(due) < batch_size:
            return sent


def _send(message: OutboxMessage, now) -> int:
    try:
        send_mail(message.subject, message.body, None, [message.to], fail_silently=False)
    except Exception as error:  # any failure of the mail server is retried
        message.attempts += 1
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxMessage.Status.FAILED
        else:
            message.next_attempt_at = now + backoff(message.attempts)
        message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return 0
    message.attempts += 1
    message.status = OutboxMessage.Status.SENT
    message.sent_at = now
    message.last_error = ""
    message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return 1
