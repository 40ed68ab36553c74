"""Server time of the public tender list at national scale: 100,000 tenders with their lots,
and 20,000 providers, loaded with COPY.

The data is loaded once and kept in the bench database: a rerun finds it and goes straight to
timing. Each page is timed through the whole Django stack, with its SQL query count.
"""

import io
import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.postgres.fields import ArrayField
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import JSONField
from django.test import Client
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from bench.common import Row, peak_memory_mib, timed_requests
from commissioning.choices import CommissionerKind, LotReservation, Procedure, TenderStatus
from commissioning.models import CommissionerOrganisation, CpvCode, Lot, Tender
from core.choices import Region
from providers.choices import LegalForm, ProviderKind, SizeBand, VerificationStatus
from providers.models import ProviderOrganisation

TENDERS = 100_000
PROVIDERS = 20_000
COMMISSIONERS = 400
MARK = "GB-BENCH-"  # the bench commissioners' identifiers start with this
SEED = 2026

SERVICES = [
    "Befriending",
    "Home care",
    "Supported living",
    "Day opportunities",
    "Community transport",
    "Youth work",
    "Advocacy",
    "Carers support",
    "Mental health recovery",
    "Drug and alcohol treatment",
    "Domestic abuse refuge",
    "Homelessness outreach",
    "Employment support",
    "Debt and welfare advice",
    "Grounds maintenance",
    "School meals",
    "Library outreach",
    "Digital inclusion",
    "Falls prevention",
    "Reablement",
    "Respite care",
    "Meals on wheels",
    "Social prescribing",
    "Family support",
    "Early help",
    "Leisure centre management",
    "Street cleansing",
    "Interpreting",
    "Stop smoking",
    "Healthy weight",
    "Dementia support",
    "Learning disability day services",
    "Foster care recruitment",
    "Sexual health",
    "Community safety",
    "Arts on prescription",
    "Allotment management",
    "Tenancy sustainment",
    "Veterans support",
    "Bereavement support",
]
PLACES = [
    "Northshire",
    "Riverside",
    "Ashby Parva",
    "Eastmoor",
    "Westbridge",
    "Kingsford",
    "Lowdale",
    "Highfield",
    "Marshton",
    "Oakham Vale",
    "Stonebury",
    "Fenwick",
    "Harrowgate",
    "Millbrook",
    "Thornbury",
    "Greywater",
    "Elmstead",
    "Brackley Cross",
    "Copperfield",
    "Saltmarsh",
]
AUDIENCES = [
    "older people living alone",
    "young people leaving care",
    "adults with learning disabilities",
    "unpaid carers",
    "families with young children",
    "people recovering from illness",
    "veterans and their families",
    "people sleeping rough",
    "residents of rural villages",
    "people with long-term conditions",
]
# Shares of each status among the tenders, roughly as a mature platform would hold them.
STATUS_SHARES = [
    (TenderStatus.DRAFT, 0.10),
    (TenderStatus.PUBLISHED, 0.30),
    (TenderStatus.CLOSED, 0.05),
    (TenderStatus.EVALUATION, 0.05),
    (TenderStatus.AWARDED, 0.05),
    (TenderStatus.CONTRACTED, 0.35),
    (TenderStatus.CANCELLED, 0.10),
]
RESERVATION_SHARES = [
    (LotReservation.NONE, 0.75),
    (LotReservation.VCSE, 0.10),
    (LotReservation.SMALL, 0.10),
    (LotReservation.MUTUAL, 0.05),
]

# (name, url, whether the < 50 ms / < 150 ms targets apply)
PAGES = [
    ("tender list", "/tenders/", True),
    ("tender search", "/tenders/?q=befriending+older", True),
    (
        "tender list filtered: reserved lots",
        "/tenders/?region=UKD&value=100k-1m&small_or_vcse=on",
        True,
    ),
    ("tender list filtered: no lots", "/tenders/?region=UKD&value=100k-1m&procedure=open", True),
    ("tender list 100 a page", "/tenders/?page_size=100&page=3", False),
]


def run(scale: float) -> list[Row]:
    tenders, providers = int(TENDERS * scale), int(PROVIDERS * scale)
    loaded = _load(tenders=tenders, providers=providers)
    client = Client()
    repeat = max(20, int(200 * scale))
    rows = [
        Row(
            "tenders: data",
            "tenders / providers" + (" (loaded now)" if loaded else " (already loaded)"),
            f"{_bench_tenders().count():,} / {_bench_providers().count():,}",
        )
    ]
    for name, url, targeted in PAGES:
        result = timed_requests(client, url, repeat=repeat)
        rows.append(
            Row(
                f"page: {name}",
                "median / p95 ms",
                f"{result['median_ms']:.1f} / {result['p95_ms']:.1f}",
                "< 50 / < 150" if targeted else "",
            )
        )
        rows.append(Row(f"page: {name}", "SQL queries", f"{result['queries']:.0f}"))
    rows.append(Row("tenders", "peak memory (MiB)", f"{peak_memory_mib():.0f}"))
    return rows


# --- loading ------------------------------------------------------------------------------


def _bench_tenders():
    return Tender.objects.filter(commissioner__identifier__startswith=MARK)


def _bench_providers():
    return ProviderOrganisation.objects.filter(name__startswith="Bench provider ")


def _load(*, tenders: int, providers: int) -> bool:
    """Loads the bench's data unless it is already there. Returns whether it loaded."""
    if _bench_tenders().count() == tenders and _bench_providers().count() == providers:
        return False
    rng = random.Random(SEED)
    now = timezone.now()
    print(f"  loading {tenders:,} tenders and {providers:,} providers ...", flush=True)
    with transaction.atomic():
        _forget_previous_load()
        if not CpvCode.objects.exists():
            call_command("load_cpv", verbosity=0)
        codes = list(CpvCode.objects.values_list("code", flat=True))
        commissioners, officers = _commissioners(now)
        _copy(ProviderOrganisation, _provider_rows(rng, providers, now))
        tender_rows, lot_plans = _tender_rows(rng, tenders, now, commissioners, officers, codes)
        _copy(Tender, tender_rows)
        ids = list(
            Tender.objects.filter(commissioner_id__in=commissioners)
            .order_by("id")
            .values_list("id", flat=True)
        )
        _copy(Lot, _lot_rows(rng, ids, lot_plans))
    with connection.cursor() as cursor:
        for model in (Tender, Lot, ProviderOrganisation, CommissionerOrganisation):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return True


def _forget_previous_load() -> None:
    """Removes a load made at another scale. Plain SQL: the ORM's cascade would fetch every
    row into Python first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM commissioning_lot l USING commissioning_tender t, "
            "commissioning_commissionerorganisation c WHERE l.tender_id = t.id "
            "AND t.commissioner_id = c.id AND c.identifier LIKE %s",
            [MARK + "%"],
        )
        cursor.execute(
            "DELETE FROM commissioning_tender t USING commissioning_commissionerorganisation c "
            "WHERE t.commissioner_id = c.id AND c.identifier LIKE %s",
            [MARK + "%"],
        )
        cursor.execute(
            "DELETE FROM providers_providerorganisation WHERE name LIKE %s", ["Bench provider %"]
        )


def _commissioners(now):
    kinds = list(CommissionerKind.values)
    regions = list(Region.values)
    CommissionerOrganisation.objects.bulk_create(
        [
            CommissionerOrganisation(
                name=f"Bench commissioner {n:04d}",
                kind=kinds[n % len(kinds)],
                identifier=f"{MARK}{n:04d}",
                region=regions[n % len(regions)],
            )
            for n in range(COMMISSIONERS)
        ],
        ignore_conflicts=True,
    )
    commissioners = dict(
        CommissionerOrganisation.objects.filter(identifier__startswith=MARK).values_list(
            "pk", "region"
        )
    )
    User.objects.bulk_create(
        [
            User(
                email=f"bench-officer-{pk}@bench.example",
                full_name=f"Bench officer {pk}",
                role=Role.COMMISSIONING_OFFICER,
                commissioner_id=pk,
                password=make_password(None),  # unusable: nobody signs in as these
            )
            for pk in commissioners
        ],
        ignore_conflicts=True,
    )
    officers = dict(
        User.objects.filter(commissioner_id__in=commissioners).values_list("commissioner_id", "pk")
    )
    return commissioners, officers


def _provider_rows(rng, count, now):
    for n in range(count):
        kind = rng.choice(ProviderKind.values)
        yield {
            "name": f"Bench provider {n:05d}",
            "kind": kind,
            "legal_form": LegalForm.COMPANY if kind == ProviderKind.PRIVATE else LegalForm.CHARITY,
            "size_band": rng.choice(SizeBand.values),
            "verification_status": VerificationStatus.VERIFIED,
            "regions": rng.sample(Region.values, k=rng.randint(1, 3)),
            "created_at": now,
            "updated_at": now,
        }


def _weighted(rng, shares):
    return rng.choices([value for value, _ in shares], weights=[w for _, w in shares])[0]


def _tender_rows(rng, count, now, commissioners, officers, codes):
    commissioner_ids = list(commissioners)
    lot_plans = []
    rows = []
    for _ in range(count):
        commissioner = rng.choice(commissioner_ids)
        status = _weighted(rng, STATUS_SHARES)
        service, place, audience = (
            rng.choice(SERVICES),
            rng.choice(PLACES),
            rng.choice(AUDIENCES),
        )
        value = Decimal(rng.choice([8, 20, 45, 90, 150, 400, 800, 1500, 4000])) * 1000
        if status in (TenderStatus.DRAFT, TenderStatus.PUBLISHED):
            deadline = now + timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23))
        else:
            deadline = now - timedelta(days=rng.randint(1, 1500), hours=rng.randint(0, 23))
        published = deadline - timedelta(days=30) if status != TenderStatus.DRAFT else None
        if status == TenderStatus.CANCELLED and rng.random() < 0.3:
            published = None  # cancelled while still a draft
        closed = (
            deadline
            if status not in (TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.CANCELLED)
            else None
        )
        rows.append(
            {
                "commissioner_id": commissioner,
                "created_by_id": officers[commissioner],
                "title": f"{service} in {place}",
                "description": (
                    f"{service} for {audience} across {place}. The provider will work with "
                    "local partners, report quarterly against agreed outcomes and pay the "
                    "real Living Wage."
                ),
                "main_cpv_id": rng.choice(codes),
                "region": commissioners[commissioner],
                "procedure": rng.choice(Procedure.values),
                "estimated_value": value,
                "contract_term_months": rng.choice([12, 24, 36, 60]),
                "extension_option_months": rng.choice([[], [12], [12, 12], [24]]),
                "clarification_deadline": deadline - timedelta(days=10),
                "submission_deadline": deadline,
                "status": status,
                "created_at": now,
                "updated_at": now,
                "published_at": published,
                "closed_at": closed,
                "bids_opened_at": closed,
            }
        )
        lot_plans.append((value, rng.choice([1, 1, 2, 2, 3])))
    return rows, lot_plans


def _lot_rows(rng, tender_ids, lot_plans):
    for tender_id, (value, lots) in zip(tender_ids, lot_plans, strict=True):
        for number in range(1, lots + 1):
            yield {
                "tender_id": tender_id,
                "number": number,
                "title": f"Area {number}",
                "estimated_value": (value / lots).quantize(Decimal("0.01")),
                "reservation": _weighted(rng, RESERVATION_SHARES),
            }


def _copy(model, rows) -> None:
    """Loads `rows` (dicts by attribute name; other fields take their defaults) with COPY."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]
    buffer = io.StringIO()
    for row in rows:
        values = ((f, row[f.attname] if f.attname in row else f.get_default()) for f in fields)
        buffer.write("\t".join(_copy_text(f, v) for f, v in values) + "\n")
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {model._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT text)", buffer
        )


def _copy_text(field, value) -> str:
    if value is None:
        return r"\N"
    if isinstance(field, ArrayField):
        return "{" + ",".join(map(str, value)) + "}"
    if isinstance(field, JSONField):
        value = json.dumps(value)
    elif isinstance(value, bool):
        return "t" if value else "f"
    elif isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
