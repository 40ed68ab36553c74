"""`export_ocds` at national scale: releases per second and peak memory, for the first 10,000
and then all 100,000 tenders (memory must stay flat between the two).

The tenders and lots are bench_tenders' own load (COPY; shared, so loaded once for both
benchmarks). On top, inside PostgreSQL (INSERT ... SELECT), every lot of an awarded or
contracted tender gets two bids, the winner's award and, for contracted tenders, its contract:
so the export meets every stage (published, closed, in evaluation, awarded, contracted,
cancelled) with tenderers, suppliers and contracts to publish. They are removed at the end,
leaving bench_tenders' data as it was.

    python bench/run.py --only ocds_export [--scale 0.1]
"""

import os
import time

from django.db import connection, transaction

from bench import bench_tenders
from bench.common import Row
from commissioning.models import Award
from commissioning.ocds import build
from commissioning.ocds.export import export_releases

TARGET_PER_SECOND = 2000
FIRST = 10_000


def run(scale: float) -> list[Row]:
    tenders = int(bench_tenders.TENDERS * scale)
    providers = int(bench_tenders.PROVIDERS * scale)
    _forget_outcomes()  # left behind by an interrupted run, if any
    bench_tenders._load(tenders=tenders, providers=providers)
    _add_outcomes()
    published = build.published_tenders().filter(
        commissioner__identifier__startswith=bench_tenders.MARK
    )
    rows = [
        Row(
            "ocds export: data",
            "published tenders / awards",
            f"{published.count():,} / {Award.objects.filter(lot__tender__in=published).count():,}",
        )
    ]
    ids = list(published.order_by("pk").values_list("pk", flat=True)[: FIRST + 1])
    if len(ids) > FIRST:
        runs = [
            (f"first {FIRST:,} tenders", published.filter(pk__lt=ids[FIRST])),
            (f"all {published.count():,} tenders", published),
        ]
    else:
        runs = [(f"all {len(ids):,} tenders", published)]
    for label, queryset in runs:
        result = measure(queryset)
        rows += [
            Row(f"ocds export: {label}", "releases", f"{result['releases']:,}"),
            Row(
                f"ocds export: {label}",
                "releases / s",
                f"{result['per_second']:,.0f}",
                f">= {TARGET_PER_SECOND:,}",
            ),
            Row(f"ocds export: {label}", "peak RSS during export (MiB)", f"{result['peak']:.0f}"),
        ]
    # bench_tenders' data is left as found: its reload at another scale deletes lots, which
    # our bids, awards and contracts would otherwise hold on to.
    _forget_outcomes()
    return rows


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(queryset) -> dict:
    """Exports `queryset`'s releases as one package to /dev/null through the command's code."""
    peak = _rss_mib()
    seen = 0

    def sample(n):
        nonlocal peak, seen
        seen += n
        if seen % 500 == 0:
            peak = max(peak, _rss_mib())

    with open(os.devnull, "w", encoding="utf-8") as sink:
        start = time.perf_counter()
        written, _ = export_releases(
            sink.write, uri="https://bench.example/ocds.json", queryset=queryset, on_tender=sample
        )
        elapsed = time.perf_counter() - start
    return {
        "releases": written,
        "per_second": written / elapsed if elapsed else 0.0,
        "peak": max(peak, _rss_mib()),
    }


def _forget_outcomes() -> None:
    mark = bench_tenders.MARK + "%"
    scope = (
        "IN (SELECT t.id FROM commissioning_tender t JOIN commissioning_commissionerorganisation c "
        "ON c.id = t.commissioner_id WHERE c.identifier LIKE %s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # `scope` is this function's constant; the mark is a parameter (hence `noqa: S608`).
        cursor.execute(f"DELETE FROM commissioning_contract WHERE tender_id {scope}", [mark])  # noqa: S608
        cursor.execute(
            f"DELETE FROM commissioning_award WHERE lot_id IN (SELECT id FROM commissioning_lot WHERE tender_id {scope})",  # noqa: S608, E501
            [mark],
        )
        cursor.execute(f"DELETE FROM commissioning_bid WHERE tender_id {scope}", [mark])  # noqa: S608


def _add_outcomes() -> bool:
    """Bids, awards and contracts for the bench's awarded and contracted tenders, unless they
    are there already. Returns whether it added them. `run` removes them when it is done."""
    mark = bench_tenders.MARK + "%"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM commissioning_award a JOIN commissioning_lot l "
            "ON l.id = a.lot_id JOIN commissioning_tender t ON t.id = l.tender_id "
            "JOIN commissioning_commissionerorganisation c ON c.id = t.commissioner_id "
            "WHERE c.identifier LIKE %s)",
            [mark],
        )
        if cursor.fetchone()[0]:
            return False
    print("  adding bids, awards and contracts for the OCDS export ...", flush=True)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), count(*) FROM providers_providerorganisation WHERE name LIKE %s",
            ["Bench provider %"],
        )
        first_provider, providers = cursor.fetchone()
        outcome_lots = (
            "FROM commissioning_lot l JOIN commissioning_tender t ON t.id = l.tender_id "
            "JOIN commissioning_commissionerorganisation c ON c.id = t.commissioner_id "
            "WHERE c.identifier LIKE %(mark)s AND t.status IN ('awarded', 'contracted')"
        )
        params = {"mark": mark, "first": first_provider, "n": providers}
        # Two bids a lot: the winner (provider A) and a losing one (provider B).
        for offset, share in ((0, "0.95"), (1, "1.05")):
            cursor.execute(
                "INSERT INTO commissioning_bid (tender_id, lot_id, provider_id, status, "
                "sealed_contents, submitted_by_id, submitted_at, updated_at, opened_price) "
                f"SELECT t.id, l.id, %(first)s + ((l.id * 7 + {offset}) %% %(n)s), "
                "'submitted', ''::bytea, t.created_by_id, t.submission_deadline - interval "
                f"'1 day', t.submission_deadline - interval '1 day', l.estimated_value * {share} "
                + outcome_lots,
                params,
            )
        cursor.execute(
            "INSERT INTO commissioning_award (lot_id, bid_id, status, reason, decided_by_id, "
            "decided_at, standstill_ends_at) "
            "SELECT l.id, b.id, CASE WHEN t.status = 'contracted' THEN 'contracted' "
            "ELSE 'standstill' END, '', t.created_by_id, t.closed_at + interval '20 days', "
            "t.closed_at + interval '32 days' "
            + outcome_lots.replace(
                "WHERE",
                "JOIN commissioning_bid b ON b.lot_id = l.id AND "
                "b.provider_id = %(first)s + ((l.id * 7) %% %(n)s) WHERE",
            ),
            params,
        )
        cursor.execute(
            "INSERT INTO commissioning_contract (commissioner_id, provider_id, tender_id, lot_id, "
            "award_id, title, value, start_date, end_date, extension_options_remaining, "
            "notice_period_days, status, partners, escalation_level, review_frequency_months, "
            "renewal_notice_months, created_by_id, created_at, updated_at) "
            "SELECT t.commissioner_id, b.provider_id, t.id, l.id, a.id, "
            "t.title || ': ' || l.title, b.opened_price, "
            "(a.decided_at + interval '40 days')::date, "
            "(a.decided_at + interval '40 days' + interval '24 months')::date, '{}', 90, "
            "'active', '[]', 0, 3, 6, t.created_by_id, a.decided_at + interval '40 days', "
            "a.decided_at + interval '40 days' "
            "FROM commissioning_award a JOIN commissioning_bid b ON b.id = a.bid_id "
            "JOIN commissioning_lot l ON l.id = a.lot_id "
            "JOIN commissioning_tender t ON t.id = l.tender_id "
            "JOIN commissioning_commissionerorganisation c ON c.id = t.commissioner_id "
            "WHERE c.identifier LIKE %(mark)s AND t.status = 'contracted'",
            params,
        )
        for table in ("commissioning_bid", "commissioning_award", "commissioning_contract"):
            cursor.execute(f"ANALYZE {table}")
    return True
