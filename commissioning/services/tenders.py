"""Drafting, publishing and moving tenders through their state machine.

Every function takes the acting user, locks the tender row, checks the policy and the state
machine, and writes the status history and the audit log in one transaction. The deadline
checks use the database's clock.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum

from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.inputs import single_line_problem
from core.permissions import Action
from core.services import audit_record, outbox_enqueue, snapshot
from core.services_audit import audit_hold_release
from core.uploads import check_upload

from .. import sealing
from ..choices import (
    MINIMUM_SOCIAL_VALUE_WEIGHT,
    MINIMUM_TENDER_PERIOD_DAYS,
    CriterionKind,
    TenderStatus,
)
from ..models import (
    TENDER_STATES,
    Bid,
    EvaluationCriterion,
    Lot,
    PanelMember,
    Tender,
    TenderDocument,
    TenderKey,
    TenderStatusChange,
)
from ..permissions import tender_policy
from .bids import bids_recheck_at_closing

DRAFT_FIELDS = (
    "title",
    "description",
    "main_cpv",
    "region",
    "procedure",
    "estimated_value",
    "contract_term_months",
    "extension_option_months",
    "clarification_deadline",
    "submission_deadline",
    "social_value_exemption_reason",
)


def lock_tender(tender: Tender, *, actor, action: str = Action.CHANGE) -> Tender:
    """The tender's row, locked for this transaction, after checking the actor may act."""
    locked = Tender.objects.select_for_update(of=("self",), no_key=True).get(pk=tender.pk)
    if actor is not None and not tender_policy.can(actor, locked, action):
        raise NotPermitted(tender_policy.refusals.get(action, "You cannot change this tender."))
    return locked


def _require_draft(tender: Tender) -> None:
    if tender.status != TenderStatus.DRAFT:
        raise DomainError(
            "Only a draft tender can be changed like this: this one is "
            f"{tender.get_status_display().lower()}."
        )


def _validated(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DomainError(
            "Check the details you entered.", field_errors=error.message_dict
        ) from error


def transition(tender: Tender, target: str, *, actor, reason: str = "", **stamp) -> Tender:
    """Moves a locked tender to `target`, recording history and audit. Callers hold the lock."""
    previous = TENDER_STATES.move(tender, target)
    for field, value in stamp.items():
        setattr(tender, field, value)
    tender.save()
    TenderStatusChange.objects.create(
        tender=tender, from_status=previous, to_status=target, actor=actor, reason=reason
    )
    audit_record(
        actor=actor,
        action=f"tender.{target}",
        target=tender,
        before={"status": previous},
        after={"status": target, **({"reason": reason} if reason else {})},
    )
    return tender


# --- drafting -----------------------------------------------------------------------------


@transaction.atomic
def tender_create_draft(*, actor, **fields) -> Tender:
    if not getattr(actor, "is_commissioner_user", False):
        raise NotPermitted("Only commissioning officers can create tenders.")
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"not a draft field: {', '.join(sorted(unknown))}")
    tender = Tender(commissioner_id=actor.commissioner_id, created_by=actor, **fields)
    _validated(tender)
    tender.save()
    TenderStatusChange.objects.create(
        tender=tender, from_status="", to_status=TenderStatus.DRAFT, actor=actor
    )
    audit_record(
        actor=actor,
        action="tender.drafted",
        target=tender,
        after=snapshot(tender, ("title", "procedure", "estimated_value")),
    )
    return tender


@transaction.atomic
def tender_update_draft(*, tender: Tender, actor, **changes) -> Tender:
    unknown = set(changes) - set(DRAFT_FIELDS)
    if unknown:
        raise ValueError(f"not a draft field: {', '.join(sorted(unknown))}")
    tender = lock_tender(tender, actor=actor)
    _require_draft(tender)
    before = snapshot(tender, changes)
    for name, value in changes.items():
        setattr(tender, name, value)
    _validated(tender)
    tender.save()
    audit_record(
        actor=actor,
        action="tender.draft_changed",
        target=tender,
        before=before,
        after=snapshot(tender, changes),
    )
    return tender


@transaction.atomic
def lot_add(
    *,
    tender: Tender,
    actor,
    title: str,
    estimated_value: Decimal,
    description: str = "",
    reservation: str = "",
) -> Lot:
    tender = lock_tender(tender, actor=actor)
    _require_draft(tender)
    number = (tender.lots.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    lot = Lot(
        tender=tender,
        number=number,
        title=title,
        description=description,
        estimated_value=estimated_value,
        reservation=reservation,
    )
    _validated(lot)
    lot.save()
    audit_record(
        actor=actor,
        action="tender.lot_added",
        target=tender,
        after={"lot": number, "title": title, "reservation": reservation},
    )
    return lot


@transaction.atomic
def lot_remove(*, lot: Lot, actor) -> None:
    tender = lock_tender(lot.tender, actor=actor)
    _require_draft(tender)
    audit_record(
        actor=actor,
        action="tender.lot_removed",
        target=tender,
        before={"lot": lot.number, "title": lot.title},
    )
    lot.delete()


@transaction.atomic
def criterion_add(
    *, tender: Tender, actor, kind: str, title: str, weight: int, guidance: str = ""
) -> EvaluationCriterion:
    tender = lock_tender(tender, actor=actor)
    _require_draft(tender)
    criterion = EvaluationCriterion(
        tender=tender, kind=kind, title=title, weight=weight, guidance=guidance
    )
    _validated(criterion)
    if kind == CriterionKind.PRICE and tender.criteria.filter(kind=CriterionKind.PRICE).exists():
        raise DomainError(
            "A tender has one price criterion.",
            field_errors={"kind": ["This tender already has a price criterion"]},
        )
    total = (tender.criteria.aggregate(total=Sum("weight"))["total"] or 0) + weight
    if total > 100:
        message = f"Weights would add up to {total}%: they must add up to 100%"
        raise DomainError(message, field_errors={"weight": [message]})
    criterion.save()
    audit_record(
        actor=actor,
        action="tender.criterion_added",
        target=tender,
        after={"kind": kind, "title": title, "weight": weight},
    )
    return criterion


@transaction.atomic
def criterion_remove(*, criterion: EvaluationCriterion, actor) -> None:
    tender = lock_tender(criterion.tender, actor=actor)
    _require_draft(tender)
    audit_record(
        actor=actor,
        action="tender.criterion_removed",
        target=tender,
        before={"kind": criterion.kind, "title": criterion.title, "weight": criterion.weight},
    )
    criterion.delete()


@transaction.atomic
def panel_member_add(*, tender: Tender, actor, member) -> PanelMember:
    tender = lock_tender(tender, actor=actor)
    if tender.status not in (TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.CLOSED):
        raise DomainError("The panel cannot change once evaluation has started.")
    if member.commissioner_id != tender.commissioner_id:
        raise DomainError(
            "Evaluators must belong to the commissioning organisation.",
            field_errors={"member": ["Choose someone from your organisation"]},
        )
    try:
        with transaction.atomic():
            panel_member = PanelMember.objects.create(tender=tender, user=member)
    except IntegrityError:
        raise DomainError(
            f"{member} is already on the panel.",
            field_errors={"member": [f"{member} is already on the panel"]},
        ) from None
    audit_record(
        actor=actor,
        action="tender.panel_member_added",
        target=tender,
        after={"member": member.email},
    )
    return panel_member


@transaction.atomic
def tender_document_add(*, tender: Tender, actor, title: str, uploaded_file) -> TenderDocument:
    tender = lock_tender(tender, actor=actor)
    if tender.status not in (TenderStatus.DRAFT, TenderStatus.PUBLISHED):
        raise DomainError("Documents can be added only before the tender closes.")
    checked = check_upload(uploaded_file)
    if title and (problem := single_line_problem(title)):
        raise DomainError(problem, field_errors={"title": [problem]})
    document = TenderDocument(
        tender=tender,
        title=title or checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=actor,
    )
    document.file.save(checked.name, ContentFile(checked.content), save=False)
    document.save()
    audit_record(
        actor=actor,
        action="tender.document_added",
        target=tender,
        after={"title": document.title, "size": checked.size, "content_type": checked.content_type},
    )
    return document


# --- publishing ---------------------------------------------------------------------------


def publication_problems(tender: Tender, *, now=None) -> dict[str, list[str]]:
    """Everything that stops a draft being published, by field, in the officer's words."""
    now = now or db_now()
    problems: dict[str, list[str]] = {}

    def problem(field, message):
        problems.setdefault(field, []).append(message)

    if tender.main_cpv_id is None:
        problem("main_cpv", "Choose the main service category (CPV code)")
    if not tender.lots.exists():
        problem("lots", "Add at least one lot")
    criteria = list(tender.criteria.all())
    total = sum(c.weight for c in criteria)
    if total != 100:
        problem(
            "criteria", f"Evaluation criteria weights add up to {total}%: they must add up to 100%"
        )
    social_value = sum(c.weight for c in criteria if c.kind == CriterionKind.SOCIAL_VALUE)
    if (
        social_value < MINIMUM_SOCIAL_VALUE_WEIGHT
        and not tender.social_value_exemption_reason.strip()
    ):
        problem(
            "criteria",
            f"Social value must carry at least {MINIMUM_SOCIAL_VALUE_WEIGHT}% of the marks, or "
            "record why not",
        )
    if not tender.panel_members.exists():
        problem("panel", "Add at least one evaluator to the panel")
    clarification, submission = tender.clarification_deadline, tender.submission_deadline
    if submission is None:
        problem("submission_deadline", "Enter the submission deadline")
    elif submission <= now:
        problem("submission_deadline", "The submission deadline must be in the future")
    else:
        minimum = MINIMUM_TENDER_PERIOD_DAYS[tender.procedure]
        if submission - now < timedelta(days=minimum):
            problem(
                "submission_deadline",
                f"The {tender.get_procedure_display().lower()} needs at least {minimum} days "
                "between publication and the submission deadline",
            )
    if clarification is None:
        problem("clarification_deadline", "Enter the clarification deadline")
    elif clarification <= now:
        problem("clarification_deadline", "The clarification deadline must be in the future")
    elif submission is not None and clarification >= submission:
        problem(
            "clarification_deadline", "Clarifications must close before the submission deadline"
        )
    return problems


@transaction.atomic
def tender_publish(*, tender: Tender, actor) -> Tender:
    tender = lock_tender(tender, actor=actor)
    TENDER_STATES.check(tender, TenderStatus.PUBLISHED)
    now = db_now()
    problems = publication_problems(tender, now=now)
    if problems:
        raise DomainError("This tender cannot be published yet.", field_errors=problems)
    TenderKey.objects.create(tender=tender, wrapped_key=sealing.new_wrapped_tender_key())
    return transition(tender, TenderStatus.PUBLISHED, actor=actor, published_at=now)


@transaction.atomic
def tender_cancel(*, tender: Tender, actor, reason: str) -> Tender:
    if not reason.strip():
        raise DomainError(
            "Give the reason for cancelling",
            field_errors={"reason": ["Give the reason for cancelling"]},
        )
    tender = lock_tender(tender, actor=actor)
    # Bids made before a cancellation are never opened, and no longer secret either.
    audit_hold_release(hold=tender.audit_hold_name)
    return transition(
        tender,
        TenderStatus.CANCELLED,
        actor=actor,
        reason=reason.strip(),
        cancellation_reason=reason.strip(),
    )


# --- closing ------------------------------------------------------------------------------


def _open_bids(tender: Tender, now, *, actor=None) -> int:
    """Unwraps the tender's key and copies each live bid's price out for ranking; a bid no
    longer eligible for its reserved lot is set aside first, unopened."""
    tender.bids_opened_at = now
    bids = list(
        Bid.objects.filter(tender=tender, status="submitted").select_related("tender", "lot")
    )
    bids = bids_recheck_at_closing(tender=tender, bids=bids, actor=actor)
    for bid in bids:
        bid.tender = tender
        bid.opened_price = sealing.open_bid_contents(bid)["price"]
    Bid.objects.bulk_update(bids, ["opened_price"])
    # What the audit log says about these bids joins its chain once this commits.
    audit_hold_release(hold=tender.audit_hold_name)
    return len(bids)


@transaction.atomic
def tender_close(*, tender: Tender, actor=None) -> Tender:
    """Closes a published tender whose deadline has passed (by the database clock) and opens
    its bids to the panel. The `close_due_tenders` job calls this; so can an officer."""
    tender = lock_tender(tender, actor=actor)
    now = db_now()
    if tender.status == TenderStatus.PUBLISHED and tender.submission_deadline > now:
        raise DomainError("This tender's submission deadline has not passed yet.")
    tender = transition(tender, TenderStatus.CLOSED, actor=actor, closed_at=now)
    opened = _open_bids(tender, now, actor=actor)
    tender.save(update_fields=["bids_opened_at"])
    audit_record(actor=actor, action="tender.bids_opened", target=tender, after={"bids": opened})
    _notify_panel(tender, bids=opened)
    return tender


def _notify_panel(tender: Tender, *, bids: int) -> None:
    """Tells each evaluator the bids are open, through the outbox (sent after commit)."""
    from django.conf import settings
    from django.urls import reverse

    address = settings.SITE_URL + reverse("evaluation:overview", args=[tender.pk])
    for member in tender.panel_members.select_related("user"):
        if member.user.email and member.user.is_active:
            outbox_enqueue(
                to=member.user.email,
                subject=f"Bids are open for evaluation: {tender.title}",
                body=(
                    f"{tender.reference} {tender.title} closed with {bids} bid(s). "
                    "Declare any conflict of interest before you read them:\n"
                    f"{address}\n"
                ),
            )


def tenders_close_due(*, chunk_size: int = 200) -> int:
    """Closes every published tender past its deadline, a chunk per transaction; rows another
    worker holds are skipped (it is closing them). Returns how many this run closed.

    A tender whose key BID_MASTER_KEY cannot unwrap cannot open its bids, so it is left
    published (its own savepoint rolled back) while the rest close; then the run fails
    naming it, and the next run (every minute) closes it once the key is right."""
    closed = 0
    stranded: dict[int, str] = {}
    while True:
        with transaction.atomic():
            due = list(
                Tender.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
                .filter(status=TenderStatus.PUBLISHED, submission_deadline__lte=db_now())
                .exclude(pk__in=list(stranded))
                .order_by("submission_deadline")[:chunk_size]
            )
            for tender in due:
                try:
                    with transaction.atomic():
                        tender_close(tender=tender, actor=None)
                except sealing.BidKeyUnusable:
                    stranded[tender.pk] = tender.reference
        closed += len(due) - sum(tender.pk in stranded for tender in due)
        if len(due) < chunk_size:
            break
    if stranded:
        raise sealing.key_cannot_open(
            f"the sealing keys of {sealing.listed(stranded.values())}",
            consequence="Those tenders were not closed and their bids stay sealed; the next "
            "run closes them once the key is right.",
        )
    return closed


@transaction.atomic
def tender_start_evaluation(*, tender: Tender, actor) -> Tender:
    tender = lock_tender(tender, actor=actor)
    TENDER_STATES.check(tender, TenderStatus.EVALUATION)
    if not tender.panel_members.exists():
        raise DomainError("Add at least one evaluator to the panel before evaluation starts.")
    return transition(tender, TenderStatus.EVALUATION, actor=actor)
