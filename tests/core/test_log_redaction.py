"""Secrets that travel in URLs (a complainant's tracking link, an invitation, a password reset)
never reach the logs: not Django's, not gunicorn's access log."""

import io
import logging
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core.redaction import redact
from tests import worker
from tests.smtp import free_port
from tests.worker import ROOT, wait_until

SECRET = "q7Xk2pVr9Lm4Tn8Ws1Yb6Zc3Hd5Jf0Ga2Ue7Ri4Oo9Pe"


def test_the_secret_part_of_each_secret_url_is_redacted_and_nothing_else():
    assert redact(f"Not Found: /complaints/track/CMP-2026-000123/{SECRET}/") == (
        "Not Found: /complaints/track/CMP-2026-000123/[redacted]/"
    )
    assert redact(f'"GET /providers/invitations/{SECRET}/ HTTP/1.1" 200') == (
        '"GET /providers/invitations/[redacted]/ HTTP/1.1" 200'
    )
    assert redact(f"/accounts/password/reset/MTI/{SECRET}/") == (
        "/accounts/password/reset/MTI/[redacted]/"
    )
    assert redact(f'"GET /providers/register/confirm/{SECRET}/ HTTP/1.1" 200') == (
        '"GET /providers/register/confirm/[redacted]/ HTTP/1.1" 200'
    )
    for harmless in (
        "/accounts/password/reset/MTI/set-password/",
        "/accounts/password/reset/sent/",
        "/providers/register/sent/",
        "/complaints/track/",
        "/tenders/12/",
    ):
        assert redact(harmless) == harmless


@pytest.mark.django_db
def test_a_wrong_tracking_link_is_logged_without_its_secret(client):
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    written = io.StringIO()
    previous = console.setStream(written)
    try:
        response = client.get(f"/complaints/track/CMP-2026-000123/{SECRET}/")
    finally:
        console.setStream(previous)

    assert response.status_code == 404
    assert "Not Found: /complaints/track/CMP-2026-000123/[redacted]/" in written.getvalue()
    assert SECRET not in written.getvalue()


@pytest.mark.django_db(transaction=True)
def test_gunicorns_access_log_keeps_no_secret():
    port = free_port()
    log = Path(tempfile.mkdtemp()) / "access.log"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "civicmarkets.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
            "--logger-class",
            "core.redaction.GunicornLogger",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "civicmarkets.settings.test",
            "DATABASE_URL": worker.test_database_url(),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def get(path):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                    return r.status
            except urllib.error.HTTPError as error:
                return error.code
            except OSError:
                return None

        wait_until(lambda: get("/healthz") is not None, seconds=60, message="gunicorn")
        assert get(f"/complaints/track/CMP-2026-000123/{SECRET}/") == 404
        get(f"/providers/invitations/{SECRET}/")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "invitations" not in log.read_text():
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=15)

    written = log.read_text()
    assert "/complaints/track/CMP-2026-000123/[redacted]/" in written
    assert "/providers/invitations/[redacted]/" in written
    assert SECRET not in written
