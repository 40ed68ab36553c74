"""`make audit`: known vulnerabilities in the pinned dependencies, and bandit over the code.

- pip-audit over requirements.lock and requirements-dev.lock (exact pins, so no resolving);
- npm audit over package-lock.json;
- bandit over the project's code, with the triage in pyproject.toml's [tool.bandit].

The vulnerability databases are on the internet, and some networks (these development
machines among them) cannot reach them. pip-audit then "finds no known vulnerabilities" while
it looked nothing up, so each answer is read, not trusted: a package that could not be looked
up, an error from the audit service or no answer within AUDIT_TIMEOUT_SECONDS (120) is
reported as NOT CHECKED, never as clean.

Exit status: 0 when every check ran and found nothing, 1 when something was found, 2 when a
check could not run (and nothing was found). Run `scripts/audit.py pip-audit npm-audit` to run
only some checks. pip-audit asks PyPI by default; PIP_AUDIT_VULNERABILITY_SERVICE=osv asks OSV.
"""

import json
import os
import subprocess  # nosec B404
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TIMEOUT = float(os.environ.get("AUDIT_TIMEOUT_SECONDS", "120"))

OK, FOUND, NOT_CHECKED = "ok", "FOUND", "NOT CHECKED"


@dataclass
class Outcome:
    check: str
    status: str
    detail: str


def _run(command: list[str]) -> subprocess.CompletedProcess | None:
    """Runs a known tool on this checkout; None when it gave no answer in time."""
    try:
        return subprocess.run(  # nosec B603
            command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return None


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def pip_audit(lock: str) -> Outcome:
    check = f"pip-audit {lock}"
    result = _run(
        [
            str(BIN / "pip-audit"),
            "--requirement",
            lock,
            # Every line is pinned: look the pins up as they are, without installing anything.
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--timeout",
            str(min(15, int(TIMEOUT))),
            "--format",
            "json",
        ]
    )
    if result is None:
        return Outcome(
            check, NOT_CHECKED, f"the vulnerability service did not answer in {TIMEOUT:g} s"
        )
    try:
        dependencies = json.loads(result.stdout)["dependencies"]
    except (ValueError, KeyError):
        return Outcome(
            check,
            NOT_CHECKED,
            f"the vulnerability service could not be reached: {_last_line(result.stderr)}",
        )
    vulnerable = [d for d in dependencies if d.get("vulns")]
    if vulnerable:
        return Outcome(
            check,
            FOUND,
            "; ".join(
                f"{d['name']} {d['version']}: "
                + ", ".join(
                    f"{v['id']} (fixed in {', '.join(v['fix_versions']) or 'no release yet'})"
                    for v in d["vulns"]
                )
                for d in vulnerable
            ),
        )
    skipped = [d for d in dependencies if "skip_reason" in d]
    if skipped:
        return Outcome(
            check,
            NOT_CHECKED,
            f"{len(skipped)} of {len(dependencies)} packages could not be looked up, e.g. "
            f"{skipped[0]['skip_reason']}",
        )
    return Outcome(check, OK, f"{len(dependencies)} packages, no known vulnerabilities")


def npm_audit() -> Outcome:
    check = "npm audit package-lock.json"
    result = _run(["npm", "audit", "--json"])
    if result is None:
        return Outcome(check, NOT_CHECKED, f"the npm registry did not answer in {TIMEOUT:g} s")
    try:
        report = json.loads(result.stdout)
    except ValueError:
        return Outcome(check, NOT_CHECKED, _last_line(result.stderr))
    if "error" in report:
        # npm puts the failed request's status line in "message", and often nothing in "error".
        reason = (
            report.get("message") or report["error"].get("summary") or _last_line(result.stderr)
        )
        return Outcome(check, NOT_CHECKED, f"the audit endpoint could not be used: {reason}")
    counts = report.get("metadata", {}).get("vulnerabilities", {})
    found = {level: n for level, n in counts.items() if level != "total" and n}
    if found:
        names = ", ".join(sorted(report.get("vulnerabilities", {})))
        summary = ", ".join(f"{n} {level}" for level, n in found.items())
        return Outcome(check, FOUND, f"{summary}: {names} (details: npm audit)")
    total = report.get("metadata", {}).get("dependencies", {}).get("total", "all")
    return Outcome(check, OK, f"{total} packages, no known vulnerabilities")


def bandit() -> Outcome:
    check = "bandit"
    result = _run([str(BIN / "bandit"), "-c", "pyproject.toml", "-r", ".", "-q"])
    if result is None:
        return Outcome(check, NOT_CHECKED, f"did not finish in {TIMEOUT:g} s")
    if result.returncode != 0:
        return Outcome(check, FOUND, (result.stdout + result.stderr).strip())
    return Outcome(check, OK, "no findings beyond those triaged in pyproject.toml")


CHECKS = {
    "pip-audit": lambda: [pip_audit("requirements.lock"), pip_audit("requirements-dev.lock")],
    "npm-audit": lambda: [npm_audit()],
    "bandit": lambda: [bandit()],
}


def main(argv: list[str]) -> int:
    chosen = argv or list(CHECKS)
    unknown = [name for name in chosen if name not in CHECKS]
    if unknown:
        print(f"unknown check {', '.join(unknown)}; choose from {', '.join(CHECKS)}")
        return 2
    outcomes = [outcome for name in chosen for outcome in CHECKS[name]()]
    for outcome in outcomes:
        print(f"{outcome.status:<12} {outcome.check}: {outcome.detail}")
    statuses = {outcome.status for outcome in outcomes}
    if FOUND in statuses:
        return 1
    if NOT_CHECKED in statuses:
        print(
            "\nSome checks could not reach their vulnerability database from this network, so "
            "nothing is known about those dependencies. Run `make audit` where the network "
            "allows (CI, a scheduled job), or rely on the repository's dependency alerts."
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
