"""Complaint intake over real HTTP: 50 citizens at once through gunicorn.

A gunicorn server (the production WSGI server, `gthread` workers) is started on a free port
against the bench database; 50 client threads, each with its own keep-alive HTTP connection,
POST anonymous complaints to `/api/v1/complaints/` as fast as the server answers. Each client
claims a fresh address (sent in `X-Forwarded-For`, which the server is told to trust with one
proxy) every few complaints, so the per-address limits (10 complaints an hour) are never the
bottleneck: the server's throughput is. A marker fresh for each run goes into every
description, so this run's complaints are counted exactly, whatever earlier runs left.

Reported: complaints accepted per second, p50 and p95 latency of the POST, errors (any answer
but 201, or a broken connection), and that every accepted complaint was stored once. Then the
same again (fewer complaints each) while one transaction elsewhere has written an audit entry
and stays open for STUCK_SECONDS, as an admin's console or a slow job would.

    python bench/run.py --only intake [--scale N]

`BENCH_INTAKE_WORKERS` and `BENCH_INTAKE_THREADS` size gunicorn (4 x 4 by default).
"""

import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.common import Row

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 50
PER_CLIENT = 20
PER_ADDRESS = 5  # well under the public limit of 10 complaints per address an hour
STUCK_SECONDS = 15
PER_CLIENT_STUCK = 4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_env() -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if db.get("PASSWORD"):
        url = url.replace(f"//{db['USER']}@", f"//{db['USER']}:{db['PASSWORD']}@")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicmarkets.settings.test",
        "DATABASE_URL": url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # One trusted proxy (the bench's clients say who they are in X-Forwarded-For), under
        # every name the rate limits and throttles have read it by.
        "PROXY_COUNT": "1",
        "API_PROXY_COUNT": "1",
        "RATELIMIT_IP_META_KEY": "HTTP_X_FORWARDED_FOR",
        "API_THROTTLE_ANON": "100000/min",
        "LOG_LEVEL": "WARNING",
    }


def _start_gunicorn(port: int, log) -> subprocess.Popen:
    workers = os.environ.get("BENCH_INTAKE_WORKERS", "4")
    threads = os.environ.get("BENCH_INTAKE_THREADS", "4")
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "civicmarkets.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            workers,
            "--worker-class",
            "gthread",
            "--threads",
            threads,
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=_server_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_for(port: int, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def _client(number, *, port, contract, marker, count, subnet, results, lock, start_gate):
    latencies, accepted, errors, references = [], 0, 0, []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start_gate.wait()
    for attempt in range(count):
        address = f"10.{subnet}.{number}.{attempt // PER_ADDRESS + 1}"
        body = json.dumps(
            {
                "contract_reference": contract,
                "category": random.choice(["quality", "missed_service", "staff_conduct"]),
                "description": f"{marker} citizen {number} complaint {attempt}",
                "contact": "anonymous",
            }
        )
        began = time.perf_counter()
        try:
            conn.request(
                "POST",
                "/api/v1/complaints/",
                body=body,
                headers={"Content-Type": "application/json", "X-Forwarded-For": address},
            )
            response = conn.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status, payload = None, b""
        latencies.append((time.perf_counter() - began) * 1000)
        if status == 201:
            accepted += 1
            references.append(json.loads(payload)["reference"])
        else:
            errors += 1
    conn.close()
    with lock:
        results.append((latencies, accepted, errors, references))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def run(scale: float) -> list[Row]:
    from django.core.management import call_command

    from accountability.models import Complaint
    from accountability.services.complaints import OPEN_CONTRACT_STATUSES
    from commissioning.models import Contract

    call_command("seed_demo", verbosity=0)
    contract = Contract.objects.filter(status__in=OPEN_CONTRACT_STATUSES).order_by("id").first()
    assert contract is not None, "the demo data has no running contract to complain about"
    per_client = max(1, round(PER_CLIENT * scale))
    marker = f"intake-{secrets.token_hex(6)}"
    subnet = str(random.randint(0, 255))
    connection.close()

    port = _free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-gunicorn-", suffix=".log")  # noqa: SIM115
    server = _start_gunicorn(port, log)
    reference = f"CM-C-{contract.pk:06d}"
    try:
        _wait_for(port)
        results, elapsed = _round(port, reference, marker, per_client, subnet, first=0)
        # The same while one transaction holds an audit entry open (an admin session, a slow
        # job): with one lock for every audited write, every complaint waited for it.
        stuck_marker = f"{marker}-stuck"
        with _stuck_transaction(contract):
            stuck, stuck_elapsed = _round(
                port, reference, stuck_marker, PER_CLIENT_STUCK, subnet, first=CLIENTS
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.seek(0)
        server_log = log.read()
        log.close()

    gunicorn = (
        f"{os.environ.get('BENCH_INTAKE_WORKERS', '4')} workers x "
        f"{os.environ.get('BENCH_INTAKE_THREADS', '4')} threads"
    )
    rows = [
        Row("intake (HTTP)", "gunicorn", gunicorn),
        Row("intake (HTTP)", "database", settings.DATABASES["default"]["NAME"]),
    ]
    for label, outcome, took, each, mark in (
        ("intake (HTTP)", results, elapsed, per_client, marker),
        (
            f"intake, {STUCK_SECONDS} s stuck transaction",
            stuck,
            stuck_elapsed,
            PER_CLIENT_STUCK,
            stuck_marker,
        ),
    ):
        rows += _summary(label, outcome, took, each, mark, Complaint)
    if any(e for _, _, e, _ in results + stuck):
        print(server_log[-3000:])
    return rows


def _summary(label, results, elapsed, per_client, marker, complaint_model) -> list[Row]:
    latencies = [ms for lat, _, _, _ in results for ms in lat]
    accepted = sum(a for _, a, _, _ in results)
    errors = sum(e for _, _, e, _ in results)
    references = [ref for _, _, _, refs in results for ref in refs]
    # The stuck round's marker extends the first's: count each round's own complaints.
    stored = complaint_model.objects.filter(description__startswith=f"{marker} ").count()
    return [
        Row(label, "clients x complaints each", f"{CLIENTS} x {per_client}"),
        Row(label, "throughput (complaints/s)", f"{accepted / elapsed:.1f}"),
        Row(
            label,
            "POST latency p50 / p95 (ms)",
            f"{_percentile(latencies, 0.50):.0f} / {_percentile(latencies, 0.95):.0f}",
        ),
        Row(label, "errors (not 201)", f"{errors}", "0"),
        Row(
            label,
            "accepted / stored / distinct references",
            f"{accepted} / {stored} / {len(set(references))}",
            "all equal",
        ),
    ]


def _round(port, contract, marker, per_client, subnet, *, first) -> tuple[list, float]:
    """Every client posts `per_client` complaints as fast as answered; returns the results
    and the seconds from the first request to the last answer."""
    results, lock = [], threading.Lock()
    gate = threading.Barrier(CLIENTS + 1)
    threads = [
        threading.Thread(
            target=_client,
            args=(first + number,),
            kwargs={
                "port": port,
                "contract": contract,
                "marker": marker,
                "count": per_client,
                "subnet": subnet,
                "results": results,
                "lock": lock,
                "start_gate": gate,
            },
        )
        for number in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - began


class _stuck_transaction:
    """A transaction, on a connection of its own, that writes an audit entry and stays open
    for STUCK_SECONDS (or until the round ends, if sooner)."""

    def __init__(self, contract):
        self.contract = contract
        self.written, self.done = threading.Event(), threading.Event()

    def _hold(self):
        from django.db import transaction

        from core.services import audit_record

        try:
            with transaction.atomic():
                audit_record(actor=None, action="bench.stuck", target=self.contract)
                self.written.set()
                self.done.wait(timeout=STUCK_SECONDS)
        finally:
            connection.close()

    def __enter__(self):
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        self.written.wait(timeout=30)

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
