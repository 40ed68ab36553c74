"""The OpenAPI schema an integrator generates a client from: it builds with no warnings, is valid
OpenAPI 3, describes every /api/v1/ route, the Bearer key scheme and the error responses; and
the API keeps its promises when schemathesis sends it generated requests.

The schemathesis run is bounded: a few examples per operation, derandomized (the same requests
every run), no shrinking, and an overall time budget. Every request runs in a savepoint that is
rolled back, so examples do not change each other's data and the order of operations does not
matter. A failure lists every operation that broke, with a curl command to reproduce it.
"""

import itertools
import re
import time
import traceback

import pytest
from django.core import signals
from django.core.signals import got_request_exception
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, settings

from accounts.choices import ApiScope
from accounts.services import api_key_issue
from commissioning.models import PanelMember
from commissioning.ocds.build import ocid_for
from tests.factories import (
    ClarificationFactory,
    ComplaintFactory,
    ContractFactory,
    KpiFactory,
    KpiResultFactory,
    OfficerFactory,
    RenewalDecisionFactory,
    published_tender,
    tender_in_evaluation,
)

pytestmark = pytest.mark.django_db

API_PREFIXES = ("api/v1/", "api/ocds/")
# Per operation and generation mode. Small on purpose: breadth over depth, inside the budget.
POSITIVE_EXAMPLES = 6
NEGATIVE_EXAMPLES = 4
# Seconds for all operations of one run (there are two: with a key, and anonymous), shared
# equally between the operations.
BUDGET_SECONDS = 60


def _generate_schema():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    warnings = sorted(GENERATOR_STATS._warn_cache) + sorted(GENERATOR_STATS._error_cache)
    return schema, warnings


@pytest.fixture(scope="module")
def openapi():
    schema, warnings = _generate_schema()
    return {"schema": schema, "warnings": warnings}


# --- the schema itself ------------------------------------------------------------------------


def test_schema_generates_without_warnings_or_errors(openapi):
    assert openapi["warnings"] == [], "drf-spectacular warned:\n" + "\n".join(openapi["warnings"])


def test_schema_is_valid_openapi(openapi):
    validate_schema(openapi["schema"])


def test_schema_is_served_at_api_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


def _api_routes(patterns=None, prefix=""):
    """(path in OpenAPI form, view callback) for every route under the API prefixes."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + _route_text(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.lstrip("^").startswith(API_PREFIXES):
            yield _openapi_path(route), pattern.callback


def _route_text(pattern) -> str:
    return str(pattern.regex.pattern if hasattr(pattern, "regex") else pattern)


def _openapi_path(route: str) -> str:
    route = route.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)  # DRF routers: regexes
    route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)  # path(): converters
    # drf-spectacular names a model's primary key `id` (SCHEMA_COERCE_PATH_PK).
    return "/" + route.lstrip("/").replace("{pk}", "{id}")


def _excluded_operations() -> set[tuple[str, str]]:
    """Operations a view leaves out of the schema on purpose (`@extend_schema(exclude=True)`,
    such as the API root), found the way drf-spectacular finds them."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    excluded = set()
    for path, _regex, method, callback in generator.endpoints:
        view = generator.create_view(callback, method)
        if view.schema is None or view.schema.is_excluded():
            excluded.add((_openapi_path(path), method.lower()))
    return excluded


def test_schema_describes_every_api_route(openapi):
    documented = {
        (path, method) for path, item in openapi["schema"]["paths"].items() for method in item
    }
    routed = set()
    for path, callback in _api_routes():
        view = getattr(callback, "cls", None)
        if view is None:  # a plain Django view: the schema cannot describe it
            routed.add((path, "any"))
            continue
        actions = getattr(callback, "actions", None)
        methods = (
            actions.keys()
            if actions
            else [m for m in view.http_method_names if m != "options" and hasattr(view, m)]
        )
        routed |= {(path, method) for method in methods if method != "head"}

    assert routed, "no API routes found: is the URLconf wired?"
    missing = routed - documented - _excluded_operations()
    assert sorted(missing) == [], "routes missing from the schema"
    assert sorted(p for p, _ in documented - routed) == [], "schema paths with no route"


def test_schema_documents_the_bearer_key_and_every_operation_uses_it(openapi):
    schema = openapi["schema"]
    schemes = schema["components"]["securitySchemes"]
    bearer = [name for name, s in schemes.items() if s == {**s, "type": "http", "scheme": "bearer"}]
    assert bearer, f"no Bearer scheme in {schemes}"
    for path, operations in schema["paths"].items():
        for method, operation in _operations(operations):
            names = {name for requirement in operation.get("security", []) for name in requirement}
            assert names & set(bearer), f"{method.upper()} {path} does not accept the API key"


def test_schema_documents_the_error_responses(openapi):
    schema = openapi["schema"]
    error = schema["components"]["schemas"]["Error"]
    assert {"detail", "errors"} <= set(error["properties"])
    for path, operations in schema["paths"].items():
        for method, operation in _operations(operations):
            codes = set(operation["responses"])
            expected = {"401", "403", "429"}
            if "{" in path:
                expected.add("404")
            if method != "get":
                expected |= {"400", "409"}
            missing = expected - codes
            assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"
            for code in expected:
                content = operation["responses"][code].get("content", {})
                refs = {c.get("schema", {}).get("$ref") for c in content.values()}
                assert "#/components/schemas/Error" in refs, f"{method.upper()} {path} {code}"


def _operations(path_item):
    return [
        (m, op) for m, op in path_item.items() if m in ("get", "post", "put", "patch", "delete")
    ]


# --- schemathesis --------------------------------------------------------------------------------


@pytest.fixture
def seeded():
    """An officer with a key that has every scope, over data at several stages of its life:
    a tender open for bids, one in evaluation (the officer on its panel), a contract with a
    KPI and a result, a renewal decision, and a complaint."""
    officer = OfficerFactory()
    commissioner = officer.commissioner
    open_tender = published_tender(commissioner=commissioner, created_by=officer)
    clarification = ClarificationFactory(tender=open_tender)
    evaluated, bids = tender_in_evaluation(commissioner=commissioner, created_by=officer)
    PanelMember.objects.create(tender=evaluated, user=officer)
    contract = ContractFactory(commissioner=commissioner, created_by=officer)
    kpi = KpiFactory(contract=contract)
    result = KpiResultFactory(kpi=kpi)
    renewal = RenewalDecisionFactory(contract=contract, end_date=contract.end_date)
    complaint = ComplaintFactory(contract=contract)
    issued = api_key_issue(actor=officer, name="Schemathesis", scopes=list(ApiScope.values))
    ids = {
        ("tenders", "id"): open_tender.pk,
        ("tenders", "tender_id"): open_tender.pk,
        ("tenders", "tender_pk"): evaluated.pk,
        ("clarifications", "clarification_id"): clarification.pk,
        ("lots", "lot_id"): open_tender.lots.first().pk,
        ("criteria", "criterion_id"): open_tender.criteria.first().pk,
        ("bids", "id"): bids[0].pk,
        ("contracts", "id"): contract.pk,
        ("contracts", "contract_pk"): contract.pk,
        ("kpi-returns", "id"): result.pk,
        ("renewal-decisions", "id"): renewal.pk,
        ("complaints", "id"): complaint.pk,
        ("commissioners", "id"): commissioner.pk,
        ("providers", "id"): contract.provider_id,
        ("api-keys", "id"): issued.api_key.pk,
        ("awards", "id"): contract.award_id,
        ("records", "ocid"): ocid_for(open_tender),
    }
    return {"secret": issued.secret, "ids": ids}


def _path_parameters(path: str, ids) -> dict:
    segments = path.strip("/").split("/")
    fixed = {}
    for before, segment in itertools.pairwise(segments):
        match = re.fullmatch(r"\{(\w+)\}", segment)
        if match and (before, match.group(1)) in ids:
            fixed[match.group(1)] = ids[(before, match.group(1))]
    return fixed


@pytest.fixture
def in_test_transaction():
    """Django's WSGI handler closes the database connection after each request; the test
    client stops that so requests run inside the test's transaction, and so must we."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def no_throttling(monkeypatch):
    """Throttling is tested elsewhere; here it would only turn examples into 429s."""
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)


_LOADED: dict = {}


def _fuzz(seeded, *, authenticated: bool) -> tuple[list[str], list[str], int]:
    import schemathesis
    from schemathesis.checks import (
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )
    from schemathesis.generation import GenerationMode

    checks = [not_a_server_error, response_schema_conformance, status_code_conformance]
    if "schema" not in _LOADED:  # the same for both runs: generate it once
        _LOADED["schema"] = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    schema = _LOADED["schema"]
    headers = {"Authorization": f"Bearer {seeded['secret']}"} if authenticated else {}
    server_errors: list[str] = []

    def record_exception(sender, request=None, **kwargs):
        server_errors.append(traceback.format_exc(limit=-3))

    got_request_exception.connect(record_exception)
    failures: list[str] = []
    skipped: list[str] = []
    sent: list[int] = []
    ends = time.monotonic() + BUDGET_SECONDS
    # Path order interleaves reads and writes; each operation gets an equal share of the time
    # left, so a slow one cannot starve the rest and a quick one leaves more for the others.
    operations = sorted(
        (result.ok() for result in schema.get_all_operations()),
        key=lambda op: (op.path, op.method),
    )
    try:
        for done, operation in enumerate(operations):
            now = time.monotonic()
            share = max(ends - now, 0) / (len(operations) - done)
            fixed = _path_parameters(operation.path, seeded["ids"])
            seen: set[str] = set()
            for mode, examples, until in (
                (GenerationMode.POSITIVE, POSITIVE_EXAMPLES, now + share * 0.6),
                (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, now + share),
            ):
                if time.monotonic() > until:
                    skipped.append(f"{operation.label} [{mode.value}]")
                    continue
                run = _examples(
                    operation.as_strategy(mode, path_parameters=fixed or None),
                    examples=examples,
                    send=lambda case, mode=mode, seen=seen, until=until: _send(
                        case, mode, seen, headers, checks, failures, server_errors, sent, until
                    ),
                )
                try:
                    run()
                except _OutOfTime:
                    pass
                except (Exception, BaseExceptionGroup) as error:
                    failures.append(f"{operation.label}: could not generate requests: {error}")
    finally:
        got_request_exception.disconnect(record_exception)
    return failures, skipped, len(sent)


def _examples(strategy, *, examples: int, send):
    """A Hypothesis test sending `examples` generated requests, the same ones every run."""

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=strategy)
    def run(case):
        send(case)

    return run


class _OutOfTime(Exception):
    """The operation's slice of the budget is spent: on to the next one."""


def _send(case, mode, seen, headers, checks, failures, server_errors, sent, until):
    """Sends one request in a savepoint that is rolled back, and records its first failure of
    each kind (`seen`) for the report."""
    if time.monotonic() > until:
        raise _OutOfTime
    del server_errors[:]
    with transaction.atomic():
        response = case.call(headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        sent.append(1)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Exception, BaseExceptionGroup) as error:
            new = _failure_titles(error) - seen
            if new:
                seen.update(new)
                failures.append(_describe_failure(case, response, error, mode, server_errors))
        transaction.set_rollback(True)


def _failure_titles(error) -> set[str]:
    inner = getattr(error, "exceptions", None) or [error]
    return {f"{type(e).__name__}: {getattr(e, 'title', str(e))[:120]}" for e in inner}


def _describe_failure(case, response, error, mode, server_errors) -> str:
    inner = getattr(error, "exceptions", None) or [error]
    lines = [
        f"{case.operation.label} [{mode.value}] -> {response.status_code}",
        *(f"    {getattr(e, 'title', type(e).__name__)}: {_first_lines(e)}" for e in inner),
        f"    reproduce: {case.as_curl_command()}",
    ]
    body = response.text[:300] if response.status_code >= 500 else ""
    if server_errors:
        lines.append("    server: " + server_errors[-1].strip().replace("\n", "\n            "))
    elif body:
        lines.append(f"    body: {body}")
    return "\n".join(lines)


def _first_lines(error, lines: int = 3) -> str:
    text = getattr(error, "message", "") or str(error)
    return " / ".join(line.strip() for line in text.strip().splitlines()[:lines] if line.strip())


def _report(failures, skipped, requests, who) -> str:
    head = f"schemathesis ({who}): {len(failures)} failing operations in {requests} requests"
    tail = f"\nOut of time before: {', '.join(skipped)}" if skipped else ""
    return head + "\n\n" + "\n\n".join(failures) + tail


def test_the_api_keeps_its_schema_for_an_officer_with_every_scope(
    seeded, no_throttling, in_test_transaction
):
    failures, skipped, requests = _fuzz(seeded, authenticated=True)
    print(_report(failures, skipped, requests, "officer key"))
    assert requests > 0
    assert not failures, _report(failures, skipped, requests, "officer key")


def test_the_api_keeps_its_schema_for_anonymous_callers(seeded, no_throttling, in_test_transaction):
    failures, skipped, requests = _fuzz(seeded, authenticated=False)
    print(_report(failures, skipped, requests, "anonymous"))
    assert requests > 0
    assert not failures, _report(failures, skipped, requests, "anonymous")
