"""The browser harness: Playwright driving Debian's Chromium against a live server, with
axe-core checking every page a test visits for WCAG 2.2 AA violations, and every journey failing
on any Content-Security-Policy violation (a blocked inline script or style, a script from
elsewhere), so each journey proves its pages satisfy the policy."""

import functools
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Chromium's background services try the network, which this machine (and CI) does not have.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Runs in every document before its own scripts: reports each securitypolicyviolation event
# to the test through an exposed binding (so reports survive the page navigating away).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({
    page: document.location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile ? `${event.sourceFile}:${event.lineNumber}` : "",
    sample: event.sample,
  });
}, true);
"""


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not at {CHROMIUM}. `make test` installs Debian's chromium package; "
            "or set CHROMIUM_PATH."
        )
    if not AXE.exists():
        pytest.fail(f"axe-core is not at {AXE}: run `npm ci` (make test does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@functools.cache
def _axe_source() -> str:
    return AXE.read_text()


def report_csp_violations(context, sink) -> None:
    """Calls sink(source, violation) for every Content-Security-Policy violation in any page
    the browser context opens."""
    context.expose_binding("__cspViolation", sink)
    context.add_init_script(REPORT_CSP_VIOLATIONS)


class AccessibleJourney:
    """Wraps a Playwright page; `check()` runs axe on the page now shown. At the end of the
    test, every page the browser landed on must have been checked."""

    def __init__(self, page):
        self.page = page
        self.visited: list[str] = []
        self.checked: set[str] = set()
        self.csp_violations: list[dict] = []
        page.on("framenavigated", self._landed)

    def _landed(self, frame):
        if frame == self.page.main_frame:
            self.visited.append(frame.url)

    def csp_violated(self, _source, violation: dict) -> None:
        self.csp_violations.append(violation)

    def assert_no_csp_violations(self) -> None:
        assert not self.csp_violations, (
            "the Content-Security-Policy blocked something:\n"
            + json.dumps(self.csp_violations, indent=2)
        )

    def check(self) -> None:
        self.page.wait_for_load_state("load")
        self.assert_no_csp_violations()
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated, not added as a <script> tag: the policy (rightly) refuses inline
            # scripts, and axe is the test's, not the page's.
            self.page.evaluate(_axe_source())
        result = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        violations = result["violations"]
        if violations:
            summary = [
                {
                    "rule": v["id"],
                    "impact": v["impact"],
                    "help": v["help"],
                    "nodes": [n["target"] for n in v["nodes"]][:5],
                }
                for v in violations
            ]
            raise AssertionError(
                f"axe found accessibility violations on {self.page.url}:\n"
                + json.dumps(summary, indent=2)
            )
        self.checked.add(self.page.url)

    def unchecked_pages(self) -> list[str]:
        return [url for url in self.visited if url not in self.checked and url != "about:blank"]


@pytest.fixture
def journey(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    tracker = AccessibleJourney(page)
    report_csp_violations(context, tracker.csp_violated)
    yield tracker
    context.close()
    unchecked = tracker.unchecked_pages()
    assert not unchecked, f"pages visited without an accessibility check: {unchecked}"
    tracker.assert_no_csp_violations()
