"""Nobody can tell who bid on an open tender, or how many: the whole platform answers the same
with 0, 1 or 3 sealed bids.

Every route of the URL resolver (pages, the API, OCDS, the admin) that this story can fill in
is requested as every kind of user: anonymous, a provider that has not bid, the provider that
bids, each commissioner role of the tender's commissioner (officer, manager, panel member),
another commissioner's officer, staff, and API keys for an officer, a provider that has not
bid and the bidding provider. API routes are also asked HEAD and OPTIONS. Each request is made
once with no bids, again after the first bid and again after two more, in one database (the
story grows; everything is rolled back at the end), and each answer must be identical each
time: status, headers (ETag, Content-Length, Location, Allow...), body, and the SQL it sent.

Only the bidding provider may see a change, and only its own bid: its answers are compared
between 1 and 3 bids. The only things normalised are what differs between any two requests
whatever the bids: CSRF tokens, CSP nonces, the Date and Expires headers, the moment in the
session lookup's SQL, the names of server-side cursors and of savepoints (numbered per
connection, so they count every atomic block before them, whatever it was about).

Routes about records this story does not have (complaints, contracts, webhooks, KPI returns,
API keys...) are not requested: SKIPPED_KWARGS and PK_MEANS say which, and the crawl lists
them. A new route is crawled without anyone adding it, as long as its arguments name what
this story has; the OpenAPI schema's GET operations are checked against what was crawled.
"""

import hashlib
import itertools
import re
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
import yaml
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone

from accounts.choices import ApiScope
from accounts.models import ApiKey
from accounts.services import api_key_issue
from commissioning.choices import CriterionKind
from commissioning.models import Bid, BidDocument, TenderDocument
from commissioning.ocds import build
from commissioning.services.bids import bid_submit
from commissioning.services.clarifications import clarification_answer, clarification_ask
from tests.factories import (
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
    StaffFactory,
    published_tender,
)

# The comparisons need no database; the crawl (a module fixture) rolls its own back.
pytestmark = [pytest.mark.django_db, pytest.mark.timeout(1200)]

# The states of the tender, and the two the bidding provider is compared between.
STATES = (0, 1, 3)
BIDDER_ROLES = ("the bidding provider", "the bidding provider's API key")

# Whose key each key role is, so their person does not crawl the API twice.
KEY_OF = {
    "an officer's API key": "the tender's officer",
    "a provider's API key, not bidding": "a provider that has not bid",
    "the bidding provider's API key": "the bidding provider",
}

ROLES = [
    "anonymous",
    "a provider that has not bid",
    "the bidding provider",
    "the tender's officer",
    "the commissioner's manager",
    "a panel member",
    "another commissioner's officer",
    "staff",
    "an officer's API key",
    "a provider's API key, not bidding",
    "the bidding provider's API key",
]


# Fixed public ids, so the same URLs are asked before the bids exist and after: the bidder's
# bid and document, then a rival's bid with a document, then another rival's.
BID_IDS = [uuid.UUID(f"00000000-0000-4000-8000-00000000000{n}") for n in range(1, 4)]
DOCUMENT_IDS = [uuid.UUID(f"00000000-0000-4000-9000-00000000000{n}") for n in range(1, 3)]
# URLs name the bidder's bid and the first rival's: a second rival's would add nothing.
CRAWLED_BIDS = BID_IDS[:2]
# Answers that do not depend on who asks (the schema, its viewer, the health check): asked
# anonymously only, as generating the schema costs more than the rest of a role's crawl.
SAME_FOR_EVERYONE = ("/api/schema/", "/api/docs/", "/healthz")

# Route arguments naming records this story has none of: those routes are not about a tender.
SKIPPED_KWARGS = {
    "contract_pk",
    "contract_id",
    "kpi_id",
    "period_start",
    "review_id",
    "proposal_id",
    "step_id",
    "webhook_pk",
    "invitation_id",
    "user_id",
    "token",
    "uidb64",
    "reference",
    "content_type_id",
    "url",
}
# What a bare `pk` names, by the route's name (the first match wins); other routes with a
# `pk` are about complaints, contracts, renewals, webhooks, API keys or awards.
PK_MEANS = (
    ("clarifications:answer", "clarification"),
    ("amendments:confirmation", "amendment"),
    ("tenders:", "tender"),
    ("tendering:", "tender"),
    ("evaluation:", "tender"),
    ("commissioning:", "commissioner"),
    ("contracts:register", "commissioner"),
    ("providers:", "provider"),
    ("api-tender-", "tender"),
    ("api-commissioner-", "commissioner"),
    ("api-provider-", "provider"),
    ("api-evaluation-bid-", "bid"),
)
# The admin's object pages crawled, by model: the tender, its lots, everyone and every
# organisation involved, and the bids themselves.
ADMIN_OBJECTS = {
    "commissioning_tender": "tender",
    "commissioning_lot": "lot",
    "commissioning_bid": "bid_pk",
    "commissioning_biddocument": "document_pk",
    "commissioning_commissionerorganisation": "commissioner",
    "providers_providerorganisation": "provider",
    "accounts_user": "user",
}

# What differs between any two requests, whatever the bids: CSRF tokens (in forms and in the
# Swagger UI's script), CSP nonces, the moment the session lookup compares with, and the names
# Django gives server-side cursors and savepoints (numbered per connection).
CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=|\["X-CSRFTOKEN"\] = )"[^"]*"')
NONCE = re.compile(rb"nonce(=\"|-)[A-Za-z0-9+/=_-]+")
SQL_MOMENT = re.compile(r"'\d{4}-\d\d-\d\dT[\d:.]+\+00:00'::timestamptz")
SQL_CURSOR = re.compile(r'"_django_curs_\d+_sync_\d+"|"s\d+_x\d+"')
# Date and Expires (never_cache pages) say when the answer was made.
UNCOMPARED_HEADERS = {"set-cookie", "date", "expires"}


def answers_for(tender):
    return {str(c.pk): "Our answer" for c in tender.criteria.exclude(kind=CriterionKind.PRICE)}


def next_id(model) -> int:
    """The id the next row of `model` will get (its sequence is this test's alone)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        # The sequence's name comes from PostgreSQL's own catalogue.
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
        last, called = cursor.fetchone()
    return last + 1 if called else last


class Story:
    """An open tender, everyone who looks at it, and (in `bid`) the bids of states 1 and 3."""

    def __init__(self):
        self.officer = OfficerFactory()
        commissioner = self.officer.commissioner
        self.tender = published_tender(
            lots=2, commissioner=commissioner, created_by=self.officer, title="Sealed crawl"
        )
        self.lots = list(self.tender.lots.order_by("number"))
        self.criterion = self.tender.criteria.get(kind=CriterionKind.QUALITY)
        self.panel_member = self.tender.panel_members.get().user
        self.bidder = ProviderAdminFactory()
        self.outsider = ProviderAdminFactory()
        self.rivals = [ProviderAdminFactory(), ProviderAdminFactory()]
        document = TenderDocument(
            tender=self.tender,
            title="Specification",
            content_type="application/pdf",
            size=9,
            uploaded_by=self.officer,
        )
        document.file.save("specification.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
        document.save()
        self.tender_document = document
        answered = clarification_ask(
            tender=self.tender, actor=self.outsider, question="Is TUPE expected?"
        )
        clarification_answer(clarification=answered, actor=self.officer, answer="No.")
        unanswered = clarification_ask(
            tender=self.tender, actor=self.bidder, question="May we bid as a consortium?"
        )
        self.clarifications = [answered, unanswered]
        self.people = {
            "anonymous": None,
            "a provider that has not bid": self.outsider,
            "the bidding provider": self.bidder,
            "the tender's officer": self.officer,
            "the commissioner's manager": ManagerFactory(commissioner=commissioner),
            "a panel member": self.panel_member,
            "another commissioner's officer": OfficerFactory(),
            "staff": StaffFactory(),
        }
        self.keys = {
            "an officer's API key": self.officer,
            "a provider's API key, not bidding": self.outsider,
            "the bidding provider's API key": self.bidder,
        }
        self.bid_pks = [next_id(Bid) + n for n in range(3)]
        self.document_pks = [next_id(BidDocument) + n for n in range(2)]

    def bid(self, *, number, actor, lot, with_document):
        documents = []
        if with_document:
            pdf = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
            documents = [SimpleUploadedFile("method.pdf", pdf, content_type="application/pdf")]
        bid = bid_submit(
            lot=lot,
            actor=actor,
            price=Decimal("1000"),
            answers=answers_for(self.tender),
            partners=[],
            documents=documents,
        )
        assert bid.pk == self.bid_pks[number], "the admin's bid pages were crawled at other ids"
        Bid.objects.filter(pk=bid.pk).update(public_id=BID_IDS[number])
        for document in bid.documents.all():
            index = self.document_pks.index(document.pk)
            BidDocument.objects.filter(pk=document.pk).update(public_id=DOCUMENT_IDS[index])

    def to_state(self, state):
        if state == 1:
            self.bid(number=0, actor=self.bidder, lot=self.lots[0], with_document=True)
        if state == 3:
            self.bid(number=1, actor=self.rivals[0], lot=self.lots[0], with_document=True)
            self.bid(number=2, actor=self.rivals[1], lot=self.lots[1], with_document=False)

    def values(self, meaning) -> list:
        # The bidder, a provider that never bids, and a rival that bids in the third state.
        users = [self.bidder, self.outsider, self.rivals[0]]
        return {
            "tender": [self.tender.pk],
            "lot": [lot.pk for lot in self.lots],
            "criterion": [self.criterion.pk],
            "clarification": [c.pk for c in self.clarifications],
            "amendment": [],
            "commissioner": [self.tender.commissioner_id],
            "provider": [u.provider_id for u in users],
            "user": [u.pk for u in users],
            "bid": CRAWLED_BIDS,
            "bid_pk": self.bid_pks,
            "document": DOCUMENT_IDS,
            "document_pk": self.document_pks,
            "tender_document": [self.tender_document.pk],
            "ocid": [build.ocid_for(self.tender)],
        }[meaning]


# --- which URLs -------------------------------------------------------------------------------


@dataclass
class Route:
    template: str
    name: str
    kwargs: list[str]
    groups: dict = field(default_factory=dict)  # a regex group's own pattern, by kwarg


def every_route() -> list[Route]:
    routes = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace if pattern.namespace is None else pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name or ""
                template = prefix + str(pattern.pattern)
                groups = dict(re.findall(r"\(\?P<(\w+)>([^)]*)\)", template))
                routes.append(Route(template, name, list(pattern.pattern.regex.groupindex), groups))

    walk(get_resolver().url_patterns, "", None)
    return routes


def meaning_of(route: Route, kwarg: str) -> str | None:
    if kwarg in SKIPPED_KWARGS:
        return None
    if kwarg in ("bid_id", "public_id", "id"):
        return "bid"
    if kwarg == "document_id":
        return "document"
    if kwarg == "document_pk":
        return "tender_document"
    if kwarg in ("tender_id", "tender_pk"):
        return "tender"
    if kwarg in ("lot_id", "criterion_id", "clarification_id", "ocid"):
        return kwarg.removesuffix("_id")
    if kwarg == "object_id" and route.name.startswith("admin:"):
        model = route.name.removeprefix("admin:").rsplit("_", 1)[0]
        return ADMIN_OBJECTS.get(model)
    if kwarg == "pk":
        return next(
            (meaning for prefix, meaning in PK_MEANS if route.name.startswith(prefix)), None
        )
    return None


def fill(route: Route, values: dict) -> str:
    def one(match):
        return str(values[match.group(1) or match.group(2)])

    url = re.sub(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", one, route.template)
    return "/" + url.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")


def crawled_urls(story: Story) -> tuple[list[str], list[tuple[str, str]]]:
    """Every URL this story can fill in, and the routes left out with the argument why."""
    urls, skipped = [], []
    for route in every_route():
        choices = []
        for kwarg in route.kwargs:
            group = route.groups.get(kwarg, "")
            if re.fullmatch(r"[\w|]+", group):  # an alternation of words: the admin's apps
                choices.append(group.split("|"))
                continue
            meaning = meaning_of(route, kwarg)
            choices.append(story.values(meaning) if meaning else [])
        if not all(choices):
            missing = [k for k, c in zip(route.kwargs, choices, strict=True) if not c]
            skipped.append((route, ", ".join(missing)))
            continue
        for combination in itertools.product(*choices):
            url = fill(route, dict(zip(route.kwargs, combination, strict=True)))
            try:
                match = resolve(url)
            except Resolver404:
                continue
            if match.view_name == route.name and url not in urls:
                urls.append(url)
    tender, lot = story.tender.pk, story.lots[0].pk
    urls += [
        "/tenders/?status=open&status=closed",
        f"/api/v1/tenders/?commissioner={story.tender.commissioner_id}",
        f"/api/v1/bids/?tender={tender}",
        f"/api/v1/bids/?lot={lot}&page_size=1",
        f"/api/v1/tenders/{tender}/evaluation/bids/?lot={lot}",
        f"/api/v1/awards/?tender={tender}",
        "/api/ocds/releases/?page_size=1",
        "/admin/commissioning/bid/?_facets=1",
        "/admin/commissioning/bid/?status__exact=submitted",
        f"/admin/commissioning/bid/?tender__id__exact={tender}",
        f"/admin/commissioning/bid/?q={story.bidder.provider.name}",
        f"/admin/providers/providerorganisation/?q={story.bidder.provider.name}",
    ]
    return urls, skipped


def head_and_options(story: Story) -> list[str]:
    """The API URLs also asked HEAD (headers, ETag) and OPTIONS (the actions allowed, which
    DRF works out by fetching the record): the tender, the bids, and the bids' list."""
    tender = story.tender.pk
    return [
        f"/api/v1/tenders/{tender}/",
        "/api/v1/bids/",
        *(f"/api/v1/bids/{public_id}/" for public_id in CRAWLED_BIDS),
        f"/api/v1/tenders/{tender}/evaluation/bids/{CRAWLED_BIDS[1]}/",
    ]


# --- asking and comparing ---------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: tuple
    packed: bytes  # the body and the SQL, compressed: a crawl holds thousands of them
    digest: bytes

    @classmethod
    def of(cls, status, headers, body: bytes, sql: tuple):
        text = repr((body, sql)).encode()
        return cls(status, headers, zlib.compress(text, 1), hashlib.sha256(text).digest())

    @property
    def body(self) -> bytes:
        return self.unpacked[0]

    @property
    def sql(self) -> tuple:
        return self.unpacked[1]

    @property
    def unpacked(self):
        import ast

        return ast.literal_eval(zlib.decompress(self.packed).decode())


def ask(client: Client, method: str, url: str, **extra) -> Answer:
    # Every request starts from the same cache: throttles and rate limits count from zero.
    cache.clear()
    # The log of queries keeps the last 9,000: emptied, so this request's are all counted.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.generic(method, url, **extra)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = tuple(
        sorted(
            (name.lower(), NONCE.sub(b"nonce", value.encode()).decode())
            for name, value in response.items()
            if name.lower() not in UNCOMPARED_HEADERS
        )
    )
    sql = tuple(
        SQL_CURSOR.sub("<cursor>", SQL_MOMENT.sub("<now>", q["sql"]))
        for q in queries.captured_queries
    )
    return Answer.of(response.status_code, headers, NONCE.sub(b"nonce", CSRF.sub(b"", body)), sql)


def difference(before: Answer, after: Answer) -> str:
    if before.status != after.status:
        return f"status {before.status} became {after.status}"
    if before.headers != after.headers:
        changed = set(before.headers) ^ set(after.headers)
        return f"headers changed: {sorted(changed)}"
    if before.digest == after.digest:
        return ""
    if before.body != after.body:
        at = _first_difference(before.body, after.body)
        return (
            f"body changed ({len(before.body)} to {len(after.body)} bytes) at {at}: "
            f"{before.body[max(0, at - 60) : at + 60]!r} became "
            f"{after.body[max(0, at - 60) : at + 60]!r}"
        )
    if len(before.sql) != len(after.sql):
        extra = [q for q in after.sql if q not in before.sql][:2]
        return f"{len(before.sql)} queries became {len(after.sql)}; new: {extra}"
    first = _first_difference(before.sql, after.sql)
    return f"query {first + 1} changed: {before.sql[first]!r} became {after.sql[first]!r}"


def _first_difference(a, b) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return ""


def area_of(url: str) -> str:
    if not url.startswith("/admin/"):
        return "site"
    return "admin delete" if url.endswith("/delete/") else "admin"


@dataclass
class Crawl:
    requests: int = 0
    differences: dict = field(default_factory=dict)  # (role, area) -> [description]
    server_errors: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    urls: list = field(default_factory=list)
    schema: bytes = b""  # the OpenAPI schema, as /api/schema/ served it


def crawl_once(story: Story, urls: list[str], clients: dict, state: int):
    """Yields ((role, method, url), answer) for every request of one state.

    People with an API key read the API through it (the key roles); the others through
    their session, as the browsable API and Swagger UI do. Staff also crawl the admin."""
    api = [u for u in urls if u.startswith("/api/") and u not in SAME_FOR_EVERYONE]
    pages = [u for u in urls if not u.startswith(("/api/", "/admin/"))]
    pages = [u for u in pages if u not in SAME_FOR_EVERYONE]
    admin = [u for u in urls if u.startswith("/admin/")]
    with_keys = {KEY_OF.get(role) for role in clients}
    for role, (client, extra) in clients.items():
        if role in BIDDER_ROLES and state == 0:
            continue  # compared from its own bid on (between 1 and 3 bids)
        if extra:
            wanted = [("GET", u) for u in api]
        else:
            wanted = [("GET", u) for u in pages]
            wanted += [("GET", u) for u in api if role not in with_keys]
            wanted += [("GET", u) for u in (admin if role == "staff" else ["/admin/"])]
        if role == "anonymous":
            wanted += [("GET", u) for u in SAME_FOR_EVERYONE]
        if extra or role not in with_keys:
            wanted += [(m, u) for u in head_and_options(story) for m in ("HEAD", "OPTIONS")]
        for method, url in wanted:
            yield (role, method, url), ask(client, method, url, **extra)


def run_crawl() -> Crawl:
    story = Story()
    urls, skipped = crawled_urls(story)
    clients = {}
    for role, user in story.people.items():
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        clients[role] = (client, {})
    for role, user in story.keys.items():
        issued = api_key_issue(actor=user, name="Crawl", scopes=list(ApiScope.values))
        clients[role] = (
            Client(raise_request_exception=False),
            {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"},
        )
    # A key's first use, once a minute, records when: not in the middle of the crawl.
    ApiKey.objects.update(last_used_at=timezone.now() + timedelta(days=1))
    # Content types are cached in the process after their first lookup: looked up now, so the
    # first state's pages do not make queries the later ones do not.
    ContentType.objects.get_for_models(*apps.get_models(include_auto_created=True))

    result = Crawl(skipped=skipped, urls=urls)
    reference = {}
    for state in STATES:
        story.to_state(state)
        for key, answer in crawl_once(story, urls, clients, state):
            result.requests += 1
            role, method, url = key
            if url == "/api/schema/" and state == 0:
                result.schema = answer.body
            # /healthz answers 503 by design here: no scheduler has beaten in the tests.
            if answer.status >= 500 and url != "/healthz":
                result.server_errors.append(f"{role} {method} {url} ({state} bids)")
            first_state = 1 if role in BIDDER_ROLES else 0
            if state == first_state:
                reference[key] = answer
            elif state > first_state:
                change = difference(reference[key], answer)
                if change:
                    where = (role, area_of(url))
                    result.differences.setdefault(where, []).append(
                        f"{method} {url} with {state} bids: {change}"
                    )
    return result


# The crawl makes thousands of requests in the first test that asks for it: more than the
# suite's five-minute hang guard allows on a busy machine.
@pytest.fixture(scope="module")
def crawl(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        result = run_crawl()
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_api_answer_is_the_same_with_0_1_or_3_bids(crawl, role):
    found = crawl.differences.get((role, "site"), [])
    assert not found, f"{len(found)} answers changed as bids arrived:\n" + "\n".join(found[:25])


def test_every_admin_page_is_the_same_with_0_1_or_3_bids(crawl):
    found = crawl.differences.get(("staff", "admin"), [])
    assert not found, f"{len(found)} admin pages changed as bids arrived:\n" + "\n".join(found)


def test_the_admins_delete_confirmations_are_the_same_with_0_1_or_3_bids(crawl):
    found = crawl.differences.get(("staff", "admin delete"), [])
    assert not found, f"{len(found)} delete pages changed as bids arrived:\n" + "\n".join(found)


def test_the_crawl_reaches_every_kind_of_page_and_no_answer_is_a_server_error(crawl):
    assert not crawl.server_errors, crawl.server_errors
    urls = crawl.urls
    for expected in (
        "/tenders/",
        "/dashboard/",
        f"/bids/{BID_IDS[0]}/",
        f"/api/v1/bids/{BID_IDS[1]}/",
        "/api/ocds/releases/",
        "/api/v1/tenders/",
        "/admin/commissioning/bid/",
    ):
        assert any(u.startswith(expected) for u in urls), f"{expected} was not crawled"
    assert crawl.requests > 3000


def test_every_get_operation_of_the_openapi_schema_was_crawled(crawl):
    """Each GET of the schema was asked, unless its path names a record this story does not
    have (a complaint, a contract, a webhook...)."""
    schema = yaml.safe_load(crawl.schema)
    crawled = [url.split("?")[0] for url in crawl.urls]
    skipped = {shape(fill(route, {k: "{}" for k in route.kwargs})) for route, _ in crawl.skipped}
    missed = []
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        names = re.findall(r"{(\w+)}", path)
        if shape(path) in skipped:
            continue
        pattern = re.escape(path)
        for name in names:
            pattern = pattern.replace(re.escape(f"{{{name}}}"), "[^/]+")
        if not any(re.fullmatch(pattern, url) for url in crawled):
            missed.append(path)
    assert len(schema["paths"]) > 50
    assert not missed, f"GET operations the crawl never asked: {missed}"


def shape(path: str) -> str:
    """A path with each parameter as {}: /api/v1/complaints/{id}/ is /api/v1/complaints/{}/."""
    return re.sub(r"{\w*}", "{}", path)
