"""Sealed bids: providers submit, change and withdraw them until the submission deadline.

A bid's contents (price, answers, consortium partners, its documents' names) are sealed under
the tender's key before they reach the database, and each document's name and bytes are
sealed too. The audit log says only that a bid was submitted, changed or withdrawn and for
which lot: the log is readable before the deadline, and the bids must not be.

Every function locks the tender's row before it reads the clock, and `tender_close` takes the
same lock, so a bid cannot slip in while the tender closes; the deadline is judged by the
database's clock, whatever the provider's browser shows.
"""

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import dateformat, timezone

from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.permissions import Action
from core.services import audit_record
from core.statemachine import StateMachine
from core.uploads import check_upload
from providers.models import ProviderOrganisation
from providers.selectors import exclusion_in_force, pending_details_change

from .. import sealing
from ..choices import BidStatus, CriterionKind, PartnerKind, TenderStatus
from ..eligibility import reservation_refusal
from ..models import Bid, BidDocument, Lot, Tender
from ..permissions import BID, bid_policy, is_bidder, lot_bidding_policy

# A bid is either live or withdrawn; a withdrawn bid stays on record and a new one can be made.
# A live bid found at closing not to qualify for its reserved lot becomes ineligible.
BID_STATES = StateMachine(
    field="status",
    transitions={BidStatus.SUBMITTED: {BidStatus.WITHDRAWN, BidStatus.INELIGIBLE}},
)

MAX_DOCUMENTS = 10
MAX_PARTNERS = 20
MAX_ANSWER_CHARACTERS = 10_000
MAX_PARTNER_NAME_CHARACTERS = 200
# Bid.opened_price has 14 digits, 2 of them pence.
MAX_PRICE = Decimal("999999999999.99")
ALREADY_BID = "You have already bid for this lot: change or withdraw that bid"


# --- who may bid, and when ----------------------------------------------------------------


def closed_refusal(tender: Tender, *, now) -> str | None:
    """Why no bid on `tender` can be made, changed or withdrawn at `now`; None while open."""
    if tender.status != TenderStatus.PUBLISHED:
        return (
            f"This tender is {tender.get_status_display().lower()}: "
            "bids can no longer be made, changed or withdrawn."
        )
    if now >= tender.submission_deadline:
        return (
            f"The submission deadline passed at {_when(tender.submission_deadline)}: "
            "bids can no longer be made, changed or withdrawn."
        )
    return None


def eligibility_refusal(*, provider: ProviderOrganisation, lot: Lot, now) -> str | None:
    """Why `provider` may not bid for `lot` at `now`, in its users' words; None if it may."""
    refusal = closed_refusal(lot.tender, now=now)
    if refusal:
        return refusal
    if not provider.is_verified:
        return (
            "Your organisation is not verified yet, so it cannot bid. You can still read "
            "tenders and ask clarification questions while platform staff verify it."
        )
    # Judged on the database's date, like the deadline.
    exclusion = exclusion_in_force(provider)
    if exclusion is not None:
        return (
            "Your organisation is excluded from bidding until "
            f"{dateformat.format(exclusion.ends_on, 'j F Y')}."
        )
    return _reservation_refusal(provider, lot)


def _reservation_refusal(provider: ProviderOrganisation, lot: Lot) -> str | None:
    if not lot.reservation:
        return None
    return reservation_refusal(provider=provider, lot=lot, pending=pending_details_change(provider))


def bid_is_changeable(bid: Bid, *, now) -> bool:
    """Whether the bidder can still change or withdraw `bid` (for showing the links)."""
    return bid.status == BidStatus.SUBMITTED and closed_refusal(bid.tender, now=now) is None


def _when(moment) -> str:
    return dateformat.format(timezone.localtime(moment), "j F Y, H:i")


# --- the changes ----------------------------------------------------------------------------


@transaction.atomic
def bid_submit(
    *, lot: Lot, actor, price, answers: dict, partners: list[dict], documents: list
) -> Bid:
    """Seals and stores a provider's bid for one lot.

    `answers` maps each quality and social value criterion's id to the answer's text;
    `partners` lists consortium partners, each {"provider_id": id} for a registered provider
    or {"name": ..., "kind": PartnerKind} for one that is not; `documents` are uploaded files.
    """
    if not is_bidder(actor):
        raise NotPermitted(lot_bidding_policy.refusals[BID])
    tender = Tender.objects.select_for_update(of=("self",), no_key=True).get(pk=lot.tender_id)
    lot = Lot.objects.get(pk=lot.pk)
    lot.tender = tender
    provider = ProviderOrganisation.objects.get(pk=actor.provider_id)
    now = db_now()
    refusal = eligibility_refusal(provider=provider, lot=lot, now=now)
    if refusal:
        raise DomainError(refusal)
    bid = Bid(
        tender=tender,
        lot=lot,
        provider=provider,
        status=BidStatus.SUBMITTED,
        # Sealed below, once the documents have ids; the transaction never commits it empty.
        sealed_contents=b"",
        submitted_by=actor,
        submitted_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            bid.save()
    except IntegrityError:
        raise DomainError(ALREADY_BID) from None
    contents, uploads = _checked_contents(
        tender=tender,
        provider=provider,
        price=price,
        answers=answers,
        partners=partners,
        documents=documents,
        documents_kept=0,
    )
    contents["documents"] = _store_documents(bid, uploads)
    bid.sealed_contents = sealing.seal(tender, contents)
    bid.save(update_fields=["sealed_contents"])
    audit_record(actor=actor, action="bid.submitted", target=bid, after=_audit_facts(bid))
    return bid


@transaction.atomic
def bid_update(
    *,
    bid: Bid,
    actor,
    price,
    answers: dict,
    partners: list[dict],
    documents: list = (),
    remove_documents: list = (),
) -> Bid:
    """Re-seals a live bid with new contents; `documents` are added, `remove_documents` (public
    ids of the bid's documents) are deleted."""
    tender, bid = _lock(bid, actor=actor)
    if bid.status != BidStatus.SUBMITTED:
        raise DomainError(
            "This bid was withdrawn, so it cannot be changed. You can make a new bid for the "
            "lot until the deadline."
        )
    now = db_now()
    refusal = eligibility_refusal(provider=bid.provider, lot=bid.lot, now=now)
    if refusal:
        raise DomainError(refusal)
    previous = sealing.own_bid_contents(bid, bid.provider)
    # The sealed contents name documents by their internal ids.
    removing = set(
        bid.documents.filter(public_id__in=list(remove_documents)).values_list("pk", flat=True)
    )
    kept = [d for d in previous.get("documents", []) if d["id"] not in removing]
    contents, uploads = _checked_contents(
        tender=tender,
        provider=bid.provider,
        price=price,
        answers=answers,
        partners=partners,
        documents=documents,
        documents_kept=len(kept),
    )
    bid.documents.filter(pk__in=removing).delete()
    contents["documents"] = kept + _store_documents(bid, uploads)
    bid.sealed_contents = sealing.seal(tender, contents)
    bid.updated_at = now
    bid.save(update_fields=["sealed_contents", "updated_at"])
    audit_record(actor=actor, action="bid.changed", target=bid, after=_audit_facts(bid))
    return bid


@transaction.atomic
def bid_withdraw(*, bid: Bid, actor) -> Bid:
    tender, bid = _lock(bid, actor=actor)
    now = db_now()
    refusal = closed_refusal(tender, now=now)
    if refusal:
        raise DomainError(refusal)
    previous = BID_STATES.move(bid, BidStatus.WITHDRAWN)
    bid.withdrawn_at = bid.updated_at = now
    bid.save(update_fields=["status", "withdrawn_at", "updated_at"])
    audit_record(
        actor=actor,
        action="bid.withdrawn",
        target=bid,
        before={"status": previous},
        after={"status": bid.status, **_audit_facts(bid)},
    )
    return bid


def _lock(bid: Bid, *, actor) -> tuple[Tender, Bid]:
    # The tender first, as tender_close does, so the two always queue in the same order.
    tender = Tender.objects.select_for_update(of=("self",), no_key=True).get(pk=bid.tender_id)
    bid = (
        Bid.objects.select_for_update(of=("self",), no_key=True)
        .select_related("lot", "provider")
        .get(pk=bid.pk)
    )
    bid.tender = bid.lot.tender = tender
    if not bid_policy.can(actor, bid, Action.CHANGE):
        raise NotPermitted(bid_policy.refusals[Action.CHANGE])
    return tender, bid


def _audit_facts(bid: Bid) -> dict:
    """What the audit log may say about a bid before the deadline: never its contents."""
    return {"tender": bid.tender.reference, "lot": bid.lot.number}


# --- checking what the provider entered -----------------------------------------------------


def _checked_contents(
    *, tender, provider, price, answers, partners, documents, documents_kept: int
) -> tuple[dict, list]:
    """The bid's contents, ready to seal, and its checked uploads; or a DomainError naming
    every problem at once, by field."""
    problems: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    checked_price = _checked_price(price, problem)
    checked_answers = _checked_answers(tender, answers or {}, problem)
    checked_partners = _checked_partners(provider, partners or [], problem)
    uploads = []
    documents = [d for d in documents or [] if d]
    if documents_kept + len(documents) > MAX_DOCUMENTS:
        problem("documents", f"A bid can have up to {MAX_DOCUMENTS} documents")
    else:
        for uploaded in documents:
            try:
                uploads.append(check_upload(uploaded, field="documents"))
            except DomainError as error:
                name = (uploaded.name or "The file").rsplit("/", 1)[-1]
                problem("documents", error.message.replace("The selected file", name, 1))
    if problems:
        raise DomainError(
            "Your bid has not been saved: check the answers shown.", field_errors=problems
        )
    contents = {
        "price": str(checked_price),
        "answers": checked_answers,
        "partners": checked_partners,
    }
    return contents, uploads


def _checked_price(price, problem) -> Decimal | None:
    text = str(price if price is not None else "").strip().replace(",", "").lstrip("£").strip()
    if not text:
        problem("price", "Enter your price for this lot")
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        problem("price", "Enter your price as an amount in pounds, like 125000 or 125000.50")
        return None
    if amount <= 0:
        problem("price", "Your price must be more than £0")
        return None
    if amount.as_tuple().exponent < -2:
        problem("price", "Your price can have no more than 2 decimal places (pence)")
        return None
    if amount > MAX_PRICE:
        problem("price", "Your price must be less than £1,000,000,000,000")
        return None
    return amount.quantize(Decimal("0.01"))


def _checked_answers(tender, answers: dict, problem) -> dict[str, str]:
    given = {str(key): (value or "").strip() for key, value in answers.items()}
    checked = {}
    for criterion in tender.criteria.exclude(kind=CriterionKind.PRICE).order_by("id"):
        text = given.get(str(criterion.pk), "")
        field = f"answer_{criterion.pk}"
        if not text:
            problem(field, f"Enter your answer to ‘{criterion.title}’")
        elif len(text) > MAX_ANSWER_CHARACTERS:
            problem(
                field,
                f"Your answer to ‘{criterion.title}’ must be {MAX_ANSWER_CHARACTERS:,} "
                f"characters or fewer (it has {len(text):,})",
            )
        else:
            checked[str(criterion.pk)] = text
    return checked


def _checked_partners(provider, partners: list[dict], problem) -> list[dict]:
    if len(partners) > MAX_PARTNERS:
        problem("partners", f"A consortium can have up to {MAX_PARTNERS} partners")
        return []
    wanted_ids = [p.get("provider_id") for p in partners if "provider_id" in p]
    try:
        registered = ProviderOrganisation.objects.in_bulk([int(pk) for pk in wanted_ids])
    except (TypeError, ValueError):
        registered = {}
    checked, seen = [], set()
    for partner in partners:
        if "provider_id" in partner:
            try:
                found = registered.get(int(partner["provider_id"]))
            except (TypeError, ValueError):
                found = None
            if found is None:
                problem("partners", "Choose consortium partners from the registered providers")
            elif found.pk == provider.pk:
                problem("partners", "Your own organisation cannot be its own consortium partner")
            elif found.pk not in seen:
                seen.add(found.pk)
                checked.append({"provider_id": found.pk, "name": found.name})
            continue
        name = (partner.get("name") or "").strip()
        kind = partner.get("kind") or ""
        if not name:
            problem("named_partners", "Enter the name of each community or volunteer partner")
        elif len(name) > MAX_PARTNER_NAME_CHARACTERS:
            problem(
                "named_partners",
                f"A partner's name must be {MAX_PARTNER_NAME_CHARACTERS} characters or fewer",
            )
        elif kind not in PartnerKind.values:
            problem("named_partners", f"Choose what kind of group {name} is")
        else:
            checked.append({"name": name, "kind": kind})
    return checked


def _store_documents(bid: Bid, uploads) -> list[dict]:
    """Stores each checked upload sealed, name and bytes alike; returns the entries the sealed
    contents list, so the bidder can see its documents' names before the deadline."""
    entries = []
    for upload in uploads:
        document = BidDocument.objects.create(
            bid=bid,
            sealed_name=sealing.seal_bytes(bid.tender, upload.name.encode()),
            sealed_content=sealing.seal_bytes(bid.tender, upload.content),
            content_type=upload.content_type,
            size=upload.size,
        )
        entries.append({"id": document.pk, "name": upload.name, "size": upload.size})
    return entries


def document_label(entry: dict) -> str:
    """A document as its bidder sees it listed: "method-statement.pdf (1.2 MB)"."""
    return f"{entry['name']} ({filesizeformat(entry['size'])})"


# --- closing ----------------------------------------------------------------------------------


def bids_recheck_at_closing(*, tender: Tender, bids: list[Bid], actor=None) -> list[Bid]:
    """Judges each live bid on a reserved lot again as its tender closes (`tender_close`
    holds the tender's lock): a provider's kind, legal form or size may have changed since it
    bid. A bid that no longer qualifies becomes ineligible, with a reason its bidder and the
    panel read, and is never opened for scoring. Returns the bids that still qualify."""
    from core.services import outbox_enqueue
    from providers.selectors import pending_details_changes_by_provider

    from ..eligibility import closing_refusal

    reserved = [bid for bid in bids if bid.lot.reservation]
    if not reserved:
        return bids
    providers = ProviderOrganisation.objects.in_bulk({bid.provider_id for bid in reserved})
    pending = pending_details_changes_by_provider(providers)
    ineligible = set()
    for bid in reserved:
        reason = closing_refusal(
            provider=providers[bid.provider_id], lot=bid.lot, pending=pending.get(bid.provider_id)
        )
        if reason is None:
            continue
        previous = BID_STATES.move(bid, BidStatus.INELIGIBLE)
        bid.ineligible_reason = reason
        bid.save(update_fields=["status", "ineligible_reason"])
        ineligible.add(bid.pk)
        audit_record(
            actor=actor,
            action="bid.ineligible",
            target=bid,
            before={"status": previous},
            after={"status": bid.status, "lot": bid.lot.number, "reason": reason},
        )
        if bid.submitted_by.is_active:
            outbox_enqueue(
                to=bid.submitted_by.email,
                subject=f"Your bid is not eligible: {tender.title}",
                body=f"{tender.reference} {tender.title} has closed.\n\n{reason}\n",
            )
    return [bid for bid in bids if bid.pk not in ineligible]
