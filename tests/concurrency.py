"""Making a race certain instead of likely, on real PostgreSQL.

Two job runs at once go wrong when one run's query reads the rows (its snapshot) before the
other commits, and locks them just after. Under load that happens by chance; `HeldStatement`
makes it happen every time: on one thread, the locking query takes its snapshot and then waits,
inside PostgreSQL, on an advisory lock the test holds, while another run works and commits.
"""

import re
import threading
import time

from django.db import connection

HOLD_KEY = 7_402_977
LOCKING = re.compile(r"\bFOR (NO KEY )?UPDATE\b")


class HeldStatement:
    """Holds the first `SELECT ... FOR [NO KEY] UPDATE` on `table` made on the thread that
    installs `wrapper` (connection.execute_wrapper), after its snapshot, until `release()`."""

    def __init__(self, table: str):
        self.table = f'FROM "{table}"'
        self.held = threading.Event()
        self.done = False

    def wrapper(self, execute, sql, params, many, context):
        # FOR UPDATE or, as the services lock (core.locking), FOR NO KEY UPDATE.
        if not self.done and LOCKING.search(sql) and self.table in sql:
            at = sql.index(" WHERE ", sql.index(self.table)) + len(" WHERE ")
            pause = f"(SELECT 1 FROM pg_advisory_xact_lock_shared({HOLD_KEY})) = 1 AND "  # noqa: S608
            sql = sql[:at] + pause + sql[at:]
            self.done = True
            self.held.set()
        return execute(sql, params, many, context)

    def __enter__(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [HOLD_KEY])
        return self

    def wait_until_held(self, seconds: float = 30) -> None:
        """Returns once the held statement is waiting inside PostgreSQL (snapshot taken)."""
        assert self.held.wait(seconds), "the statement to hold never ran"
        deadline = time.monotonic() + seconds
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT pg_stat_clear_snapshot()")  # else read once per transaction
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'"
                    " AND datname = current_database()"
                )
                if cursor.fetchone()[0]:
                    return
                time.sleep(0.02)
        raise AssertionError("the held statement never reached its pause")

    def release(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [HOLD_KEY])

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")


def run_in_thread(work, *, wrapper=None) -> tuple[threading.Thread, list]:
    """Starts `work()` in a thread with its own connection (closed after); returns the thread
    and a list that receives any error it raised."""
    errors: list[BaseException] = []

    def target():
        try:
            if wrapper:
                with connection.execute_wrapper(wrapper):
                    work()
            else:
                work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, errors


def one_run_reads_before_the_other_commits(table: str, work) -> list:
    """Runs `work` twice at once: the first run's locking query on `table` reads, then waits
    while the second run does the whole job and commits; then the first goes on. Returns the
    errors either raised."""
    with HeldStatement(table) as hold:
        slow, slow_errors = run_in_thread(work, wrapper=hold.wrapper)
        hold.wait_until_held()
        fast, fast_errors = run_in_thread(work)
        fast.join(timeout=120)
        hold.release()
        slow.join(timeout=120)
    return slow_errors + fast_errors
