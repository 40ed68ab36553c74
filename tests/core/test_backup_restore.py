"""A backup restores into a working platform (README: "Backups and restores").

The test database, holding real tenders, sealed bids and documents and the audit entries the
services wrote, is dumped with pg_dump and restored with pg_restore into a fresh database, as
an operator would; then the restored copy is proved to work: the same rows, an intact audit
chain by `verify_audit_chain`, and sealed bids that open with the master key (and only with
it: the dump alone opens nothing).
"""

import os
import shutil
import subprocess
import sys
from datetime import timedelta

import psycopg2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from commissioning.models import Tender
from commissioning.services.bids import bid_submit
from commissioning.services.tenders import tender_close
from core.models import AuditEntry
from tests.factories import ProviderAdminFactory, published_tender, sealed_bid
from tests.worker import ROOT

pytestmark = pytest.mark.django_db(transaction=True)

TOOLS = {name: shutil.which(name) for name in ("pg_dump", "pg_restore")}
DOCUMENT = b"%PDF-1.4\nRESTORE-MARKER our staffing model\n%%EOF\n"


def _pg_env() -> dict:
    """libpq's variables for the test database's server, so no password is on a command line."""
    config = connection.settings_dict
    env = {**os.environ, "PGHOST": config["HOST"] or "127.0.0.1", "PGUSER": config["USER"]}
    if config["PORT"]:
        env["PGPORT"] = str(config["PORT"])
    if config["PASSWORD"]:
        env["PGPASSWORD"] = config["PASSWORD"]
    return env


def _server(dbname: str):
    config = connection.settings_dict
    server = psycopg2.connect(
        dbname=dbname,
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
    )
    server.autocommit = True
    return server


def _row_counts(dbname: str) -> dict[str, int]:
    with _server(dbname) as server, server.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' "
            "ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            # Table names come from the server's catalogue, quoted by it.
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    server.close()
    return counts


def _empty(dbname: str) -> None:
    with _server(dbname) as server, server.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    server.close()


@pytest.fixture
def restored_database():
    """An empty database on the same server to restore into, emptied again afterwards.

    It is kept between runs (beside the test database, named after it) and emptied by
    recreating its schema, because DROP DATABASE forces a checkpoint of the whole shared
    server, which costs seconds under load; an empty schema is all pg_restore needs."""
    name = f"{connection.settings_dict['NAME']}_restore"
    admin = _server("postgres")
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    _empty(name)
    try:
        yield name
    finally:
        _empty(name)


def _manage(*args, database: str) -> subprocess.CompletedProcess:
    config = connection.settings_dict
    url = (
        f"postgres://{config['USER']}@{config['HOST'] or '127.0.0.1'}:"
        f"{config['PORT'] or 5432}/{database}"
    )
    env = {
        **_pg_env(),
        "DJANGO_SETTINGS_MODULE": "civicmarkets.settings.test",
        "DATABASE_URL": url,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.skipif(
    not all(TOOLS.values()),
    reason="pg_dump and pg_restore are not installed (Debian: apt-get install "
    "postgresql-client); the backup and restore test needs them",
)
def test_a_dump_restores_into_a_fresh_database_that_works(tmp_path, restored_database):
    # Real data, written by the services: a bid with its document, opened when its tender
    # closed, and a bid still sealed on a tender open for bids; the audit entries they made.
    closing = published_tender(lots=1)
    opened = bid_submit(
        lot=closing.lots.get(),
        actor=ProviderAdminFactory(),
        price="80000.00",
        answers={
            str(c.pk): f"Restored answer ({c.title})"
            for c in closing.criteria.exclude(kind="price")
        },
        partners=[],
        documents=[SimpleUploadedFile("method.pdf", DOCUMENT)],
    )
    past = timezone.now() - timedelta(minutes=1)
    Tender.objects.filter(pk=closing.pk).update(
        clarification_deadline=past - timedelta(minutes=1), submission_deadline=past
    )
    closing.refresh_from_db()
    tender_close(tender=closing, actor=closing.created_by)
    sealed = sealed_bid(lot=published_tender(lots=1).lots.get(), price="123456.78")
    assert AuditEntry.objects.count() > 0
    original = connection.settings_dict["NAME"]
    dump = tmp_path / "civicmarkets.dump"

    dumped = subprocess.run(
        [TOOLS["pg_dump"], "--format=custom", "--no-owner", f"--file={dump}", original],
        env=_pg_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert dumped.returncode == 0, dumped.stderr
    restored = subprocess.run(
        [
            TOOLS["pg_restore"],
            "--no-owner",
            "--exit-on-error",
            f"--dbname={restored_database}",
            str(dump),
        ],
        env=_pg_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert restored.returncode == 0, restored.stderr

    # The same rows, table by table.
    assert _row_counts(restored_database) == _row_counts(original)

    # On the copy, as an operator checks a restore (README): the audit chain verifies, every
    # tender key opens with the master key kept apart from the dump, and so do the bids, which
    # a copy restored without its key cannot open.
    proof = _manage(
        "shell",
        "-c",
        RESTORE_CHECKS.format(opened=opened.pk, sealed=sealed.pk),
        database=restored_database,
    )
    assert proof.returncode == 0, proof.stdout + proof.stderr
    assert "The audit log is intact" in proof.stdout
    assert "the older keys can now be removed" in proof.stdout
    assert "opened: 80000.00 123456.78 RESTORE-MARKER" in proof.stdout
    assert "without its key: refused" in proof.stdout


RESTORE_CHECKS = """
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management import call_command
from commissioning import sealing
from commissioning.models import Bid

call_command("verify_audit_chain")
call_command("rotate_bid_master_key", "--check")
bids = Bid.objects.select_related("tender__sealing_key", "provider")
opened, sealed = bids.get(pk={opened}), bids.get(pk={sealed})
document = opened.documents.get()
print(
    "opened:",
    sealing.open_bid_contents(opened)["price"],
    sealing.own_bid_contents(sealed, sealed.provider)["price"],
    sealing.open_bytes(opened.tender, document.sealed_content).split()[1].decode(),
)
settings.BID_MASTER_KEY = Fernet.generate_key().decode()
try:
    sealing.open_bid_contents(opened)
except sealing.BidKeyUnusable:
    print("without its key: refused")
"""
