"""Loads a national-scale contract register for the contract management jobs' benchmark:
by default 100,000 providers and 1,000,000 running contracts, each with the tender, lot,
winning bid and award the schema asks of a contract, two KPIs, and KPI returns for the
contracts that are due.

Exactly 1% of contracts are due for renewal (their notice point has come, and no renewal
decision is open) and another 1% for review (next_review_on is today or earlier), spread
evenly through the table; every other contract has its notice point and review ahead of it.

Everything is generated inside PostgreSQL (INSERT ... SELECT over generate_series, a batch
per transaction, ids reserved from each table's sequence), so Python's memory stays flat
however many rows are loaded, and no constraint, index or trigger is switched off. A second
run finds the data and only moves its dates on to today; --fresh deletes and reloads it.

    python bench/seed_contracts.py [--contracts N] [--providers M] [--fresh]
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CONTRACTS = 1_000_000
PROVIDERS = 100_000
BATCH = 100_000
# Marks the rows this seeder owns, apart from any other benchmark's or the demo's.
MARK = "GB-BENCHCON-"
PROVIDER_NAME = "Contracts bench provider "
BIDDER_EMAIL = "bench-contracts-bidder@bench.example"
# One contract in DUE_EVERY is due for renewal, another for review.
DUE_EVERY = 100
RENEWAL_DUE = 0  # n % DUE_EVERY
REVIEW_DUE = 50

SERVICES = [
    "Home care",
    "Befriending",
    "Supported living",
    "Community transport",
    "Advocacy",
    "Carers support",
    "Reablement",
    "Meals on wheels",
    "Youth work",
    "Falls prevention",
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
    "Stonebury",
]

# The SQL here is assembled only from this module's constants (hence `noqa: S608`); every
# value from outside goes in as a query parameter.
#
# Each contract's dates as a function of its number n (1..N) and today, so the load, the
# daily re-dating and the benchmark's reset between runs all agree. Due for renewal: the end
# date is 4 months away, so the 6-month notice point passed 1 to 2 months ago. Due for
# review: next_review_on in the last week, one quarter after the start. Not due: the end
# date 12 months or more away and the next review within the next 90 days.
PLAN = """
    SELECT n, s.start_date, d.end_date, d.next_review_on
    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS n
    CROSS JOIN LATERAL (SELECT
        CASE WHEN n %% 100 = 0
            THEN (%(today)s::date + interval '4 months' + (n / 100 %% 20) * interval '1 day')::date
            ELSE (%(today)s::date + interval '12 months' + (n %% 1000) * interval '1 day')::date
        END AS end_date,
        CASE WHEN n %% 100 = 50
            THEN %(today)s::date - (n / 100 %% 7)::int
            ELSE %(today)s::date + 1 + (n %% 90)::int
        END AS next_review_on
    ) AS d
    CROSS JOIN LATERAL (SELECT
        CASE WHEN n %% 100 = 50 THEN (d.next_review_on - interval '3 months')::date
            WHEN n %% 100 = 0 THEN (d.end_date - interval '24 months')::date
            ELSE %(today)s::date - 30 - (n %% 700)::int
        END AS start_date
    ) AS s
"""

# The quarter each due contract's KPI returns are for: the first quarter for a contract
# due its first review, the last finished quarter for one due for renewal.
RESULTS = """
    SELECT k.k, r.period_start, (r.period_start + interval '3 months')::date - 1 AS period_end,
        CASE WHEN (p.n / 100 + k.k) %% 20 = 0 THEN 'missed'
            WHEN (p.n / 100 + k.k) %% 20 < 4 THEN 'near_miss'
            ELSE 'met' END AS rating,
        p.n
    FROM ({plan}) AS p
    CROSS JOIN generate_series(1, 2) AS k(k)
    CROSS JOIN LATERAL (SELECT CASE WHEN p.n %% 100 = 50 THEN p.start_date
        ELSE (p.start_date + interval '15 months')::date END AS period_start) AS r
    WHERE p.n %% 100 IN (0, 50)
"""

# KPI n's returns: its first KPI is a percentage where higher is better, its second a rate
# where lower is better.
RESULTS_INSERT = f"""
    INSERT INTO commissioning_kpiresult (kpi_id, period_start, period_end, value, rating,
        due_on, submitted_by_id, submitted_at)
    SELECT %(kpi_base)s + 2 * r.n - 2 + r.k, r.period_start, r.period_end,
        CASE r.k WHEN 1 THEN CASE r.rating WHEN 'met' THEN 97 WHEN 'near_miss' THEN 93 ELSE 80 END
            ELSE CASE r.rating WHEN 'met' THEN 1 WHEN 'near_miss' THEN 2.5 ELSE 5 END
        END,
        r.rating, r.period_end + 14, NULL, LEAST(r.period_end + 7, %(today)s::date)::timestamptz
    FROM ({RESULTS.format(plan=PLAN)}) AS r
"""  # noqa: S608


def _sql_array(values) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _today() -> date:
    from django.utils import timezone

    from core.dbclock import db_now

    return timezone.localtime(db_now()).date()


def _say(message: str, quiet: bool) -> None:
    if not quiet:
        print(f"  {message}", flush=True)


# --- what is loaded -------------------------------------------------------------------------


def bench_commissioner_ids() -> list[int]:
    from commissioning.models import CommissionerOrganisation

    return list(
        CommissionerOrganisation.objects.filter(identifier__startswith=MARK)
        .order_by("identifier")
        .values_list("pk", flat=True)
    )


def loaded_counts() -> tuple[int, int]:
    """(contracts, providers) this seeder has loaded."""
    from django.db import connection

    commissioners = bench_commissioner_ids()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM commissioning_contract WHERE commissioner_id = ANY(%s)",
            [commissioners],
        )
        contracts = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM providers_providerorganisation WHERE name LIKE %s",
            [PROVIDER_NAME + "%"],
        )
        providers = cursor.fetchone()[0]
    return contracts, providers


def contract_range() -> tuple[int, int]:
    """The first and last id of the loaded contracts: a load takes one block of ids."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM commissioning_contract WHERE commissioner_id = ANY(%s)",
            [bench_commissioner_ids()],
        )
        return cursor.fetchone()


def due_for_renewal(*, today: date | None = None) -> int:
    """Running contracts past their notice point with no decision for their end date."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM commissioning_contract c
            WHERE c.status IN ('active', 'extended') AND c.end_date >= %(today)s
              AND (c.end_date - make_interval(months => c.renewal_notice_months))::date
                  <= %(today)s
              AND NOT EXISTS (SELECT 1 FROM commissioning_renewaldecision r
                              WHERE r.contract_id = c.id AND r.end_date = c.end_date)
            """,
            {"today": today or _today()},
        )
        return cursor.fetchone()[0]


def due_for_review(*, today: date | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM commissioning_contract WHERE status IN ('active', 'extended')"
            " AND next_review_on <= %s",
            [today or _today()],
        )
        return cursor.fetchone()[0]


# --- loading --------------------------------------------------------------------------------


def seed_contracts(
    *,
    contracts: int = CONTRACTS,
    providers: int = PROVIDERS,
    fresh: bool = False,
    batch_size: int = BATCH,
    quiet: bool = False,
) -> bool:
    """Loads the register unless it is already there at this size. Returns whether it
    loaded; when it did not, it still moves the contracts' dates on to today, so exactly 1%
    stay due whatever day the benchmark runs."""
    if contracts < 1 or providers < 1:
        raise ValueError("Load at least one contract and one provider")
    if not fresh and loaded_counts() == (contracts, providers):
        _say(f"{contracts:,} contracts already loaded: re-dating them to today", quiet)
        redate()
        return False
    _say("deleting an earlier load", quiet)
    forget()
    today = _today()
    started = time.perf_counter()
    commissioners, officers, regions = _commissioners(contracts)
    provider_base = _reserve("providers_providerorganisation", providers)
    _load_providers(provider_base, providers)
    bidder = _bidder(provider_base + 1)
    bases = {
        table: _reserve(f"commissioning_{table}", contracts * per)
        for table, per in (("tender", 1), ("lot", 1), ("bid", 1), ("award", 1))
    }
    bases["contract"] = _reserve("commissioning_contract", contracts)
    bases["kpi"] = _reserve("commissioning_kpi", contracts * 2)
    _say(f"providers loaded in {time.perf_counter() - started:.1f} s", quiet)
    params = {
        **{f"{table}_base": base for table, base in bases.items()},
        "provider_base": provider_base,
        "providers": providers,
        "commissioners": commissioners,
        "officers": officers,
        "regions": regions,
        "count": len(commissioners),
        "bidder": bidder,
        "today": today,
    }
    batches = range(1, contracts + 1, batch_size)
    progress = batches
    if not quiet:
        from tqdm import tqdm

        progress = tqdm(batches, desc="  contracts", unit="batch", leave=False)
    for lo in progress:
        _load_batch({**params, "lo": lo, "hi": min(lo + batch_size - 1, contracts)})
    _say(f"{contracts:,} contracts loaded in {time.perf_counter() - started:.1f} s", quiet)
    _analyze()
    _say(f"done, with ANALYZE, in {time.perf_counter() - started:.1f} s", quiet)
    return True


def _commissioners(contracts: int):
    """A commissioner (and its officer) for every 2,500 contracts, at most 400; returned as
    lists the load indexes into by contract number."""
    from django.contrib.auth.hashers import make_password

    from accounts.choices import Role
    from accounts.models import User
    from commissioning.choices import CommissionerKind
    from commissioning.models import CommissionerOrganisation
    from core.choices import Region

    count = max(1, min(400, contracts // 2500))
    kinds, regions = list(CommissionerKind.values), list(Region.values)
    CommissionerOrganisation.objects.bulk_create(
        [
            CommissionerOrganisation(
                name=f"Contracts bench commissioner {n:04d}",
                kind=kinds[n % len(kinds)],
                identifier=f"{MARK}{n:04d}",
                region=regions[n % len(regions)],
                contact_email=f"contracts-{n:04d}@bench.example",
            )
            for n in range(count)
        ],
        ignore_conflicts=True,
    )
    rows = list(
        CommissionerOrganisation.objects.filter(identifier__startswith=MARK)
        .order_by("identifier")
        .values_list("pk", "region")[:count]
    )
    User.objects.bulk_create(
        [
            User(
                email=f"bench-contracts-officer-{pk}@bench.example",
                full_name=f"Bench contracts officer {pk}",
                role=Role.COMMISSIONING_OFFICER,
                commissioner_id=pk,
                password=make_password(None),  # unusable: nobody signs in as these
            )
            for pk, _region in rows
        ],
        ignore_conflicts=True,
    )
    officer_of = dict(
        User.objects.filter(
            commissioner_id__in=[pk for pk, _ in rows], email__startswith="bench-contracts-officer-"
        ).values_list("commissioner_id", "pk")
    )
    return (
        [pk for pk, _ in rows],
        [officer_of[pk] for pk, _ in rows],
        [region for _, region in rows],
    )


def _bidder(provider_id: int) -> int:
    """The one provider user every bench bid was submitted by."""
    from django.contrib.auth.hashers import make_password

    from accounts.choices import Role
    from accounts.models import User

    user = User.objects.create(
        email=BIDDER_EMAIL,
        full_name="Bench contracts bidder",
        role=Role.PROVIDER_ADMIN,
        provider_id=provider_id,
        password=make_password(None),
    )
    return user.pk


def _reserve(table: str, count: int) -> int:
    """Takes `count` ids from the table's sequence at once; returns the one before the
    first, so row n gets base + n."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                          GREATEST(nextval(pg_get_serial_sequence('{table}', 'id')),
                                   (SELECT coalesce(max(id), 0) FROM {table})) + %s)
            """,  # noqa: S608
            [count],
        )
        return cursor.fetchone()[0] - count


def _load_providers(base: int, count: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO providers_providerorganisation (id, name, kind, legal_form, size_band,
                verification_status, address, postcode, regions, capability_statement,
                website, created_at, updated_at)
            SELECT %(base)s + m, %(name)s || lpad(m::text, 6, '0'),
                (ARRAY['private', 'third_sector', 'community'])[1 + m %% 3],
                (ARRAY['company', 'charity', 'unincorporated'])[1 + m %% 3],
                (ARRAY['micro', 'small', 'medium', 'large'])[1 + m / 3 %% 4],
                'verified', '', '',
                jsonb_build_array(({_sql_array(PLACES_REGIONS)})[1 + m %% 12]),
                '', '', now(), now()
            FROM generate_series(1, %(count)s::bigint) AS m
            """,  # noqa: S608
            {"base": base, "count": count, "name": PROVIDER_NAME},
        )


PLACES_REGIONS = [
    "UKC",
    "UKD",
    "UKE",
    "UKF",
    "UKG",
    "UKH",
    "UKI",
    "UKJ",
    "UKK",
    "UKL",
    "UKM",
    "UKN",
]


def _load_batch(params: dict) -> None:
    """Contracts lo..hi and everything they need, in one transaction."""
    from django.db import connection, transaction

    commissioner = "(%(commissioners)s::bigint[])[1 + p.n %% %(count)s]"
    officer = "(%(officers)s::bigint[])[1 + p.n %% %(count)s]"
    provider = "%(provider_base)s + 1 + (p.n * 7919) %% %(providers)s"
    value = "((1 + p.n %% 50) * 10000)::numeric"
    deadline = "(p.start_date - 90)::timestamptz"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO commissioning_tender (id, commissioner_id, title, description,
                main_cpv_id, region, procedure, estimated_value, contract_term_months,
                extension_option_months, clarification_deadline, submission_deadline, status,
                social_value_exemption_reason, cancellation_reason, created_by_id, created_at,
                updated_at, published_at, closed_at, bids_opened_at)
            SELECT %(tender_base)s + p.n, {commissioner},
                ({_sql_array(SERVICES)})[1 + p.n %% 10] || ' in '
                    || ({_sql_array(PLACES)})[1 + p.n / 10 %% 10],
                'Bench contract ' || p.n, NULL,
                (%(regions)s::text[])[1 + p.n %% %(count)s], 'open', {value},
                (p.end_date - p.start_date) / 30 + 1, '{{12}}',
                {deadline} - interval '10 days', {deadline}, 'contracted', '', '',
                {officer}, now(), now(), {deadline} - interval '30 days', {deadline},
                {deadline}
            FROM ({PLAN}) AS p
            """,  # noqa: S608
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO commissioning_lot (id, tender_id, number, title, description,
                estimated_value, reservation)
            SELECT %(lot_base)s + p.n, %(tender_base)s + p.n, 1, 'Whole area', '', {value}, ''
            FROM ({PLAN}) AS p
            """,  # noqa: S608
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO commissioning_bid (id, tender_id, lot_id, provider_id, status,
                sealed_contents, submitted_by_id, submitted_at, updated_at, withdrawn_at,
                opened_price)
            SELECT %(bid_base)s + p.n, %(tender_base)s + p.n, %(lot_base)s + p.n, {provider},
                'submitted', ''::bytea, %(bidder)s, {deadline} - interval '1 day',
                {deadline} - interval '1 day', NULL, {value}
            FROM ({PLAN}) AS p
            """,  # noqa: S608
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO commissioning_award (id, lot_id, bid_id, status, reason, decided_by_id,
                decided_at, standstill_ends_at)
            SELECT %(award_base)s + p.n, %(lot_base)s + p.n, %(bid_base)s + p.n, 'contracted',
                '', {officer}, {deadline} + interval '20 days', {deadline} + interval '32 days'
            FROM ({PLAN}) AS p
            """,  # noqa: S608
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO commissioning_contract (id, commissioner_id, provider_id, tender_id,
                lot_id, award_id, title, value, start_date, end_date,
                extension_options_remaining, notice_period_days, status, partners,
                escalation_level, review_frequency_months, renewal_notice_months,
                next_review_on, created_by_id, created_at, updated_at)
            SELECT %(contract_base)s + p.n, {commissioner}, {provider}, %(tender_base)s + p.n,
                %(lot_base)s + p.n, %(award_base)s + p.n,
                ({_sql_array(SERVICES)})[1 + p.n %% 10] || ' in '
                    || ({_sql_array(PLACES)})[1 + p.n / 10 %% 10] || ': whole area',
                {value}, p.start_date, p.end_date,
                (ARRAY['{{}}', '{{12}}', '{{12,12}}', '{{24}}'])[1 + p.n %% 4]::smallint[],
                90, 'active', '[]'::jsonb, 0, 3, 6, p.next_review_on, {officer}, now(), now()
            FROM ({PLAN}) AS p
            """,  # noqa: S608
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO commissioning_kpi (id, contract_id, name, target, unit,
                higher_is_better, reporting_frequency)
            SELECT %(kpi_base)s + 2 * p.n - 2 + k, %(contract_base)s + p.n,
                CASE k WHEN 1 THEN 'Visits made on time' ELSE 'Complaints upheld' END,
                CASE k WHEN 1 THEN 95 ELSE 2 END,
                CASE k WHEN 1 THEN 'percent' ELSE 'per 1,000 hours' END,
                k = 1, 'quarterly'
            FROM ({PLAN}) AS p CROSS JOIN generate_series(1, 2) AS k
            """,  # noqa: S608
            params,
        )
        cursor.execute(RESULTS_INSERT, params)


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "providers_providerorganisation",
            "commissioning_tender",
            "commissioning_lot",
            "commissioning_bid",
            "commissioning_award",
            "commissioning_contract",
            "commissioning_kpi",
            "commissioning_kpiresult",
        ):
            cursor.execute(f"ANALYZE {table}")


# --- re-dating and forgetting -----------------------------------------------------------------


def redate(*, today: date | None = None) -> int:
    """Puts every loaded contract back to its seeded state as of today: its dates and status,
    with no renewal decision, review or extension the jobs made, and its KPI returns. Set-based:
    only the rows that differ are written. Returns how many contracts changed."""
    from django.db import connection, transaction

    first, last = contract_range()
    if first is None:
        return 0
    params = {"lo": 1, "hi": last - first + 1, "base": first - 1, "today": today or _today()}
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("contractextension", "renewaldecision", "contractreview"):
            cursor.execute(
                f"DELETE FROM commissioning_{table} WHERE contract_id BETWEEN %s AND %s",  # noqa: S608
                [first, last],
            )
        cursor.execute(
            f"""
            UPDATE commissioning_contract c
            SET start_date = p.start_date, end_date = p.end_date,
                next_review_on = p.next_review_on, status = 'active', escalation_level = 0,
                extension_options_remaining =
                    (ARRAY['{{}}', '{{12}}', '{{12,12}}', '{{24}}'])[1 + p.n %% 4]::smallint[]
            FROM ({PLAN}) AS p
            WHERE c.id = %(base)s + p.n
              AND (c.start_date, c.end_date, c.next_review_on, c.status, c.escalation_level)
                  IS DISTINCT FROM (p.start_date, p.end_date, p.next_review_on, 'active', 0)
            """,  # noqa: S608
            params,
        )
        changed = cursor.rowcount
        if changed:
            _reload_results(cursor, params, first, last)
    return changed


def _reload_results(cursor, params, first, last) -> None:
    """The due contracts' KPI returns, for today's due contracts."""
    cursor.execute("SELECT min(id) FROM commissioning_kpi WHERE contract_id = %s", [first])
    kpi_base = cursor.fetchone()[0] - 1
    cursor.execute(
        "DELETE FROM commissioning_kpiresult WHERE kpi_id BETWEEN %s AND %s",
        [kpi_base + 1, kpi_base + 2 * (last - first + 1)],
    )
    cursor.execute(RESULTS_INSERT, {**params, "kpi_base": kpi_base})


def forget() -> None:
    """Deletes an earlier load, children first. Plain SQL: the ORM's cascade would fetch
    every row into Python first."""
    from django.db import connection, transaction

    commissioners = bench_commissioner_ids()
    mine = "SELECT id FROM commissioning_contract WHERE commissioner_id = ANY(%(c)s)"
    with transaction.atomic(), connection.cursor() as cursor:
        statements = [
            f"DELETE FROM commissioning_contractextension WHERE contract_id IN ({mine})",  # noqa: S608
            f"DELETE FROM commissioning_renewaldecision WHERE contract_id IN ({mine})",  # noqa: S608
            f"DELETE FROM commissioning_contractreview WHERE contract_id IN ({mine})",  # noqa: S608
            "DELETE FROM commissioning_kpiresult WHERE kpi_id IN (SELECT id FROM "  # noqa: S608
            f"commissioning_kpi WHERE contract_id IN ({mine}))",
            f"DELETE FROM commissioning_kpi WHERE contract_id IN ({mine})",  # noqa: S608
        ]
        # Whatever else the jobs wrote about these contracts (escalation proposals and the
        # like), found from the schema so a new table does not break a reload.
        cursor.execute(
            """
            SELECT cl.relname, a.attname FROM pg_constraint k
            JOIN pg_class cl ON cl.oid = k.conrelid
            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
            WHERE k.contype = 'f' AND k.confrelid = 'commissioning_contract'::regclass
              AND cl.relname NOT IN ('commissioning_contractextension',
                  'commissioning_renewaldecision', 'commissioning_contractreview',
                  'commissioning_kpi')
            """
        )
        statements += [
            f'DELETE FROM "{table}" WHERE "{column}" IN ({mine})'  # noqa: S608
            for table, column in cursor.fetchall()
        ]
        statements += [
            # Dropped by hand, not ON COMMIT: inside a test's transaction no commit comes.
            "DROP TABLE IF EXISTS bench_forget",
            "CREATE TEMP TABLE bench_forget AS SELECT id, tender_id, lot_id, "
            "award_id FROM commissioning_contract WHERE commissioner_id = ANY(%(c)s)",
            "DELETE FROM commissioning_contract WHERE id IN (SELECT id FROM bench_forget)",
            "DELETE FROM commissioning_award WHERE id IN (SELECT award_id FROM bench_forget)",
            "DELETE FROM commissioning_bid WHERE lot_id IN (SELECT lot_id FROM bench_forget)",
            "DELETE FROM commissioning_lot WHERE id IN (SELECT lot_id FROM bench_forget)",
            "DELETE FROM commissioning_tender WHERE id IN (SELECT tender_id FROM bench_forget)",
            "DELETE FROM accounts_user WHERE email = %(bidder)s",
            "DELETE FROM providers_providerorganisation WHERE name LIKE %(providers)s",
            "DROP TABLE bench_forget",
        ]
        for statement in statements:
            cursor.execute(
                statement,
                {"c": commissioners, "bidder": BIDDER_EMAIL, "providers": PROVIDER_NAME + "%"},
            )


# --- the command line -------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--contracts", type=int, default=CONTRACTS)
    parser.add_argument("--providers", type=int, default=PROVIDERS)
    parser.add_argument("--fresh", action="store_true", help="delete an earlier load first")
    args = parser.parse_args()

    from bench.run import _bench_database_url

    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicmarkets.settings.test")
    os.environ.setdefault("PYTHONWARNINGS", "ignore:No directory at")
    sys.path.insert(0, str(ROOT / "scripts"))
    from devenv import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    loaded = seed_contracts(contracts=args.contracts, providers=args.providers, fresh=args.fresh)
    print(
        f"{'loaded' if loaded else 'already loaded'}: {args.contracts:,} contracts, "
        f"{args.providers:,} providers in {time.perf_counter() - started:.1f} s; "
        f"due for renewal {due_for_renewal():,}, due for review {due_for_review():,}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
