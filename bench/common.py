"""What every benchmark shares: timing requests, memory, and the printed table."""

import resource
import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Row:
    benchmark: str
    measure: str
    value: str
    target: str = ""


def timed_requests(client: Client, url: str, *, repeat: int, warmup: int = 5) -> dict:
    """Server time of `repeat` GETs through the whole Django stack (middleware, templates,
    database), without a network socket in the way."""
    for _ in range(warmup):
        client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # Count now: captured_queries reads the connection's log, which the next request clears.
    queries = len(captured.captured_queries)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    assert response.status_code in (200, 503), (url, response.status_code)
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p95_ms": timings[int(len(timings) * 0.95) - 1],
        "queries": queries,
    }


def peak_memory_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(rows: list[Row]) -> None:
    headers = ("benchmark", "measure", "value", "target")
    cells = [headers, *((r.benchmark, r.measure, r.value, r.target) for r in rows)]
    widths = [max(len(str(row[i])) for row in cells) for i in range(4)]
    line = "| " + " | ".join("-" * w for w in widths) + " |"
    print()
    for n, row in enumerate(cells):
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if n == 0:
            print(line)
