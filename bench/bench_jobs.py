"""The contract management jobs at national scale: 1,000,000 contracts (--scale 0.1 for
100,000) of which 1% are due for renewal and 1% for review.

Each job is measured from the seeded state (bench/seed_contracts.py puts back what the jobs
changed, with set-based SQL, before every measurement): a first run with 1% due, then a
second run with nothing left to do. Wall time is measured on its own; a repeat of the first
run under tracemalloc gives the job's peak Python memory, which must stay flat as the table
grows (compare --scale 0.1 with the full scale). The jobs are imported when measured, so this
module loads even before they exist.
"""

import time
import tracemalloc
from contextlib import contextmanager

from django.db import connection

from bench import seed_contracts as seeder
from bench.common import Row, peak_memory_mib

CHUNK = 500


def run(scale: float) -> list[Row]:
    contracts = max(100, int(seeder.CONTRACTS * scale))
    providers = max(10, int(seeder.PROVIDERS * scale))
    started = time.perf_counter()
    loaded = seeder.seed_contracts(contracts=contracts, providers=providers)
    seeding = time.perf_counter() - started
    rows = [
        Row(
            "jobs: data",
            "contracts / providers" + (" (loaded now)" if loaded else " (already loaded)"),
            f"{contracts:,} / {providers:,}",
        ),
        Row("jobs: data", "seeding (s)" if loaded else "re-dating (s)", f"{seeding:.1f}"),
    ]
    rows += _measure(
        "renewals",
        "contract_renewals_run",
        _renewals,
        due=seeder.due_for_renewal,
        expected=contracts // 100,
    )
    rows += _measure(
        "reviews",
        "contract_reviews_create_due",
        _reviews,
        due=seeder.due_for_review,
        expected=contracts // 100,
    )
    rows.append(Row("jobs", "peak memory of the process (MiB)", f"{peak_memory_mib():.0f}"))
    return rows


def _renewals():
    from commissioning.services.renewals import contract_renewals_run

    done = contract_renewals_run(chunk_size=CHUNK)
    return done.get("opened", 0) if isinstance(done, dict) else done, done


def _reviews():
    from commissioning.services.reviews import contract_reviews_create_due

    done = contract_reviews_create_due(chunk_size=CHUNK)
    return done, done


def _measure(name: str, function: str, job, *, due, expected: int) -> list[Row]:
    label = f"job: {name}"
    _reset()
    due_before = due()
    try:
        first = _timed(job)
    except ImportError as error:
        return [Row(label, f"{function} not measured", f"missing: {error}")]
    due_after = due()
    second = _timed(job)
    _reset()
    memory = _traced(job)
    _reset()
    return [
        Row(label, "due before the first run", f"{due_before:,}", f"{expected:,} (1%)"),
        Row(label, "first run: seconds", f"{first['seconds']:.2f}", "< 60"),
        Row(label, "first run: done", str(first["done"])),
        Row(
            label,
            f"first run: SQL queries (chunks of {CHUNK})",
            f"{first['queries']:,} in {max(1, -(-due_before // CHUNK))} chunks",
        ),
        Row(label, "due after the first run", f"{due_after:,}", "0"),
        Row(label, "second run (nothing due): seconds", f"{second['seconds']:.2f}", "< 2"),
        Row(label, "second run: done", str(second["done"]), "nothing"),
        Row(label, "second run: SQL queries", f"{second['queries']:,}"),
        Row(label, "job's peak Python memory (tracemalloc MiB)", f"{memory:.1f}", "flat"),
        Row(label, "process peak memory after (ru_maxrss MiB)", f"{peak_memory_mib():.0f}"),
    ]


@contextmanager
def _counting():
    """Counts SQL statements without keeping them, so counting costs no memory."""
    counter = {"queries": 0}

    def wrapper(execute, sql, params, many, context):
        counter["queries"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


def _timed(job) -> dict:
    with _counting() as counter:
        start = time.perf_counter()
        _count, done = job()
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "done": done, "queries": counter["queries"]}


def _traced(job) -> float:
    tracemalloc.start()
    try:
        job()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _reset() -> None:
    """Back to the seeded state: what the jobs changed, undone with set-based SQL."""
    seeder.redate()
