"""Asserting how many SQL queries a page or API call makes."""

from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext


@contextmanager
def assert_max_queries(limit: int):
    """Fails, listing the SQL, when the block makes more than `limit` queries."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    made = len(captured.captured_queries)
    if made > limit:
        statements = "\n".join(
            f"{i}. {q['sql'][:300]}" for i, q in enumerate(captured.captured_queries, 1)
        )
        raise AssertionError(f"{made} queries made, at most {limit} expected:\n{statements}")


def count_queries(callable_, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_(*args, **kwargs)
    return len(captured.captured_queries)
