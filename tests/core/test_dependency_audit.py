"""`make audit` (scripts/audit.py) and bandit in `make lint`.

From a network that cannot reach the vulnerability databases, pip-audit reports "No known
vulnerabilities found" having looked up nothing; the audit must say NOT CHECKED instead, and
must not hang on a service that never answers."""

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
AUDIT = ROOT / "scripts" / "audit.py"


def _audit_module():
    spec = importlib.util.spec_from_file_location("civicmarkets_audit", AUDIT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pip_audit_answer(monkeypatch, dependencies):
    audit = _audit_module()
    answer = subprocess.CompletedProcess([], 0, json.dumps({"dependencies": dependencies}), "")
    monkeypatch.setattr(audit, "_run", lambda command: answer)
    return audit.pip_audit("requirements.lock")


def test_packages_pip_audit_could_not_look_up_are_not_called_clean(monkeypatch):
    # What pip-audit answers here, with exit status 0 and "No known vulnerabilities found".
    outcome = _pip_audit_answer(
        monkeypatch,
        [
            {
                "name": n,
                "skip_reason": f"Dependency not found on PyPI and could not be audited: {n}",
            }
            for n in ("django", "celery")
        ],
    )
    assert outcome.status == "NOT CHECKED"
    assert "2 of 2 packages could not be looked up" in outcome.detail


def test_a_known_vulnerability_is_reported_with_its_fix(monkeypatch):
    outcome = _pip_audit_answer(
        monkeypatch,
        [
            {"name": "celery", "version": "5.7.0", "vulns": []},
            {
                "name": "django",
                "version": "5.2.1",
                "vulns": [{"id": "PYSEC-2099-1", "fix_versions": ["5.2.2"], "aliases": []}],
            },
        ],
    )
    assert outcome.status == "FOUND"
    assert outcome.detail == "django 5.2.1: PYSEC-2099-1 (fixed in 5.2.2)"


@pytest.fixture
def silent_server():
    """Accepts connections and never answers: a vulnerability service that hangs."""
    listener = socket.create_server(("127.0.0.1", 0))
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def test_audit_says_not_checked_and_does_not_hang_when_the_databases_never_answer(
    silent_server, tmp_path
):
    env = {
        **os.environ,
        "AUDIT_TIMEOUT_SECONDS": "2",
        "HTTPS_PROXY": silent_server,
        "HTTP_PROXY": silent_server,
        "https_proxy": silent_server,
        "http_proxy": silent_server,
        "NO_PROXY": "",
        "no_proxy": "",
        "npm_config_registry": f"{silent_server}/",
        "npm_config_cache": str(tmp_path / "npm-cache"),
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(AUDIT), "pip-audit", "npm-audit"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("NOT CHECKED  pip-audit requirements.lock: "), lines
    assert lines[1].startswith("NOT CHECKED  pip-audit requirements-dev.lock: "), lines
    assert lines[2].startswith("NOT CHECKED  npm audit package-lock.json: "), lines
    assert "Run `make audit` where the network allows" in result.stdout
    assert elapsed < 30


def test_bandit_as_make_lint_runs_it_fails_on_a_new_finding(tmp_path):
    module = tmp_path / "civic" / "shell.py"
    module.parent.mkdir()
    module.write_text(
        "import subprocess\n\n\ndef run(command):\n"
        "    return subprocess.call(command, shell=True)\n"
    )
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "bandit"),
            "-c",
            str(ROOT / "pyproject.toml"),
            "-r",
            ".",
            "-q",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "B602" in result.stdout
