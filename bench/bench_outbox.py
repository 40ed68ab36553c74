"""Fault injection on the email outbox: 600 emails, the sender killed (SIGKILL) three times
while it sends to a real SMTP server, then run to the end. Counts what the server received:
every email at least once (none lost), and how many twice.

The sender is `manage.py dispatch_outbox` in a process of its own, sending over SMTP to an
aiosmtpd server in this process (tests/smtp.py) that takes 5 ms per message. After each kill,
time is moved on past the dead sender's lease (its claimed messages fall due), as the next
minute's run would find them. The issue measured 50 to 65 duplicates out of 600.
"""

import os
import subprocess
import sys
import time

from django.db import connection
from django.utils import timezone

from bench.common import Row
from core.models import OutboxMessage
from core.services import outbox_enqueue
from tests.smtp import SmtpSink

MESSAGES = 600
KILL_AFTER = (100, 250, 400)  # received by the server when each sender is killed


def _sender(port: int) -> subprocess.Popen:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.Popen(
        [sys.executable, "manage.py", "dispatch_outbox"],
        cwd=root,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.smtp_settings",
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "EMAIL_URL": f"smtp://127.0.0.1:{port}?timeout=5",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run(scale: float) -> list[Row]:
    total = max(100, int(MESSAGES * scale))
    marker = f"bench-{time.time_ns()}"
    OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).delete()
    for n in range(total):
        outbox_enqueue(to=f"reader{n}@example.org", subject=f"{marker} {n}", body=f"Hello {n}")
    connection.close()
    started = time.perf_counter()
    with SmtpSink(delay=0.005) as sink:
        for kill_at in KILL_AFTER:
            if kill_at * scale >= total:
                break
            sender = _sender(sink.port)
            deadline = time.monotonic() + 120
            while sink.count() < kill_at * scale and time.monotonic() < deadline:
                if sender.poll() is not None:
                    break
                time.sleep(0.005)
            sender.kill()
            sender.wait()
            # The next minute, past the lease: what the dead sender held falls due.
            OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(
                next_attempt_at=timezone.now()
            )
        sender = _sender(sink.port)
        sender.wait(timeout=600)
    elapsed = time.perf_counter() - started

    received: dict[str, int] = {}
    for message in sink.received:
        if message["subject"].startswith(marker):
            received[message["subject"]] = received.get(message["subject"], 0) + 1
    duplicates = sum(count - 1 for count in received.values())
    lost = total - len(received)
    return [
        Row("outbox under kill -9", "emails queued", str(total)),
        Row("outbox under kill -9", "senders killed mid-batch", str(len(KILL_AFTER))),
        Row("outbox under kill -9", "emails lost", str(lost), "0"),
        Row("outbox under kill -9", "emails received twice", str(duplicates), "<= 3 (one a kill)"),
        Row("outbox under kill -9", "seconds to send all", f"{elapsed:.1f}"),
    ]
