"""No server error from any query string: every GET page of the URL resolver (and every page
reached from them by a link), as each kind of user, and every API list, is asked with hostile
values in its query parameters: NUL, huge numbers, zero, year 99999, the first and last
dates there are, impossible dates, long strings and unicode. Every answer
must be below 500, and the API's in its JSON error shape.

Which parameters a page reads is learned from the page itself (the names in its GET forms
and in its links' query strings, such as the admin's list filters), plus a few every page
might read. Each is fuzzed on its own, so one refused value cannot hide another parameter's
failure. Deterministic: a fixed world, fixed values, pages in order.
"""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

from tests.factories import (
    ComplaintFactory,
    ContractFactory,
    ContractReviewFactory,
    KpiFactory,
    ManagerFactory,
    ProviderAdminFactory,
    RenewalDecisionFactory,
    StaffFactory,
    published_tender,
    sealed_bid,
)

pytestmark = pytest.mark.django_db

# Parameters any page might read, fuzzed together (each with a different value).
GENERIC = ("q", "page", "change", "o", "p", "e", "year", "status", "ordering", "cursor")
NUL = "\x00"
# Hostile values, by what the parameter's own example value looks like.
NUMBERS = ["9" * 30, "0", "99999"]
DATES = ["99999-01-01", "9999-12-31", "0001-01-01"]
TEXT = ["x" * 2000, "☃ 😀 \u202e زمن \ufffd"]
ROTATION = [*NUMBERS, *DATES, *TEXT]
NEVER = ("/accounts/logout/", "/admin/logout/", "/healthz", "/static/", "/media/", "/api/")
# The admin's add, delete and history pages read the query parameters its change pages do
# (or none); skipping them keeps the test fast.
SKIPPED = re.compile(r"^/admin/.*/(add|delete|history)/$")
# Who is crawled, in this order; each kind of page (route) is fuzzed as the first who reaches it.
USERS = ("staff", "officer", "manager", "provider", "anonymous")


class _Links(HTMLParser):
    """Same-site links, and the names of the page's GET form fields."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.get_fields: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        href = attrs.get("href") or ""
        if tag == "a" and href.startswith(("/", "?")):
            # "?status__exact=open": the admin's list filters, on the page itself.
            self.links.append(href)
        elif tag == "form":
            self._in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self._in_get_form and attrs.get("name"):
            self.get_fields.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def _routes(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _start_pages() -> list[str]:
    """Every route of the resolver that needs no argument (a router's "^tenders/$" too)."""
    return [
        "/" + route.replace("^", "").replace("$", "")
        for route in _routes()
        if "<" not in route and "(" not in route
    ]


def _route_of(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def _values_for(example: str) -> list[str]:
    if re.fullmatch(r"-?\d+", example or ""):
        return NUMBERS
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*|\d{1,2}/\d{1,2}/\d{2,4}", example or ""):
        return DATES
    return TEXT


def _crawl(client, skip_routes, also=()) -> dict[str, tuple[str, dict[str, str]]]:
    """route -> (a path of that route that answered 200, {parameter: example value})."""
    found: dict[str, tuple[str, dict[str, str]]] = {}
    queue = [*also, *_start_pages()]
    visited: set[str] = set()
    while queue:
        path = queue.pop(0).split("?", 1)[0]
        if path in visited or path.startswith(NEVER) or SKIPPED.match(path):
            continue
        visited.add(path)
        route = _route_of(path)
        if route is None or route in found or route in skip_routes:
            continue
        response = client.get(path)
        if response.status_code != 200:
            continue
        if "html" not in response.get("Content-Type", ""):
            found[route] = (path, {})  # a download, such as the register's CSV
            continue
        parser = _Links()
        parser.feed(response.content.decode())
        parameters = {name: "" for name in parser.get_fields}
        for link in parser.links:
            parts = urlsplit(link)
            if not parts.path or _route_of(parts.path) == route:
                parameters.update(dict(parse_qsl(parts.query, keep_blank_values=True)))
            if parts.path:
                queue.append(link)
        found[route] = (path, parameters)
    return found


def _fuzz_queries(parameters: dict[str, str]):
    yield {name: NUL for name in (*GENERIC, *parameters)}
    yield {name: ROTATION[index % len(ROTATION)] for index, name in enumerate(GENERIC)}
    for name in sorted(set(parameters) - set(GENERIC)):
        for value in _values_for(parameters[name]):
            yield {name: value}


@pytest.fixture
def world():
    """One of each thing a page shows: a published tender with a provider's bid, a contract
    with a KPI, a complaint, a review and a renewal decision, and a user of each kind in the
    organisations concerned. Returns the users, and pages to open first (to start a
    complaint, so its question pages answer)."""
    contract = ContractFactory()
    KpiFactory(contract=contract)
    ComplaintFactory(contract=contract)
    ContractReviewFactory(contract=contract)
    RenewalDecisionFactory(contract__commissioner=contract.commissioner)
    tender = published_tender(commissioner=contract.commissioner)
    sealed_bid(lot=tender.lots.first(), provider=contract.provider)
    users = {
        "staff": StaffFactory(),
        "officer": tender.created_by,
        "manager": ManagerFactory(commissioner=contract.commissioner),
        "provider": ProviderAdminFactory(provider=contract.provider),
        "anonymous": None,
    }
    # Pages no link leads to from where the crawl starts, and the complaint form's first
    # page (its later pages need a service chosen).
    first = {
        "staff": [
            reverse("contracts:register", args=[contract.commissioner_id]),
            reverse("contracts:register_csv", args=[contract.commissioner_id]),
        ],
        "officer": [
            reverse("escalation:contract", args=[contract.pk]),
            reverse("escalation:thresholds", args=[contract.pk]),
        ],
        "provider": [reverse("tenders:ask", args=[tender.pk])],
        "anonymous": [f"/complaints/new/?contract={contract.pk}"],
    }
    return users, first


def test_no_page_answers_a_hostile_query_string_with_a_server_error(world):
    users, first = world
    failures = []
    fuzzed: set[str] = set()
    for who in USERS:
        client = Client(raise_request_exception=False)
        if users[who] is not None:
            client.force_login(users[who], backend="django.contrib.auth.backends.ModelBackend")
        for url in first.get(who, []):
            client.get(url)
        crawled = _crawl(client, skip_routes=fuzzed, also=first.get(who, []))
        for route, (path, parameters) in sorted(crawled.items()):
            fuzzed.add(route)
            for query in _fuzz_queries(parameters):
                response = client.get(f"{path}?{urlencode(query)}")
                if response.status_code >= 500:
                    failures.append(f"{who}: GET {path}?{urlencode(query)[:150]} -> 500")
    # Every page that answers GET with the world above (about 90 kinds of page): fewer means
    # the crawl lost its way, not that the pages are safe.
    assert len(fuzzed) >= 85, sorted(fuzzed)
    assert not failures, "\n".join(failures[:40])


def _api_lists():
    """Every API list the resolver has, with the parameters its filters read."""
    for path in _start_pages():
        if not path.startswith("/api/") or path in ("/api/schema/", "/api/docs/"):
            continue
        view = resolve(path).func
        view_class = getattr(view, "cls", None)
        filterset = getattr(view_class, "filterset_class", None)
        filters = dict(filterset.base_filters) if filterset else {}
        yield path, filters


def _api_values(filter_) -> list[str]:
    kind = type(filter_).__name__
    if "Date" in kind or "Time" in kind:
        return ["9999-12-31", "0001-01-01", "99999-01-01"]
    if "Number" in kind or ("Choice" in kind and "Model" in kind):
        return ["9" * 30, "-1"]
    return ["x" * 2000, "☃ 😀 \u202e زمن"]


def test_no_api_list_answers_a_hostile_query_string_with_a_server_error(world):
    users, _ = world
    client = Client(raise_request_exception=False)
    client.force_login(users["staff"], backend="django.contrib.auth.backends.ModelBackend")
    failures = []
    lists = list(_api_lists())
    for path, filters in lists:
        queries = [{name: NUL for name in (*filters, "ordering", "page_size", "cursor")}]
        queries.append({"ordering": "x" * 500, "page_size": "9" * 30, "cursor": "☃" * 50})
        queries += [
            {name: value} for name, f in sorted(filters.items()) for value in _api_values(f)
        ]
        for query in queries:
            response = client.get(f"{path}?{urlencode(query)}")
            if response.status_code >= 500:
                failures.append(f"GET {path}?{urlencode(query)[:150]} -> {response.status_code}")
            elif response.status_code >= 400 and set(response.json()) != {"detail", "errors"}:
                failures.append(f"GET {path}?{urlencode(query)[:150]}: not the error shape")
    assert len(lists) >= 14, lists
    assert not failures, "\n".join(failures[:40])


def _api_routes_with_arguments():
    for route in _routes():
        if route.startswith("api/") and ("<" in route or "(?P<" in route):
            yield route.replace("^", "").replace("$", "")


ARGUMENT = re.compile(r"\(\?P<\w+>[^)]*\)|<(?:\w+:)?\w+>")


def test_no_api_address_answers_hostile_arguments_with_a_server_error(world):
    """Ids and references in API addresses: NUL, huge numbers and unicode are a 400 or 404
    in the error shape."""
    users, _ = world
    client = Client(raise_request_exception=False)
    client.force_login(users["staff"], backend="django.contrib.auth.backends.ModelBackend")
    failures = []
    routes = sorted(set(_api_routes_with_arguments()))
    for route in routes:
        for value in ("%00", "9" * 30, "%E2%98%83"):
            path = "/" + ARGUMENT.sub(value, route)
            response = client.get(path)
            if response.status_code >= 500:
                failures.append(f"GET {path} -> {response.status_code}")
            elif response.status_code >= 400 and set(response.json()) != {"detail", "errors"}:
                failures.append(f"GET {path}: not the error shape")
    assert len(routes) >= 50, routes
    assert not failures, "\n".join(failures[:40])
