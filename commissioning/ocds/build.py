"""OCDS 1.1 releases and records, built from the platform's data.

Each tender that was ever published is one contracting process, `ocid` = the registered prefix
(settings.OCDS_OCID_PREFIX) and the tender's id (an imported tender keeps its foreign ocid).
Every significant event in its life is one release, tagged for its stage:

    tender published        tender               id {ocid}-tender-{tender id}
    each amendment          tenderAmendment      id {ocid}-amendment-{amendment id}
    tender closed           tenderUpdate         id {ocid}-closed-{tender id}
    each award decision     award                id {ocid}-award-{award id}
    each contract           contract             id {ocid}-contract-{contract id}
    each KPI result         implementation       id {ocid}-kpi-{result id}
    each extension          contractUpdate       id {ocid}-extension-{extension id}
    contract expired/ended  contractTermination  id {ocid}-ended-{contract id}
    tender cancelled        tenderCancellation   id {ocid}-cancelled-{tender id}

A release's id names its event, so republishing never mints a new id and each new event mints
one. A release shows the process as it stood after its event (later amendments, awards,
contracts and results are left out), so its content is as stable as its id.

What is never published: drafts; sealed bid contents (prices, answers, documents: nothing here
reads `sealed_contents`); the number of bids before the tender closes; who bid before every lot
is decided; losing prices. A winning price is published as its award's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..choices import AwardStatus, ContractStatus, TenderStatus
from ..models import Tender
from . import codes
from .data import RATING_LABELS, TenderRow, load

__all__ = ["load"]  # callers load rows through build

# --- which tenders are published, and how they are fetched ----------------------------------

# Drafts are never published; nor is a draft that was cancelled before publication.
PUBLISHED = ~Q(status=TenderStatus.DRAFT) & ~Q(
    status=TenderStatus.CANCELLED, published_at__isnull=True
)


def published_tenders():
    return Tender.objects.filter(PUBLISHED)


def published_rows(queryset=None) -> list[TenderRow]:
    """The published tenders of `queryset` (all by default) with everything the builder
    reads, in a fixed number of queries (commissioning.ocds.data)."""
    queryset = queryset if queryset is not None else published_tenders()
    return load(queryset.filter(PUBLISHED).values_list("pk", flat=True))


def ocid_for(tender) -> str:
    """The process's ocid: an imported tender keeps its foreign one. Takes a TenderRow or a
    Tender."""
    if isinstance(tender, TenderRow):
        imported = tender.imported_ocid
    else:
        imported = (
            Tender.objects.filter(pk=tender.pk).values_list("ocds_import__ocid", flat=True).first()
        )
    return imported or f"{settings.OCDS_OCID_PREFIX}-{tender.pk}"


def tender_id_from_ocid(ocid: str) -> int | None:
    """Our tender's id from one of our ocids, or None (a foreign ocid is looked up instead)."""
    prefix = f"{settings.OCDS_OCID_PREFIX}-"
    if ocid.startswith(prefix) and ocid[len(prefix) :].isdigit():
        return int(ocid[len(prefix) :])
    return None


# --- formatting -----------------------------------------------------------------------------


def dt(value) -> str | None:
    """An RFC 3339 date-time; a date becomes its midnight in UTC."""
    if value is None:
        return None
    return _dt(value)


@lru_cache(maxsize=100_000)
def _dt(value) -> str:
    # Cached: a bulk export formats the same moments (a tender's dates) in every release.
    if isinstance(value, str):
        value = parse_datetime(value) or date.fromisoformat(value)
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_current_timezone())
        # In UTC, so one instant always reads the same (and the cache cannot mix offsets).
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return f"{value.isoformat()}T00:00:00Z"


def money(amount) -> dict | None:
    if amount is None or amount == "":
        return None
    return dict(_money(str(amount)))


@lru_cache(maxsize=100_000)
def _money(text: str) -> tuple:
    amount = Decimal(text)
    number = int(amount) if amount == amount.to_integral_value() else float(amount)
    return (("amount", number), ("currency", codes.CURRENCY))


def _clean(data: dict) -> dict:
    """Drops empty values: OCDS omits what is unknown rather than publishing nulls."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _identifier(org_id: str, name: str) -> dict:
    parts = org_id.split("-", 2)
    if len(parts) == 3:
        return {"scheme": f"{parts[0]}-{parts[1]}", "id": parts[2], "legalName": name}
    return {"id": org_id, "legalName": name}


def buyer_party(commissioner) -> dict:
    return _clean(
        {
            "id": commissioner.identifier,
            "name": commissioner.name,
            "identifier": _identifier(commissioner.identifier, commissioner.name),
            "address": {"region": commissioner.region_label, "countryName": "United Kingdom"},
            "contactPoint": _clean({"email": commissioner.contact_email}) or None,
            "roles": ["buyer", "procuringEntity"],
            "details": {"kind": commissioner.kind, "region": commissioner.region},
        }
    )


def provider_party_id(provider) -> str:
    if provider.org_ids:
        return provider.org_ids[0]
    return f"{settings.OCDS_OCID_PREFIX}-provider-{provider.pk}"


def provider_party(provider, roles) -> dict:
    identifiers = provider.org_ids
    party_id = provider_party_id(provider)
    return _clean(
        {
            "id": party_id,
            "name": provider.name,
            "identifier": _identifier(identifiers[0], provider.name) if identifiers else None,
            "additionalIdentifiers": [_identifier(i, provider.name) for i in identifiers[1:]]
            or None,
            # No postcode: a community group's may be someone's home (the API hides it too).
            "address": {"countryName": "United Kingdom"},
            "roles": sorted(roles),
            "details": {
                "kind": provider.kind,
                "legalForm": provider.legal_form,
                "sizeBand": provider.size_band,
                "scale": "sme" if provider.size_band in codes.SME_SIZE_BANDS else "large",
            },
        }
    )


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    kind: str
    obj_id: int
    date: datetime
    tag: str

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.obj_id}"


KIND_TAGS = {
    "tender": codes.TAG_TENDER,
    "amendment": codes.TAG_AMENDMENT,
    "closed": codes.TAG_TENDER_UPDATE,
    "award": codes.TAG_AWARD,
    "contract": codes.TAG_CONTRACT,
    "kpi": codes.TAG_IMPLEMENTATION,
    "extension": "contractUpdate",
    "ended": codes.TAG_TERMINATION,
    "cancelled": codes.TAG_CANCELLATION,
}
# Events at the same moment are put in the order the process runs.
KIND_ORDER = {kind: n for n, kind in enumerate(KIND_TAGS)}


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def contract_ended_at(contract) -> datetime | None:
    if contract.status == ContractStatus.EXPIRED:
        return _end_of(contract.end_date)
    if contract.status == ContractStatus.TERMINATED:
        return contract.updated_at
    return None


def tender_events(tender: TenderRow) -> list[Event]:
    """The tender's publishable events, oldest first."""
    events = [Event("tender", tender.pk, tender.published_at or tender.created_at, "tender")]
    events += [
        Event("amendment", a.pk, a.amended_at, codes.TAG_AMENDMENT) for a in tender.amendments
    ]
    if tender.closed_at:
        events.append(Event("closed", tender.pk, tender.closed_at, codes.TAG_TENDER_UPDATE))
    for lot in tender.lots:
        if lot.award is not None:
            events.append(Event("award", lot.award.pk, lot.award.decided_at, codes.TAG_AWARD))
    for contract in tender.contracts:
        events.append(Event("contract", contract.pk, contract.created_at, codes.TAG_CONTRACT))
        for kpi in contract.kpis:
            events += [
                Event("kpi", r.pk, r.submitted_at, codes.TAG_IMPLEMENTATION) for r in kpi.results
            ]
        events += [
            Event("extension", e.pk, e.approved_at, KIND_TAGS["extension"])
            for e in contract.extensions
        ]
        ended = contract_ended_at(contract)
        if ended:
            events.append(Event("ended", contract.pk, ended, codes.TAG_TERMINATION))
    if tender.status == TenderStatus.CANCELLED:
        when = max(tender.cancellations, default=tender.updated_at)
        events.append(Event("cancelled", tender.pk, when, codes.TAG_CANCELLATION))
    events.sort(key=lambda e: (e.date, KIND_ORDER[e.kind], e.obj_id))
    return events


# --- releases -------------------------------------------------------------------------------

AMENDABLE = ("submission_deadline", "clarification_deadline", "description", "estimated_value")


def release_id(ocid: str, event: Event) -> str:
    return f"{ocid}-{event.key}"


def releases_for(tender: TenderRow, only: set[str] | None = None) -> list[dict]:
    """Every release of the tender, oldest first; `only` keeps the events with those keys."""
    ocid = ocid_for(tender)
    events = tender_events(tender)
    cache = {"buyer": buyer_party(tender.commissioner), "providers": {}}
    cache["static"] = _static_tender(tender, cache["buyer"])
    releases = []
    for index, event in enumerate(events):
        if only is not None and event.key not in only:
            continue
        releases.append(_release(tender, ocid, events, index, cache))
    return releases


def _static_tender(tender: TenderRow, buyer: dict) -> dict:
    """The parts of `tender` that no event changes, built once for all its releases."""
    classification = (
        {"scheme": codes.CPV_SCHEME, "id": tender.cpv[0], "description": tender.cpv[1]}
        if tender.cpv
        else None
    )
    return {
        "id": tender.reference,
        "title": tender.title,
        "procuringEntity": {"id": buyer["id"], "name": buyer["name"]},
        "items": [
            _clean(
                {
                    "id": str(lot.number),
                    "description": lot.title,
                    "classification": classification,
                    "relatedLot": str(lot.number),
                }
            )
            for lot in tender.lots
        ],
        "procurementMethod": codes.PROCUREMENT_METHOD.get(tender.procedure),
        "procurementMethodDetails": tender.procedure_label,
        "mainProcurementCategory": codes.MAIN_PROCUREMENT_CATEGORY,
        "awardCriteria": codes.AWARD_CRITERIA,
        "awardCriteriaDetails": "; ".join(
            f"{title} ({kind.lower()}) {weight}%" for title, kind, weight in tender.criteria
        ),
        "submissionMethod": ["electronicSubmission"],
        "contractPeriod": {"durationInDays": round(tender.contract_term_months * 365.25 / 12)},
        "published": dt(tender.published_at or tender.created_at),
    }


def _release(tender: TenderRow, ocid: str, events: list[Event], index: int, cache: dict) -> dict:
    event = events[index]
    so_far = events[: index + 1]
    seen = {e.key for e in so_far}
    kinds = {e.kind for e in so_far}
    static = cache["static"]
    lots = tender.lots
    amendments = [a for a in tender.amendments if f"amendment-{a.pk}" in seen]
    fields = {name: getattr(tender, name) for name in AMENDABLE}
    for amendment in reversed(tender.amendments):
        if f"amendment-{amendment.pk}" in seen:
            break
        for name, change in amendment.changes.items():
            if name in fields:
                fields[name] = change.get("before")

    awards = {
        lot.pk: lot.award
        for lot in lots
        if lot.award is not None and f"award-{lot.award.pk}" in seen
    }
    contracts = [c for c in tender.contracts if f"contract-{c.pk}" in seen]
    contracted_awards = {c.award_id for c in contracts}
    closed = "closed" in kinds
    cancelled = "cancelled" in kinds
    all_decided = bool(lots) and len(awards) == len(lots)

    if cancelled:
        status = "cancelled"
    elif all_decided and all(a.status == AwardStatus.NOT_AWARDED for a in awards.values()):
        status = "unsuccessful"
    elif all_decided:
        status = "complete"
    else:
        status = "active"

    buyer = cache["buyer"]
    parties: dict[str, dict] = {buyer["id"]: buyer}
    built = cache["providers"]

    def add_party(provider, role):
        # The provider's party is built once per tender; each release gets its own roles.
        if provider.pk not in built:
            built[provider.pk] = provider_party(provider, set())
        base = built[provider.pk]
        party_id = base["id"]
        if party_id in parties:
            parties[party_id]["roles"] = sorted(set(parties[party_id]["roles"]) | {role})
        else:
            parties[party_id] = {**base, "roles": [role]}
        return {"id": party_id, "name": provider.name}

    tenderers = []
    if all_decided:
        tenderers = [add_party(p, "tenderer") for p in tender.bidders.values()]

    value = money(fields["estimated_value"])
    tender_data = {
        "id": static["id"],
        "title": static["title"],
        "description": fields["description"],
        "status": status,
        "procuringEntity": static["procuringEntity"],
        "items": static["items"],
        "lots": [_lot(lot, _lot_status(lot, awards, cancelled), cache) for lot in lots],
        "value": value,
        "procurementMethod": static["procurementMethod"],
        "procurementMethodDetails": static["procurementMethodDetails"],
        "mainProcurementCategory": static["mainProcurementCategory"],
        "awardCriteria": static["awardCriteria"],
        "awardCriteriaDetails": static["awardCriteriaDetails"],
        "submissionMethod": static["submissionMethod"],
        "tenderPeriod": _clean(
            {"startDate": static["published"], "endDate": dt(fields["submission_deadline"])}
        ),
        "enquiryPeriod": _clean(
            {"startDate": static["published"], "endDate": dt(fields["clarification_deadline"])}
        ),
        "contractPeriod": static["contractPeriod"],
        "numberOfTenderers": len(tender.bidders) if closed else None,
        "tenderers": tenderers,
        "amendments": [_amendment(ocid, a, events) for a in amendments],
    }

    award_data = []
    for lot in lots:
        award = awards.get(lot.pk)
        if award is None:
            continue
        if award.status == AwardStatus.NOT_AWARDED or award.provider is None:
            award_status, suppliers, award_value = "unsuccessful", [], None
        else:
            award_status = "active" if award.pk in contracted_awards else "pending"
            suppliers = [add_party(award.provider, "supplier")]
            award_value = money(award.price)
        award_data.append(
            _clean(
                {
                    "id": str(award.pk),
                    "title": f"Lot {lot.number}: {lot.title}",
                    "status": award_status,
                    "date": dt(award.decided_at),
                    "value": award_value,
                    "suppliers": suppliers,
                    "relatedLots": [str(lot.number)],
                }
            )
        )

    release = {
        "ocid": ocid,
        "id": release_id(ocid, event),
        "date": dt(event.date),
        "tag": [event.tag],
        "initiationType": "tender",
        "language": "en",
        "parties": list(parties.values()),
        "buyer": static["procuringEntity"],
        "planning": {"budget": _clean({"description": tender.title, "amount": value})},
        "tender": _clean(tender_data),
    }
    if award_data:
        release["awards"] = award_data
    if contracts:
        release["contracts"] = [_contract(c, seen) for c in contracts]
    return release


def _lot(lot, status: str, cache: dict) -> dict:
    key = ("lot", lot.pk, status)
    if key not in cache:
        cache[key] = _clean(
            {
                "id": str(lot.number),
                "title": lot.title,
                "description": lot.description,
                "value": money(lot.estimated_value),
                "status": status,
            }
        )
    return cache[key]


def _lot_status(lot, awards, cancelled) -> str:
    if cancelled:
        return "cancelled"
    award = awards.get(lot.pk)
    if award is None:
        return "active"
    return "unsuccessful" if award.status == AwardStatus.NOT_AWARDED else "complete"


def _amendment(ocid: str, amendment, events: list[Event]) -> dict:
    keys = [e.key for e in events]
    position = keys.index(f"amendment-{amendment.pk}")
    described = "; ".join(
        f"{name.replace('_', ' ')} changed from {change.get('before')} to {change.get('after')}"
        for name, change in amendment.changes.items()
    )
    return _clean(
        {
            "id": str(amendment.pk),
            "date": dt(amendment.amended_at),
            "rationale": amendment.rationale,
            "description": described,
            "amendsReleaseID": release_id(ocid, events[position - 1]) if position else None,
            "releaseID": release_id(ocid, events[position]),
        }
    )


def _contract(contract, seen: set[str]) -> dict:
    end_date = contract.end_date
    for extension in reversed(contract.extensions):
        if f"extension-{extension.pk}" not in seen:
            end_date = extension.previous_end_date
    ended = f"ended-{contract.pk}" in seen
    milestones = []
    for kpi in contract.kpis:
        for result in kpi.results:
            if f"kpi-{result.pk}" not in seen:
                continue
            status = codes.KPI_MILESTONE_STATUS.get(result.rating, "scheduled")
            rating = RATING_LABELS.get(result.rating, result.rating).lower()
            milestones.append(
                _clean(
                    {
                        "id": f"kpi-{result.pk}",
                        "title": f"{kpi.name}: {result.period_start} to {result.period_end}",
                        "type": codes.MILESTONE_TYPE_KPI,
                        "description": (
                            f"Result {result.value} {kpi.unit} against a target of "
                            f"{kpi.target} {kpi.unit} ({rating})"
                        ),
                        "dueDate": dt(result.period_end),
                        "dateModified": dt(result.submitted_at),
                        "dateMet": dt(result.submitted_at) if status == "met" else None,
                        "status": status,
                    }
                )
            )
    return _clean(
        {
            "id": str(contract.pk),
            "awardID": str(contract.award_id),
            "title": contract.title,
            "status": codes.CONTRACT_STATUS[contract.status] if ended else "active",
            "period": {"startDate": dt(contract.start_date), "endDate": dt(end_date)},
            "value": money(contract.value),
            "dateSigned": dt(contract.created_at),
            "implementation": {"milestones": milestones} if milestones else None,
        }
    )


# --- compiling ------------------------------------------------------------------------------

OMIT_WHEN_MERGED = ("id", "date", "tag")


def _merge_into(target: dict, source: dict) -> dict:
    for key, value in source.items():
        current = target.get(key)
        if isinstance(value, dict):
            target[key] = _merge_into(dict(current) if isinstance(current, dict) else {}, value)
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(item, dict) and "id" in item for item in value)
        ):
            merged = {}
            for item in current if isinstance(current, list) else []:
                if isinstance(item, dict) and "id" in item:
                    merged[item["id"]] = item
            for item in value:
                merged[item["id"]] = _merge_into(dict(merged.get(item["id"], {})), item)
            target[key] = list(merged.values())
        else:
            target[key] = value
    return target


def compile_releases(releases: list[dict]) -> dict:
    """The compiled release: later releases override fields; arrays of objects with an `id`
    merge by id (a simple form of the OCDS merge routine)."""
    ordered = sorted(releases, key=lambda r: r["date"])
    compiled: dict = {}
    for release in ordered:
        _merge_into(compiled, {k: v for k, v in release.items() if k not in OMIT_WHEN_MERGED})
    last = ordered[-1]
    return {
        "ocid": last["ocid"],
        "id": f"{last['id']}-compiled",
        "date": last["date"],
        "tag": [codes.TAG_COMPILED],
        **{k: v for k, v in compiled.items() if k != "ocid"},
    }


def record_for(tender: TenderRow) -> dict:
    releases = releases_for(tender)
    return {
        "ocid": ocid_for(tender),
        "releases": releases,
        "compiledRelease": compile_releases(releases),
    }


# --- packages -------------------------------------------------------------------------------


def publisher() -> dict:
    return _clean({"name": settings.OCDS_PUBLISHER_NAME, "uri": settings.OCDS_PUBLISHER_URI})


def package_metadata(uri: str, published_date: str | None = None) -> dict:
    """A package's metadata. `published_date` is the newest release's date when there is one,
    so the same data always makes the same bytes (and the same ETag)."""
    return {
        "uri": uri,
        "version": codes.VERSION,
        "extensions": [codes.LOTS_EXTENSION],
        "publishedDate": published_date or dt(timezone.now()),
        "publisher": publisher(),
    }


def release_package(releases: list[dict], *, uri: str, links: dict | None = None) -> dict:
    newest = max((r["date"] for r in releases), default=None)
    package = {**package_metadata(uri, newest), "releases": releases}
    if links:
        package["links"] = links
    return package


def record_package(records: list[dict], *, uri: str) -> dict:
    newest = max((r["compiledRelease"]["date"] for r in records), default=None)
    return {**package_metadata(uri, newest), "records": records}


def public_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path
