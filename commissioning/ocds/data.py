"""What OCDS publication reads, fetched as plain rows.

A release is built from a tender and everything about it (lots, awards, bids' providers,
contracts, KPI results, extensions, amendments). `load(ids)` fetches all of it for many
tenders in a fixed number of `values_list` queries (at most 15, whatever the number of
tenders) and returns light objects with only the attributes the builder reads: a bulk export
of 100,000 tenders builds no Django model instance, which is what makes it fast.

Sealed bid contents are never selected, and neither is anything about the bids (or awards)
of a tender that has not closed: serving an open tender sends the same queries whether it
has no bids or many, so no one can time the OCDS record to learn that someone has bid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from core.choices import Region
from providers.models import ProviderIdentifier, ProviderOrganisation

from ..choices import BidStatus, CriterionKind, Procedure, TenderStatus
from ..models import (
    Award,
    Bid,
    CommissionerOrganisation,
    Contract,
    ContractExtension,
    CpvCode,
    EvaluationCriterion,
    Kpi,
    KpiRating,
    KpiResult,
    Lot,
    Tender,
    TenderAmendment,
    TenderStatusChange,
)
from ..selectors import BIDS_COUNTED_AFTER

REGION_LABELS = dict(Region.choices)
PROCEDURE_LABELS = dict(Procedure.choices)
CRITERION_LABELS = dict(CriterionKind.choices)
RATING_LABELS = dict(KpiRating.choices)
# A tender in these statuses has no award, and its bids are sealed.
NO_AWARDS_YET = frozenset((TenderStatus.DRAFT, TenderStatus.PUBLISHED))


@dataclass(slots=True)
class Commissioner:
    pk: int
    name: str
    identifier: str
    kind: str
    region: str
    contact_email: str

    @property
    def region_label(self) -> str:
        return REGION_LABELS.get(self.region, self.region)


@dataclass(slots=True)
class Provider:
    pk: int
    name: str
    kind: str
    legal_form: str
    size_band: str
    postcode: str
    org_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AwardRow:
    pk: int
    status: str
    decided_at: datetime
    provider: Provider | None
    price: Decimal | None


@dataclass(slots=True)
class LotRow:
    pk: int
    number: int
    title: str
    description: str
    estimated_value: Decimal
    award: AwardRow | None = None


@dataclass(slots=True)
class ResultRow:
    pk: int
    period_start: date
    period_end: date
    value: Decimal
    rating: str
    submitted_at: datetime


@dataclass(slots=True)
class KpiRow:
    name: str
    unit: str
    target: Decimal
    results: list[ResultRow] = field(default_factory=list)


@dataclass(slots=True)
class ExtensionRow:
    pk: int
    approved_at: datetime
    previous_end_date: date


@dataclass(slots=True)
class ContractRow:
    pk: int
    award_id: int
    title: str
    status: str
    start_date: date
    end_date: date
    value: Decimal
    created_at: datetime
    updated_at: datetime
    kpis: list[KpiRow] = field(default_factory=list)
    extensions: list[ExtensionRow] = field(default_factory=list)


@dataclass(slots=True)
class AmendmentRow:
    pk: int
    rationale: str
    changes: dict
    amended_at: datetime


@dataclass(slots=True)
class TenderRow:
    pk: int
    title: str
    description: str
    status: str
    procedure: str
    estimated_value: Decimal
    contract_term_months: int
    submission_deadline: datetime | None
    clarification_deadline: datetime | None
    published_at: datetime | None
    created_at: datetime
    closed_at: datetime | None
    updated_at: datetime
    imported_ocid: str | None
    commissioner: Commissioner
    cpv: tuple[str, str] | None
    lots: list[LotRow] = field(default_factory=list)
    criteria: list[tuple[str, str, int]] = field(default_factory=list)
    amendments: list[AmendmentRow] = field(default_factory=list)
    cancellations: list[datetime] = field(default_factory=list)
    bidders: dict[int, Provider] = field(default_factory=dict)
    contracts: list[ContractRow] = field(default_factory=list)

    @property
    def reference(self) -> str:
        return f"CM-T-{self.pk:06d}"

    @property
    def procedure_label(self) -> str:
        return PROCEDURE_LABELS.get(self.procedure, self.procedure)


def _bids_opened(tender: TenderRow) -> bool:
    """Past closing, so its bids are opened (an imported tender may have no closing date);
    a tender cancelled while open never had its bids opened."""
    if tender.status == TenderStatus.CANCELLED:
        return tender.closed_at is not None
    return tender.status in BIDS_COUNTED_AFTER


TENDER_COLUMNS = (
    "pk",
    "title",
    "description",
    "status",
    "procedure",
    "estimated_value",
    "contract_term_months",
    "submission_deadline",
    "clarification_deadline",
    "published_at",
    "created_at",
    "closed_at",
    "updated_at",
    "ocds_import__ocid",
    "commissioner_id",
    "main_cpv_id",
)


def load(ids, *, ascending_chunk: bool = False) -> list[TenderRow]:
    """The tenders with these ids and all their publishable data, in the ids' order.

    With `ascending_chunk` (ids sorted, as a bulk export reads them), related rows are read by
    the id range rather than a long IN list, and rows of tenders in the range but not asked
    for are dropped."""
    ids = list(ids)
    if not ids:
        return []
    if ascending_chunk:
        lo, hi = ids[0], ids[-1]

        def of(prefix):
            return {f"{prefix}__gte": lo, f"{prefix}__lte": hi}
    else:

        def of(prefix):
            return {f"{prefix}__in": ids}

    rows = Tender.objects.filter(pk__in=ids).values_list(*TENDER_COLUMNS)
    raw = {row[0]: row for row in rows}
    commissioners = {
        row[0]: Commissioner(*row)
        for row in CommissionerOrganisation.objects.filter(
            pk__in={row[14] for row in raw.values()}
        ).values_list("pk", "name", "identifier", "kind", "region", "contact_email")
    }
    cpvs = dict(
        CpvCode.objects.filter(code__in={row[15] for row in raw.values() if row[15]}).values_list(
            "code", "description"
        )
    )
    tenders = {}
    for pk, row in raw.items():
        cpv = (row[15], cpvs.get(row[15], "")) if row[15] else None
        tenders[pk] = TenderRow(*row[:14], commissioners[row[14]], cpv)

    lots = {}
    for pk, tender_id, number, title, description, value in (
        Lot.objects.filter(**of("tender_id"))
        .order_by("tender_id", "number")
        .values_list("pk", "tender_id", "number", "title", "description", "estimated_value")
    ):
        if tender_id in tenders:
            lot = LotRow(pk, number, title, description, value)
            lots[pk] = lot
            tenders[tender_id].lots.append(lot)

    # Awards and bidders exist only after closing, and are read only for tenders past it.
    closed = [pk for pk, t in tenders.items() if _bids_opened(t)]
    decided = [pk for pk, t in tenders.items() if t.status not in NO_AWARDS_YET]
    awards = []
    if decided:
        awards = list(
            Award.objects.filter(lot__tender_id__in=decided).values_list(
                "pk", "lot_id", "status", "decided_at", "bid__provider_id", "bid__opened_price"
            )
        )
    bids = []
    if closed:
        bids = list(
            Bid.objects.filter(tender_id__in=closed, status=BidStatus.SUBMITTED)
            .order_by("id")
            .values_list("tender_id", "provider_id")
        )
    contracts = list(
        Contract.objects.filter(**of("tender_id"))
        .order_by("id")
        .values_list(
            "pk",
            "tender_id",
            "award_id",
            "title",
            "status",
            "start_date",
            "end_date",
            "value",
            "created_at",
            "updated_at",
        )
    )
    provider_ids = {a[4] for a in awards if a[4]} | {b[1] for b in bids}
    providers = {
        row[0]: Provider(*row)
        for row in ProviderOrganisation.objects.filter(pk__in=provider_ids).values_list(
            "pk", "name", "kind", "legal_form", "size_band", "postcode"
        )
    }
    for provider_id, scheme, value in (
        ProviderIdentifier.objects.filter(provider_id__in=provider_ids)
        .order_by("provider_id", "scheme")
        .values_list("provider_id", "scheme", "value")
    ):
        providers[provider_id].org_ids.append(f"{scheme}-{value}")

    for pk, lot_id, status, decided_at, provider_id, price in awards:
        if lot_id in lots:
            lots[lot_id].award = AwardRow(pk, status, decided_at, providers.get(provider_id), price)
    for tender_id, provider_id in bids:
        if tender_id in tenders:
            tenders[tender_id].bidders.setdefault(provider_id, providers[provider_id])

    by_contract = {}
    for row in contracts:
        if row[1] not in tenders:
            continue
        contract = ContractRow(row[0], *row[2:])
        by_contract[contract.pk] = contract
        tenders[row[1]].contracts.append(contract)
    if by_contract:
        kpis = {}
        for pk, contract_id, name, unit, target in (
            Kpi.objects.filter(**of("contract__tender_id"))
            .order_by("id")
            .values_list("pk", "contract_id", "name", "unit", "target")
        ):
            if contract_id in by_contract:
                kpis[pk] = KpiRow(name, unit, target)
                by_contract[contract_id].kpis.append(kpis[pk])
        for row in (
            KpiResult.objects.filter(**of("kpi__contract__tender_id"))
            .order_by("period_start", "id")
            .values_list(
                "kpi_id", "pk", "period_start", "period_end", "value", "rating", "submitted_at"
            )
        ):
            if row[0] in kpis:
                kpis[row[0]].results.append(ResultRow(*row[1:]))
        for contract_id, *row in (
            ContractExtension.objects.filter(**of("contract__tender_id"))
            .order_by("approved_at", "id")
            .values_list("contract_id", "pk", "approved_at", "previous_end_date")
        ):
            if contract_id in by_contract:
                by_contract[contract_id].extensions.append(ExtensionRow(*row))

    for tender_id, *row in (
        TenderAmendment.objects.filter(**of("tender_id"))
        .order_by("amended_at", "id")
        .values_list("tender_id", "pk", "rationale", "changes", "amended_at")
    ):
        if tender_id in tenders:
            tenders[tender_id].amendments.append(AmendmentRow(*row))
    for tender_id, changed_at in TenderStatusChange.objects.filter(
        **of("tender_id"),
        to_status=TenderStatus.CANCELLED,
    ).values_list("tender_id", "changed_at"):
        if tender_id in tenders:
            tenders[tender_id].cancellations.append(changed_at)
    for tender_id, title, kind, weight in (
        EvaluationCriterion.objects.filter(**of("tender_id"))
        .order_by("id")
        .values_list("tender_id", "title", "kind", "weight")
    ):
        if tender_id in tenders:
            tenders[tender_id].criteria.append((title, CRITERION_LABELS.get(kind, kind), weight))
    return [tenders[pk] for pk in ids if pk in tenders]
