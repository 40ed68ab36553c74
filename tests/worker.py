"""A real Celery worker process, consuming from the real Redis broker, for the job tests."""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """DATABASE_URL pointing at the test database pytest-django created."""
    parsed = urlparse(os.environ["DATABASE_URL"])
    return urlunparse(parsed._replace(path="/" + connection.settings_dict["NAME"]))


@contextmanager
def celery_worker():
    """Starts `celery -A civicmarkets worker` on a queue of its own; yields the queue name.

    The queue is unique to this run, so a developer's `make run` worker on the same Redis
    never takes the test's tasks, and the worker never takes theirs.
    """
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tempfile.NamedTemporaryFile("w+", prefix="celery-worker-", suffix=".log")  # noqa: SIM115
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicmarkets.settings.test",
        "DATABASE_URL": test_database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "civicmarkets",
            "worker",
            "-Q",
            queue,
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "-l",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        # A file, not a pipe: nobody reads a pipe while the test runs, and a full one would
        # stop the worker.
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # On a busy machine the worker can take a while to start; tasks are sent once it has.
        wait_until(
            lambda: "ready." in Path(log.name).read_text(errors="replace"),
            seconds=120,
            message="the Celery worker to start",
            log=log.name,
        )
        yield queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def wait_until(
    condition, *, seconds: float = 60, message: str = "condition", log: str | None = None
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = ""
    if log:
        tail = "\nworker log:\n" + "\n".join(
            Path(log).read_text(errors="replace").splitlines()[-20:]
        )
    raise AssertionError(f"timed out after {seconds}s waiting for {message}{tail}")


class WorkerProcess:
    """A running worker the test can kill: its queue, its process and its log file."""

    def __init__(self, queue: str, process: subprocess.Popen, log: str):
        self.queue = queue
        self.process = process
        self.log = log

    def kill(self) -> None:
        """SIGKILL, as the out-of-memory killer or a lost machine would: no clean-up at all."""
        self.process.kill()
        self.process.wait(timeout=15)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(Path(self.log).read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def killable_celery_worker(*, settings_module: str = "civicmarkets.settings.test", env=None):
    """Like `celery_worker`, with settings and environment of the test's choosing, yielding a
    WorkerProcess the test can kill mid-task. (The solo pool runs tasks in the worker's own
    process, so killing it kills the task.)"""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    log = tempfile.NamedTemporaryFile("w+", prefix="celery-worker-", suffix=".log")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "civicmarkets",
            "worker",
            "-Q",
            queue,
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "-l",
            "info",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            **(env or {}),
            "DJANGO_SETTINGS_MODULE": settings_module,
            "DATABASE_URL": test_database_url(),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = WorkerProcess(queue, process, log.name)
    try:
        wait_until(
            lambda: "ready." in Path(log.name).read_text(errors="replace"),
            seconds=120,
            message="the Celery worker to start",
            log=log.name,
        )
        yield worker
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
