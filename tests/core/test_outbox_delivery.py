"""The outbox against real mail servers on this machine: a sender killed mid-batch resends at
most the one message it was sending, a mail server that hangs costs one attempt and never the
worker, every email carries a Message-ID of its own that a resend repeats, and nothing secret
or personal stays in the outbox once a message is sent."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accountability.services.complaints import complaint_submit
from accountability.services.retention import retention_run
from core.models import Heartbeat, OutboxMessage
from core.outbox import message_id, outbox_dispatch, recipient_hash
from core.services import outbox_enqueue
from core.tasks import dispatch_outbox, heartbeat
from tests.factories import ContractFactory
from tests.smtp import HangingSmtpServer, SmtpSink
from tests.worker import killable_celery_worker, wait_until


@pytest.fixture
def smtp(settings):
    """Sends the outbox through real SMTP to the server given (the test's own)."""

    def use(server, *, timeout: float = 5):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_TIMEOUT = timeout
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    return use


def _queue(n: int) -> list[OutboxMessage]:
    return [
        outbox_enqueue(to=f"person{i}@example.org", subject=f"Message {i}", body=f"Hello {i}")
        for i in range(n)
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_sender_killed_mid_batch_resends_at_most_the_message_it_was_sending(smtp):
    """The issue's fault: sending inside the batch's transaction, a crash after sending rolled
    the batch back and everything it had sent went again (50 to 65 duplicates in 600)."""
    messages = _queue(60)
    with SmtpSink(delay=0.05) as sink:
        with killable_celery_worker(
            settings_module="tests.smtp_settings",
            env={"EMAIL_URL": f"smtp://127.0.0.1:{sink.port}", "EMAIL_TIMEOUT": "5"},
        ) as worker:
            dispatch_outbox.apply_async(queue=worker.queue)
            wait_until(lambda: sink.count() >= 12, message="the worker to send a dozen")
            worker.kill()
        killed_at = sink.count()
        # Later, once the dead sender's lease has ended, the next run sends the rest.
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(
            next_attempt_at=timezone.now()
        )
        smtp(sink)
        outbox_dispatch()

    by_recipient: dict[str, list[str]] = {}
    for received in sink.received:
        by_recipient.setdefault(received["to"][0], []).append(received["message_id"])
    duplicates = sum(len(ids) - 1 for ids in by_recipient.values())
    assert sorted(by_recipient) == sorted(m.to for m in messages)  # nothing lost
    assert duplicates <= 1, f"{duplicates} duplicates after a kill at {killed_at} sent"
    for ids in by_recipient.values():
        assert len(set(ids)) == 1  # a resend carries the same Message-ID
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_mail_server_that_hangs_costs_one_attempt_and_the_worker_goes_on():
    """The issue's fault: a server that accepts the connection and never answers stopped the
    whole worker (no email timeout, and EMAIL_URL could not set one)."""
    stuck, waiting = _queue(2)
    with (
        HangingSmtpServer() as server,
        killable_celery_worker(
            settings_module="tests.smtp_settings",
            env={"EMAIL_URL": f"smtp://127.0.0.1:{server.port}?timeout=2"},
        ) as worker,
    ):
        dispatch_outbox.apply_async(queue=worker.queue)
        heartbeat.apply_async(queue=worker.queue)
        wait_until(
            lambda: Heartbeat.objects.exists(),
            seconds=90,
            message=f"the worker to go on to the next task\n{worker.log_tail()}",
        )

    stuck.refresh_from_db()
    assert stuck.status == OutboxMessage.Status.PENDING
    assert stuck.attempts == 1
    assert "timed out" in stuck.last_error
    assert stuck.next_attempt_at >= stuck.last_attempt_at + timedelta(minutes=1)
    waiting.refresh_from_db()
    # The rest of the batch was handed back untried: no attempt counted against it.
    assert (waiting.attempts, waiting.status) == (0, OutboxMessage.Status.PENDING)
    assert waiting.next_attempt_at <= timezone.now()


@pytest.mark.django_db
def test_the_next_attempt_is_counted_from_when_the_failed_attempt_ended(smtp):
    message = outbox_enqueue(to="pat@example.org", subject="Hello", body="Hello")
    with HangingSmtpServer() as server:
        smtp(server, timeout=1.5)
        started = timezone.now()
        outbox_dispatch()

    message.refresh_from_db()
    assert message.attempts == 1
    # The attempt took the 1.5 s timeout; the minute's wait starts after it, not before.
    assert message.next_attempt_at >= started + timedelta(minutes=1, seconds=1.5)
    assert message.next_attempt_at == message.last_attempt_at + timedelta(minutes=1)


@pytest.mark.django_db
def test_every_email_has_a_message_id_of_its_own_made_from_its_row(smtp):
    first, second = _queue(2)
    with SmtpSink() as sink:
        smtp(sink)
        assert outbox_dispatch() == 2

    ids = {received["message_id"] for received in sink.received}
    assert ids == {message_id(first), message_id(second)}
    assert message_id(first) == f"<{first.message_key}@localhost>"


@pytest.mark.django_db
def test_a_refused_address_fails_that_message_only_and_is_not_kept_in_the_error(smtp):
    refused = outbox_enqueue(to="gone@example.org", subject="One", body="One")
    fine = outbox_enqueue(to="pat@example.org", subject="Two", body="Two")
    with SmtpSink(refuse=("gone@example.org",)) as sink:
        smtp(sink)
        assert outbox_dispatch() == 1

    assert [r["to"] for r in sink.received] == [["pat@example.org"]]
    refused.refresh_from_db()
    assert refused.attempts == 1
    assert "Recipient address rejected" in refused.last_error
    assert "gone@example.org" not in refused.last_error
    fine.refresh_from_db()
    assert fine.status == OutboxMessage.Status.SENT


def _outbox_table_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(m)::text FROM core_outboxmessage m")
        return "\n".join(row[0] for row in cursor.fetchall())


def _database_text() -> str:
    """Every row of every table in the database, as text."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        rows = []
        for table in tables:
            cursor.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')  # noqa: S608
            rows += [row[0] for row in cursor.fetchall()]
    return "\n".join(rows)


@pytest.mark.django_db
def test_once_sent_no_tracking_secret_or_address_is_left_in_the_database(smtp):
    """The issue's attack: the outbox kept every body (with the complainant's private tracking
    link) and every address, forever."""
    contract = ContractFactory()
    contract.commissioner.contact_email = "complaints@northshire.example"
    contract.commissioner.save()
    complaint, token = complaint_submit(
        contract=contract,
        category="quality",
        description="Nobody came on Tuesday.",
        complainant_name="Pat Citizen",
        complainant_email="pat.citizen@example.org",
    )
    assert token in _outbox_table_text()  # waiting to be sent, it must hold the link

    with SmtpSink() as sink:
        smtp(sink)
        outbox_dispatch()

    assert any(token in received["body"] for received in sink.received)
    assert token not in _database_text()
    outbox = _outbox_table_text()
    assert "pat.citizen@example.org" not in outbox
    assert "complaints@northshire.example" not in outbox
    sent = OutboxMessage.objects.get(recipient_hash=recipient_hash("Pat.Citizen@example.org"))
    # What proves it was sent stays: when, what about, and its Message-ID.
    assert sent.sent_at is not None
    assert complaint.reference in sent.subject
    assert (sent.to, sent.body) == ("", "")


@pytest.mark.django_db
def test_a_message_given_up_keeps_no_body_or_address_either(smtp):
    message = outbox_enqueue(to="pat@example.org", subject="Hello", body="secret link")
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=7)
    with HangingSmtpServer() as server:
        smtp(server, timeout=0.5)
        outbox_dispatch()

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert (message.to, message.body) == ("", "")
    assert message.recipient_hash == recipient_hash("pat@example.org")


@pytest.mark.django_db
def test_the_retention_job_deletes_old_sent_and_given_up_messages_only(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    old_sent, old_failed, recent_sent, old_pending = _queue(4)
    OutboxMessage.objects.filter(pk__in=[old_sent.pk, recent_sent.pk]).update(status="sent")
    OutboxMessage.objects.filter(pk=old_failed.pk).update(status="failed")
    OutboxMessage.objects.filter(pk__in=[old_sent.pk, old_failed.pk, old_pending.pk]).update(
        created_at=timezone.now() - timedelta(days=31)
    )

    result = retention_run()

    assert result.emails_deleted == 2
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
        recent_sent.pk,
        old_pending.pk,
    }


def test_email_url_can_carry_the_timeout_and_email_timeout_wins():
    import os
    import subprocess
    import sys

    from tests.worker import ROOT

    def timeout_with(**env):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "from django.conf import settings; print(settings.EMAIL_TIMEOUT)",
            ],
            cwd=ROOT,
            env={
                **{k: v for k, v in os.environ.items() if k != "EMAIL_TIMEOUT"},
                "DJANGO_SETTINGS_MODULE": "civicmarkets.settings.base",
                "SECRET_KEY": "x",
                "DATABASE_URL": "postgres://nobody@127.0.0.1:5432/none",
                **env,
            },
            capture_output=True,
            text=True,
            check=True,
        )
        return float(out.stdout.strip().splitlines()[-1])

    started = time.monotonic()
    assert timeout_with(EMAIL_URL="smtp+tls://u:p@mail.example.org:587?timeout=20") == 20
    assert timeout_with(EMAIL_URL="smtp://mail.example.org:25", EMAIL_TIMEOUT="7.5") == 7.5
    assert timeout_with(EMAIL_URL="smtp://mail.example.org:25") == 10  # never unbounded
    assert time.monotonic() - started < 60
