"""The outbox sends queued emails, retrying with backoff when the mail server fails."""

from datetime import timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone

from accountability.choices import ComplaintStatus
from accountability.services import handling
from core.models import OutboxMessage
from core.outbox import MAX_ATTEMPTS, outbox_dispatch
from core.services import outbox_enqueue
from core.tasks import dispatch_outbox
from tests.factories import ComplaintFactory, OfficerFactory
from tests.worker import celery_worker, wait_until


class FailingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise SMTPException("421 service not available")


FAILING = "tests.core.test_outbox.FailingBackend"


def _responded_complaint():
    complaint = ComplaintFactory()
    officer = OfficerFactory(commissioner=complaint.commissioner)
    handling.complaint_acknowledge(complaint=complaint, actor=officer)
    handling.complaint_start_investigation(complaint=complaint, actor=officer)
    handling.complaint_respond(
        complaint=complaint, actor=officer, outcome="not_upheld", text="We found no fault."
    )
    complaint.refresh_from_db()
    return complaint


@pytest.mark.django_db
def test_a_failing_mail_server_leaves_the_email_to_retry_later_and_the_complaint_as_it_was(
    settings,
):
    settings.EMAIL_BACKEND = FAILING
    complaint = _responded_complaint()
    message = OutboxMessage.objects.get()
    queued_for = message.next_attempt_at

    assert outbox_dispatch() == 0

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at >= queued_for + timedelta(minutes=1)
    assert "421 service not available" in message.last_error
    after = type(complaint).objects.get(pk=complaint.pk)
    assert after.status == ComplaintStatus.RESPONDED
    assert after.updated_at == complaint.updated_at
    assert outbox_dispatch() == 0  # not due again yet
    message.refresh_from_db()
    assert message.attempts == 1


@pytest.mark.django_db
def test_the_outbox_gives_up_after_eight_failed_attempts(settings):
    settings.EMAIL_BACKEND = FAILING
    message = outbox_enqueue(to="pat@example.org", subject="Hello", body="Hello")
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=MAX_ATTEMPTS - 1)

    outbox_dispatch()

    message.refresh_from_db()
    assert message.attempts == 8
    assert message.status == OutboxMessage.Status.FAILED


@pytest.mark.django_db
def test_dispatch_sends_a_due_email_once():
    _responded_complaint()

    assert outbox_dispatch() == 1
    assert outbox_dispatch() == 0

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["pat@example.org"]
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.SENT
    assert message.sent_at is not None


@pytest.mark.django_db
def test_dispatch_waits_for_an_email_not_yet_due_and_works_in_batches():
    later = outbox_enqueue(to="later@example.org", subject="Later", body="Later")
    OutboxMessage.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    for n in range(5):
        outbox_enqueue(to=f"person{n}@example.org", subject="Now", body="Now")

    assert outbox_dispatch(batch_size=2) == 5
    assert {m.to[0] for m in mail.outbox} == {f"person{n}@example.org" for n in range(5)}


@pytest.mark.django_db
def test_dispatch_runs_as_a_command_and_is_on_the_beat_every_minute(settings):
    outbox_enqueue(to="pat@example.org", subject="Hello", body="Hello")
    call_command("dispatch_outbox")
    assert len(mail.outbox) == 1
    entry = settings.CELERY_BEAT_SCHEDULE["dispatch-outbox"]
    assert entry["task"] == dispatch_outbox.name
    assert str(entry["schedule"]) == "<crontab: * * * * * (m/h/dM/MY/d)>"


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_celery_worker_sends_the_outbox():
    message = outbox_enqueue(to="pat@example.org", subject="Hello", body="Hello")

    with celery_worker() as queue:
        dispatch_outbox.apply_async(queue=queue)
        wait_until(
            lambda: OutboxMessage.objects.filter(
                pk=message.pk, status=OutboxMessage.Status.SENT
            ).exists(),
            message="the worker to send the email",
        )
