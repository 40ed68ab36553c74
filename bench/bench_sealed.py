"""Can anyone time an open tender's public data to learn that someone has bid?

One open tender is served anonymously (its OCDS record, the release list, its public page and
the API's tender), 1,000 times each with no bids and 1,000 times with three sealed bids, in
interleaved rounds so a slow patch of the machine hurts both alike. The measures are the
difference of the medians, and the SQL queries each state makes: before bids were kept out
of an open tender's OCDS data, its record made two more queries with bids than without
(about 1 ms a request, measured over 1,000 requests). On a busy machine the timings' noise
can be larger than that; the query counts are exact. Everything is made in a transaction
and rolled back.
"""

import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from commissioning import sealing
from commissioning.choices import (
    BidStatus,
    CommissionerKind,
    CriterionKind,
    Procedure,
    TenderStatus,
)
from commissioning.models import (
    Bid,
    CommissionerOrganisation,
    EvaluationCriterion,
    Lot,
    Tender,
    TenderKey,
)
from commissioning.ocds import build
from core.choices import Region
from providers.choices import LegalForm, ProviderKind, SizeBand, VerificationStatus
from providers.models import ProviderOrganisation

from .bench_api import _throttles_out_of_reach
from .common import Row

ROUNDS = 4
BIDS = 3


def run(scale: float) -> list[Row]:
    repeat = max(50, int(1000 * scale))
    rows = []
    # Throttles stay on, with rates out of reach (as in the API bench).
    with _throttles_out_of_reach(), transaction.atomic():
        tender, providers = _open_tender()
        pages = {
            "OCDS record": f"/api/ocds/records/{build.ocid_for(tender)}/",
            "OCDS releases": "/api/ocds/releases/?page_size=10",
            "public tender page": f"/tenders/{tender.pk}/",
            "API tender": f"/api/v1/tenders/{tender.pk}/",
        }
        client = Client()
        for name, url in pages.items():
            timings = {0: [], BIDS: []}
            queries = {}
            per_round = max(1, repeat // ROUNDS)
            for _ in range(ROUNDS):
                queries[0] = _measure(client, url, per_round, timings[0])
                with transaction.atomic():
                    _bids(tender, providers)
                    queries[BIDS] = _measure(client, url, per_round, timings[BIDS])
                    transaction.set_rollback(True)
            none, some = statistics.median(timings[0]), statistics.median(timings[BIDS])
            rows.append(
                Row(
                    f"sealed: {name}",
                    f"median ms, 0 / {BIDS} bids (x{per_round * ROUNDS})",
                    f"{none:.2f} / {some:.2f}",
                )
            )
            rows.append(
                Row(
                    f"sealed: {name}",
                    "median difference (ms per request)",
                    f"{some - none:+.2f}",
                    "within noise",
                )
            )
            rows.append(
                Row(
                    f"sealed: {name}",
                    f"SQL queries, 0 / {BIDS} bids",
                    f"{queries[0]} / {queries[BIDS]}",
                    "equal",
                )
            )
        transaction.set_rollback(True)
    return rows


def _measure(client, url, repeat, timings) -> int:
    for _ in range(3):
        client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    count = len(captured.captured_queries)
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    return count


def _open_tender():
    now = timezone.now()
    commissioner = CommissionerOrganisation.objects.create(
        name="Bench Sealed Council",
        kind=CommissionerKind.LOCAL_AUTHORITY,
        identifier="GB-LAE-BSEALED",
        region=Region.NORTH_WEST,
    )
    officer = User.objects.create(
        email="bench-sealed-officer@example.org",
        full_name="Bench Officer",
        role=Role.COMMISSIONING_OFFICER,
        commissioner=commissioner,
    )
    tender = Tender.objects.create(
        commissioner=commissioner,
        title="Bench sealed tender",
        description="Home support, timed for bid leaks.",
        region=Region.NORTH_WEST,
        procedure=Procedure.OPEN,
        estimated_value=Decimal("250000"),
        contract_term_months=24,
        clarification_deadline=now + timedelta(days=20),
        submission_deadline=now + timedelta(days=30),
        status=TenderStatus.PUBLISHED,
        published_at=now,
        created_by=officer,
    )
    Lot.objects.create(tender=tender, number=1, title="Whole area", estimated_value=250000)
    for kind, weight in ((CriterionKind.PRICE, 40), (CriterionKind.QUALITY, 60)):
        EvaluationCriterion.objects.create(tender=tender, kind=kind, title=kind, weight=weight)
    TenderKey.objects.create(tender=tender, wrapped_key=sealing.new_wrapped_tender_key())
    providers = []
    for n in range(BIDS):
        provider = ProviderOrganisation.objects.create(
            name=f"Bench sealed bidder {n}",
            kind=ProviderKind.THIRD_SECTOR,
            legal_form=LegalForm.CHARITY,
            size_band=SizeBand.SMALL,
            verification_status=VerificationStatus.VERIFIED,
            postcode="M1 1AE",
            regions=[Region.NORTH_WEST],
        )
        user = User.objects.create(
            email=f"bench-sealed-bidder-{n}@example.org",
            full_name=f"Bidder {n}",
            role=Role.PROVIDER_ADMIN,
            provider=provider,
        )
        providers.append((provider, user))
    return tender, providers


def _bids(tender, providers):
    lot = tender.lots.get()
    now = timezone.now()
    for provider, user in providers:
        Bid.objects.create(
            tender=tender,
            lot=lot,
            provider=provider,
            status=BidStatus.SUBMITTED,
            sealed_contents=sealing.seal(tender, {"price": "1000", "answers": {}, "partners": []}),
            submitted_by=user,
            submitted_at=now,
            updated_at=now,
        )
