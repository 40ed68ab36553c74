"""Loading another system's OCDS data: a release package or a record package, into
commissioners, providers, tenders (with lots), awards and contracts.

Everything is checked before anything is written: the JSON, the package type, the OCDS 1.1.5
schema, and what our models need (a buyer with an org-id, a region, ...). Any problem refuses
the whole file with a clear message; otherwise the import runs in one transaction.

Idempotent on ocid and release id: a release already imported is skipped and reported. A
process seen before, with new releases, is brought up to date (lots, awards and contracts it
does not have yet are added; its status moves on). Imported tenders keep their foreign ocid
and are republished under it. What cannot be imported (bid contents were never published;
KPI milestones have no targets) is reported, not invented.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from core.choices import Region
from core.validators import validate_org_id
from providers.choices import IdentifierScheme, LegalForm, ProviderKind, SizeBand
from providers.models import ProviderIdentifier, ProviderOrganisation, identifier_problem

from ..choices import (
    AwardStatus,
    BidStatus,
    CommissionerKind,
    ContractStatus,
    Procedure,
    TenderStatus,
)
from ..models import (
    Award,
    Bid,
    CommissionerOrganisation,
    Contract,
    CpvCode,
    Lot,
    OcdsImportedRelease,
    OcdsImportedTender,
    Tender,
)
from . import build, codes, validate

IMPORT_USER_EMAIL = "ocds-import@civicmarkets.invalid"
MAX_PROBLEMS_SHOWN = 20


class ImportRefused(Exception):
    """The file was refused: nothing was imported."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self):
        shown = self.problems[:MAX_PROBLEMS_SHOWN]
        more = len(self.problems) - len(shown)
        lines = [self.message, *(f"  - {p}" for p in shown)]
        if more > 0:
            lines.append(f"  ... and {more} more")
        return "\n".join(lines)


@dataclass
class ImportReport:
    created: Counter = field(default_factory=Counter)
    releases_imported: int = 0
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        made = ", ".join(f"{n} {what}" for what, n in sorted(self.created.items())) or "nothing"
        return (
            f"{self.releases_imported} releases imported, {len(self.skipped)} skipped; "
            f"created {made}"
        )


# --- reading and checking -----------------------------------------------------------------


def parse(text: str | bytes) -> dict:
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise ImportRefused(f"The file is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ImportRefused("The file is not an OCDS package: its top level is not an object.")
    return data


def package_kind(data: dict) -> str:
    if "releases" in data and "records" not in data:
        return "release-package"
    if "records" in data and "releases" not in data:
        return "record-package"
    raise ImportRefused(
        "Unknown package type: expected an OCDS release package (with `releases`) or record "
        "package (with `records`)."
    )


def releases_in(data: dict, kind: str) -> list[dict]:
    if kind == "release-package":
        return list(data["releases"])
    releases = []
    for record in data["records"]:
        embedded = [r for r in record.get("releases", []) if "url" not in r]
        if embedded:
            releases += embedded
        elif record.get("compiledRelease"):
            # Linked releases only: the compiled release stands for them.
            releases.append(record["compiledRelease"])
        else:
            raise ImportRefused(
                f"Record {record.get('ocid')} has neither embedded releases nor a compiled "
                "release: there is nothing to import."
            )
    return releases


def check_schema(data: dict, kind: str) -> None:
    problems = validate.errors(data, kind)
    if kind == "record-package" and not problems:
        for release in releases_in(data, kind):
            problems += [
                f"release {release.get('id')}: {p}" for p in validate.release_errors(release)
            ]
    if problems:
        raise ImportRefused(
            f"The file is not a valid OCDS 1.1.5 {kind.replace('-', ' ')}; nothing was imported.",
            problems,
        )


# --- values -------------------------------------------------------------------------------


def _when(value):
    return parse_datetime(value) if isinstance(value, str) else None


def _amount(value) -> Decimal | None:
    if not isinstance(value, dict) or value.get("amount") is None:
        return None
    try:
        return Decimal(str(value["amount"])).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _org_id(party: dict) -> str | None:
    identifier = party.get("identifier") or {}
    if identifier.get("scheme") and identifier.get("id"):
        return f"{identifier['scheme']}-{identifier['id']}"
    return None


def _region(party: dict, default: str | None) -> str | None:
    details = party.get("details") or {}
    if details.get("region") in Region.values:
        return details["region"]
    label = (party.get("address") or {}).get("region")
    for region in Region:
        if label and label.lower() == region.label.lower():
            return region.value
    return default


def _choice(value, choices, default):
    return value if value in choices.values else default


def _lot_key(ocds_lot_id, index: int) -> int:
    text = str(ocds_lot_id)
    return int(text) if text.isdigit() and 0 < int(text) < 30000 else index


# --- planning: everything is checked before anything is written ---------------------------


@dataclass
class Plan:
    ocid: str
    releases: list[dict]
    compiled: dict
    buyer: dict
    region: str
    existing: OcdsImportedTender | None = None
    new_releases: list[dict] = field(default_factory=list)


def plan(releases: list[dict], report: ImportReport, *, default_region=None) -> list[Plan]:
    by_ocid: dict[str, list[dict]] = defaultdict(list)
    for release in releases:
        by_ocid[release["ocid"]].append(release)
    problems, plans = [], []
    existing = {i.ocid: i for i in OcdsImportedTender.objects.filter(ocid__in=by_ocid)}
    done = defaultdict(set)
    for ocid, release_id in OcdsImportedRelease.objects.filter(
        imported_tender__ocid__in=by_ocid
    ).values_list("imported_tender__ocid", "release_id"):
        done[ocid].add(release_id)
    for ocid, group in by_ocid.items():
        group.sort(key=lambda r: r["date"])
        ours = build.tender_id_from_ocid(ocid)
        if (
            ocid not in existing
            and ours is not None
            and Tender.objects.filter(pk=ours, ocds_import__isnull=True).exists()
        ):
            report.skipped += [
                f"{ocid} {r['id']}: this platform's own tender {ours}, not imported" for r in group
            ]
            continue
        new = list({r["id"]: r for r in group if r["id"] not in done[ocid]}.values())
        report.skipped += [
            f"{ocid} {r['id']}: already imported" for r in group if r["id"] in done[ocid]
        ]
        if not new:
            continue
        compiled = build.compile_releases(group)
        parties = {p.get("id"): p for p in compiled.get("parties", [])}
        buyer_ref = compiled.get("buyer") or (compiled.get("tender") or {}).get("procuringEntity")
        buyer = parties.get((buyer_ref or {}).get("id")) or next(
            (p for p in parties.values() if "buyer" in p.get("roles", [])), None
        )
        if buyer is None:
            problems.append(f"{ocid}: no buyer (a party with the role buyer)")
            continue
        org_id = _org_id(buyer)
        try:
            validate_org_id(org_id or "")
        except ValidationError:
            problems.append(
                f"{ocid}: the buyer {buyer.get('name')!r} has no identifier in org-id form "
                f"(scheme and id, like GB-LAE-MAN): {org_id!r}"
            )
            continue
        region = _region(buyer, default_region)
        if region is None:
            problems.append(
                f"{ocid}: the buyer {buyer.get('name')!r} has no UK region we recognise: "
                "pass --default-region"
            )
            continue
        if not (compiled.get("tender") or {}).get("title"):
            problems.append(f"{ocid}: the tender has no title")
            continue
        for contract in compiled.get("contracts", []):
            period = contract.get("period") or {}
            if not (_when(period.get("startDate")) and _when(period.get("endDate"))):
                problems.append(
                    f"{ocid}: contract {contract.get('id')} has no period start and end"
                )
        plans.append(
            Plan(ocid, group, compiled, buyer, region, existing.get(ocid), new_releases=new)
        )
    if problems:
        raise ImportRefused("The data cannot be imported as it is; nothing was imported.", problems)
    return plans


# --- writing ------------------------------------------------------------------------------


def import_user() -> User:
    user, created = User.objects.get_or_create(
        email=IMPORT_USER_EMAIL, defaults={"full_name": "OCDS import", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _commissioner(plan: Plan, report: ImportReport) -> CommissionerOrganisation:
    org_id = _org_id(plan.buyer)
    found = CommissionerOrganisation.objects.filter(identifier=org_id).first()
    if found is None:
        found = CommissionerOrganisation.objects.filter(
            name__iexact=plan.buyer.get("name", "")
        ).first()
    if found is not None:
        return found
    details = plan.buyer.get("details") or {}
    report.created["commissioners"] += 1
    return CommissionerOrganisation.objects.create(
        name=(plan.buyer.get("name") or org_id)[:200],
        kind=_choice(details.get("kind"), CommissionerKind, CommissionerKind.LOCAL_AUTHORITY),
        identifier=org_id,
        region=plan.region,
        contact_email=((plan.buyer.get("contactPoint") or {}).get("email") or "")[:254],
    )


def _provider(party: dict, report: ImportReport) -> ProviderOrganisation:
    identifiers = [party.get("identifier") or {}, *party.get("additionalIdentifiers", [])]
    usable = []
    for identifier in identifiers:
        scheme, value = identifier.get("scheme"), str(identifier.get("id") or "")
        if scheme in IdentifierScheme.values and not identifier_problem(scheme, value):
            usable.append((scheme, value))
    for scheme, value in usable:
        known = ProviderIdentifier.objects.filter(scheme=scheme, value=value).first()
        if known:
            return known.provider
    name = (party.get("name") or _org_id(party) or str(party.get("id")))[:200]
    found = ProviderOrganisation.objects.filter(name__iexact=name).first()
    if found:
        return found
    details = party.get("details") or {}
    scale = {"sme": SizeBand.SMALL, "large": SizeBand.LARGE}.get(details.get("scale"))
    provider = ProviderOrganisation.objects.create(
        name=name,
        kind=_choice(details.get("kind"), ProviderKind, ProviderKind.PRIVATE),
        legal_form=_choice(details.get("legalForm"), LegalForm, LegalForm.COMPANY),
        size_band=_choice(details.get("sizeBand"), SizeBand, scale or SizeBand.MEDIUM),
        postcode=((party.get("address") or {}).get("postalCode") or "")[:10],
    )
    for scheme, value in usable:
        ProviderIdentifier.objects.get_or_create(provider=provider, scheme=scheme, value=value)
    report.created["providers"] += 1
    return provider


def _status(compiled: dict) -> str:
    tender = compiled.get("tender") or {}
    if tender.get("status") in ("cancelled", "withdrawn"):
        return TenderStatus.CANCELLED
    if compiled.get("contracts"):
        return TenderStatus.CONTRACTED
    if compiled.get("awards"):
        return TenderStatus.AWARDED
    end = _when((tender.get("tenderPeriod") or {}).get("endDate"))
    if tender.get("numberOfTenderers") is not None or (end and end <= timezone.now()):
        return TenderStatus.CLOSED
    return TenderStatus.PUBLISHED


def _tender(plan: Plan, commissioner, user, report: ImportReport) -> Tender:
    data = plan.compiled.get("tender") or {}
    tender_period = data.get("tenderPeriod") or {}
    enquiry_period = data.get("enquiryPeriod") or {}
    submission = _when(tender_period.get("endDate"))
    clarification = _when(enquiry_period.get("endDate"))
    if clarification and submission and clarification >= submission:
        clarification = None
    classification = next(
        (
            item["classification"]
            for item in data.get("items", [])
            if (item.get("classification") or {}).get("scheme") == codes.CPV_SCHEME
            and item["classification"].get("id")
        ),
        None,
    )
    cpv = None
    if classification:
        cpv, _ = CpvCode.objects.get_or_create(
            code=str(classification["id"])[:10],
            defaults={"description": (classification.get("description") or "")[:255]},
        )
    days = (data.get("contractPeriod") or {}).get("durationInDays")
    months = min(240, max(1, round(days * 12 / 365.25))) if isinstance(days, int) else 12
    value = _amount(data.get("value")) or _amount(
        (plan.compiled.get("planning") or {}).get("budget", {}).get("amount")
    )
    status = _status(plan.compiled)
    fields = {
        "title": data["title"][:200],
        "description": data.get("description") or data["title"],
        "main_cpv": cpv,
        "region": plan.region,
        "procedure": codes.PROCEDURE_FROM_METHOD.get(data.get("procurementMethod"), Procedure.OPEN),
        "estimated_value": value if value is not None else Decimal("0.00"),
        "contract_term_months": months,
        "extension_option_months": [],
        "clarification_deadline": clarification,
        "submission_deadline": submission,
        "status": status,
        "cancellation_reason": "Cancelled (imported)" if status == TenderStatus.CANCELLED else "",
        "published_at": _when(tender_period.get("startDate")) or _when(plan.releases[0]["date"]),
        "closed_at": submission if status not in (TenderStatus.PUBLISHED,) and submission else None,
    }
    if plan.existing is not None:
        tender = plan.existing.tender
        for name, value in fields.items():
            setattr(tender, name, value)
        tender.save()
        report.created["tenders updated"] += 1
        return tender
    tender = Tender.objects.create(commissioner=commissioner, created_by=user, **fields)
    plan.existing = OcdsImportedTender.objects.create(tender=tender, ocid=plan.ocid)
    report.created["tenders"] += 1
    return tender


def _lots(plan: Plan, tender: Tender, report: ImportReport) -> dict[str, Lot]:
    data = plan.compiled.get("tender") or {}
    lots = data.get("lots") or [{"id": "1", "title": data["title"], "value": data.get("value")}]
    have = {lot.number: lot for lot in tender.lots.all()}
    by_id = {}
    for index, ocds_lot in enumerate(lots, start=1):
        number = _lot_key(ocds_lot.get("id"), index)
        lot = have.get(number)
        if lot is None:
            lot = Lot.objects.create(
                tender=tender,
                number=number,
                title=(ocds_lot.get("title") or f"Lot {number}")[:200],
                description=ocds_lot.get("description") or "",
                estimated_value=_amount(ocds_lot.get("value")) or Decimal("0.00"),
            )
            report.created["lots"] += 1
        by_id[str(ocds_lot.get("id"))] = lot
    return by_id


def _awards(plan, tender, lots, user, report) -> dict[str, Award]:
    parties = {p.get("id"): p for p in plan.compiled.get("parties", [])}
    for party in parties.values():
        if "tenderer" in party.get("roles", []) or "supplier" in party.get("roles", []):
            _provider(party, report)
    contracted = {str(c.get("awardID")) for c in plan.compiled.get("contracts", [])}
    first_lot = next(iter(lots.values()))
    by_id = {}
    for data in plan.compiled.get("awards", []):
        award_id = str(data["id"])
        if data.get("status") == "cancelled":
            report.skipped.append(f"{plan.ocid} award {award_id}: cancelled, not imported")
            continue
        related = data.get("relatedLots") or []
        lot = lots.get(str(related[0])) if related else first_lot
        if lot is None:
            report.skipped.append(f"{plan.ocid} award {award_id}: its lot is not in the tender")
            continue
        existing = Award.objects.filter(lot=lot).first()
        if existing is not None:
            by_id[award_id] = existing
            continue
        decided_at = _when(data.get("date")) or _when(plan.releases[-1]["date"])
        suppliers = data.get("suppliers") or []
        if data.get("status") == "unsuccessful" or not suppliers:
            award = Award.objects.create(
                lot=lot,
                status=AwardStatus.NOT_AWARDED,
                reason="Not awarded (imported)",
                decided_by=user,
                decided_at=decided_at,
            )
        else:
            party = parties.get(suppliers[0].get("id")) or suppliers[0]
            provider = _provider(party, report)
            bid = Bid.objects.create(
                tender=tender,
                lot=lot,
                provider=provider,
                status=BidStatus.SUBMITTED,
                sealed_contents=b"",  # imported: the bid's contents were never published
                submitted_by=user,
                submitted_at=decided_at,
                updated_at=decided_at,
                opened_price=_amount(data.get("value")),
            )
            award = Award.objects.create(
                lot=lot,
                bid=bid,
                status=AwardStatus.CONTRACTED if award_id in contracted else AwardStatus.STANDSTILL,
                decided_by=user,
                decided_at=decided_at,
                standstill_ends_at=decided_at,
            )
        report.created["awards"] += 1
        by_id[award_id] = award
    return by_id


def _contracts(plan, tender, awards, user, report) -> None:
    today = timezone.localdate()
    for data in plan.compiled.get("contracts", []):
        award = awards.get(str(data.get("awardID")))
        if award is None or award.bid_id is None:
            report.skipped.append(
                f"{plan.ocid} contract {data.get('id')}: its award {data.get('awardID')} was "
                "not imported"
            )
            continue
        if data.get("status") in ("pending", "cancelled"):
            report.skipped.append(
                f"{plan.ocid} contract {data.get('id')}: {data['status']}, not imported"
            )
            continue
        if Contract.objects.filter(award=award).exists():
            continue
        period = data["period"]
        start = _when(period["startDate"]).date()
        end = _when(period["endDate"]).date()
        if end <= start:
            end = start + timedelta(days=1)
        status = ContractStatus.ACTIVE
        if data.get("status") == "terminated":
            status = ContractStatus.EXPIRED if end <= today else ContractStatus.TERMINATED
        value = _amount(data.get("value")) or award.bid.opened_price or Decimal("0.00")
        Contract.objects.create(
            commissioner=tender.commissioner,
            provider=award.bid.provider,
            tender=tender,
            lot=award.lot,
            award=award,
            title=(data.get("title") or f"{tender.title}: {award.lot.title}")[:300],
            value=value,
            start_date=start,
            end_date=end,
            status=status,
            created_by=user,
        )
        if award.status != AwardStatus.CONTRACTED:
            Award.objects.filter(pk=award.pk).update(status=AwardStatus.CONTRACTED)
        report.created["contracts"] += 1
        if (data.get("implementation") or {}).get("milestones"):
            report.notes.append(
                f"{plan.ocid} contract {data.get('id')}: implementation milestones are not "
                "imported (they carry no KPI targets)"
            )


def import_package(text: str | bytes, *, default_region: str | None = None) -> ImportReport:
    """Imports an OCDS package (JSON text); raises ImportRefused, importing nothing, when the
    file or its data cannot be imported."""
    data = parse(text)
    kind = package_kind(data)
    check_schema(data, kind)
    releases = releases_in(data, kind)
    report = ImportReport()
    with transaction.atomic():
        plans = plan(releases, report, default_region=default_region)
        if not plans:
            return report
        user = import_user()
        for item in plans:
            commissioner = _commissioner(item, report)
            tender = _tender(item, commissioner, user, report)
            lots = _lots(item, tender, report)
            awards = _awards(item, tender, lots, user, report)
            _contracts(item, tender, awards, user, report)
            OcdsImportedRelease.objects.bulk_create(
                [
                    OcdsImportedRelease(
                        imported_tender=item.existing,
                        release_id=release["id"],
                        release_date=_when(release["date"]),
                    )
                    for release in item.new_releases
                ]
            )
            report.releases_imported += len(item.new_releases)
    return report
