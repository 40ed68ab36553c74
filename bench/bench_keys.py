"""The bid master key at scale: rotating 20,000 tender keys, and what the key check adds to
/healthz.

Tender keys are made for the bench's tenders (bench_tenders' load) under an "old" master key;
`tender_keys_rewrap` then re-wraps them under a "new" one put first, as in the README's
procedure, and runs again to show a finished rotation costs only a read. The keys are
removed afterwards, so bench_tenders can reload at another scale.
"""

import statistics
import time

from cryptography.fernet import Fernet
from django.db import connection
from django.test import Client, override_settings

from bench import bench_tenders
from bench.common import Row, timed_requests
from commissioning import sealing
from commissioning.models import TenderKey
from core.services import heartbeat_record

KEYS = 20_000
CHUNK = 500


def run(scale: float) -> list[Row]:
    bench_tenders._load(
        tenders=int(bench_tenders.TENDERS * scale),
        providers=int(bench_tenders.PROVIDERS * scale),
    )
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    wanted = max(1000, int(KEYS * scale))
    ids = list(bench_tenders._bench_tenders().order_by("id").values_list("id", flat=True)[:wanted])
    _forget_keys()
    try:
        with override_settings(BID_MASTER_KEY=old):
            TenderKey.objects.bulk_create(
                (
                    TenderKey(tender_id=pk, wrapped_key=sealing.new_wrapped_tender_key())
                    for pk in ids
                ),
                batch_size=2000,
            )
        rows = [Row("keys: data", "tender keys under the old master key", f"{len(ids):,}")]
        with override_settings(BID_MASTER_KEY=f"{new},{old}"):
            rows += _rotation(len(ids))
        with connection.cursor() as cursor:
            # As autovacuum would after a rotation rewrote every row; else the check's index
            # probe walks the old row versions.
            cursor.execute(f"VACUUM ANALYZE {TenderKey._meta.db_table}")
        with override_settings(BID_MASTER_KEY=new):
            rows += _health_check()
    finally:
        _forget_keys()
    return rows


def _rotation(count: int) -> list[Row]:
    from commissioning.services.keys import tender_keys_rewrap

    started = time.perf_counter()
    first = tender_keys_rewrap(chunk_size=CHUNK)
    first_s = time.perf_counter() - started
    assert first.rewrapped == count, first
    started = time.perf_counter()
    again = tender_keys_rewrap(chunk_size=CHUNK)
    again_s = time.perf_counter() - started
    assert again.rewrapped == 0 and again.current == count, again
    return [
        Row("keys: rotate_bid_master_key", "re-wrap every key (s)", f"{first_s:.1f}"),
        Row("keys: rotate_bid_master_key", "keys per second", f"{count / first_s:,.0f}"),
        Row("keys: rotate_bid_master_key", "second run, nothing to do (s)", f"{again_s:.1f}"),
    ]


def _health_check() -> list[Row]:
    timings = []
    for _ in range(200):
        started = time.perf_counter()
        assert sealing.master_key_problem() is None
        timings.append((time.perf_counter() - started) * 1000)
    heartbeat_record()
    page = timed_requests(Client(), "/healthz", repeat=200)
    return [
        Row(
            "keys: master_key_problem",
            "median ms (1 query, 2 unwraps)",
            f"{statistics.median(timings):.2f}",
        ),
        Row(
            "page: healthz with the key check",
            "median / p95 ms",
            f"{page['median_ms']:.1f} / {page['p95_ms']:.1f}",
            "< 50 / < 150",
        ),
        Row("page: healthz with the key check", "SQL queries", f"{page['queries']:.0f}"),
    ]


def _forget_keys() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM commissioning_tenderkey k USING commissioning_tender t, "
            "commissioning_commissionerorganisation c WHERE k.tender_id = t.id "
            "AND t.commissioner_id = c.id AND c.identifier LIKE %s",
            [bench_tenders.MARK + "%"],
        )
