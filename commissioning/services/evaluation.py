"""The panel's work on opened bids: declarations of interest, scores and moderation.

Each function locks the tender row (so a declaration, a score and a moderation of the same
tender cannot interleave), checks the actor is on the panel, checks the tender is at the
right stage, validates, writes and audits in one transaction. Price is never scored by hand:
the formula in commissioning.selectors_evaluation works it out from the opened prices.
"""

from django.db import transaction

from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.permissions import Action
from core.services import audit_record

from ..choices import QUALITY_SCALE_MAX, BidStatus, CriterionKind, TenderStatus
from ..models import Bid, EvaluationCriterion, ModeratedScore, PanelMember, Score, Tender
from ..selectors_evaluation import missing_scorers
from .tenders import lock_tender


def _refuse(field: str, message: str):
    raise DomainError(message, field_errors={field: [message]})


def _lock_panel_member(tender: Tender, actor) -> PanelMember:
    # lock_tender has already checked the actor is on the panel.
    return PanelMember.objects.select_for_update(of=("self",), no_key=True).get(
        tender=tender, user=actor
    )


def _require_in_evaluation(tender: Tender) -> None:
    if tender.status != TenderStatus.EVALUATION:
        raise DomainError(
            "Bids can be scored and moderated only while the tender is in evaluation: this one "
            f"is {tender.get_status_display().lower()}."
        )


def _require_cleared(member: PanelMember, doing: str) -> None:
    if member.declared_at is None:
        raise NotPermitted(f"Declare whether you have a conflict of interest before you {doing}.")
    if member.has_conflict:
        raise NotPermitted(
            f"You declared a conflict of interest on this tender, so you cannot {doing}."
        )


def _live_bid(bid: Bid, tender: Tender) -> Bid:
    try:
        bid = Bid.objects.select_related("provider").get(pk=bid.pk, tender=tender)
    except Bid.DoesNotExist:
        raise DomainError("That bid is not one of this tender's bids.") from None
    if bid.status != BidStatus.SUBMITTED:
        raise DomainError("That bid was withdrawn, so it is not evaluated.")
    bid.tender = tender
    return bid


def _scored_criterion(criterion: EvaluationCriterion, tender: Tender) -> EvaluationCriterion:
    if criterion.tender_id != tender.pk:
        raise DomainError("That criterion is not one of this tender's criteria.")
    if criterion.kind == CriterionKind.PRICE:
        raise DomainError(
            "Price is not scored by hand: it is worked out from the opened prices by the "
            "price formula."
        )
    return criterion


def _scale_score(value, field: str) -> int:
    message = f"Choose a score from 0 to {QUALITY_SCALE_MAX}"
    if isinstance(value, bool) or value in (None, ""):
        _refuse(field, message)
    try:
        score = int(value)
    except (TypeError, ValueError):
        _refuse(field, message)
    if str(value).strip() != str(score) or not 0 <= score <= QUALITY_SCALE_MAX:
        _refuse(field, message)
    return score


def _required_text(value, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        _refuse(field, message)
    return text


@transaction.atomic
def conflict_declare(
    *, tender: Tender, actor, has_conflict: bool, details: str = ""
) -> PanelMember:
    """A panel member says whether they have a conflict of interest with any bidder, before
    reading any bid. One who declares a conflict takes no further part in scoring.

    A member who declared no conflict may later declare one they have found (their scores
    are then set aside); a declared conflict cannot be taken back."""
    tender = lock_tender(tender, actor=actor, action=Action.EVALUATE)
    if tender.status not in (TenderStatus.CLOSED, TenderStatus.EVALUATION):
        raise DomainError(
            "Declarations of interest are made once the tender has closed and before its bids "
            "are evaluated."
        )
    if not isinstance(has_conflict, bool):
        _refuse("has_conflict", "Select yes if you have a conflict of interest")
    details = (details or "").strip()
    if has_conflict and not details:
        _refuse("details", "Describe your conflict of interest")
    member = _lock_panel_member(tender, actor)
    if member.declared_at is not None:
        if member.has_conflict:
            raise DomainError(
                "You have already declared a conflict of interest on this tender, and it "
                "cannot be withdrawn."
            )
        if not has_conflict:
            raise DomainError("You have already declared that you have no conflict of interest.")
    before = {"has_conflict": member.has_conflict}
    member.has_conflict = has_conflict
    member.conflict_details = details if has_conflict else ""
    member.declared_at = db_now()
    member.save(update_fields=["has_conflict", "conflict_details", "declared_at"])
    audit_record(
        actor=actor,
        action="tender.interest_declared",
        target=tender,
        before=before,
        after={
            "member": actor.email,
            "has_conflict": has_conflict,
            **({"details": details} if has_conflict else {}),
        },
    )
    return member


@transaction.atomic
def score_record(
    *, bid: Bid, criterion: EvaluationCriterion, actor, score, justification: str
) -> Score:
    """An evaluator's own score (0 to 5) of one bid against one quality or social value
    criterion, with their justification. Evaluators may change their score until the panel
    has moderated that bid and criterion."""
    tender = lock_tender(bid.tender, actor=actor, action=Action.EVALUATE)
    _require_in_evaluation(tender)
    _require_cleared(_lock_panel_member(tender, actor), "score bids")
    bid = _live_bid(bid, tender)
    criterion = _scored_criterion(criterion, tender)
    value = _scale_score(score, "score")
    justification = _required_text(
        justification, "justification", "Explain why you gave this score"
    )
    if ModeratedScore.objects.filter(bid=bid, criterion=criterion).exists():
        raise DomainError(
            f"The panel has already moderated {criterion.title} for {bid.provider}: "
            "scores can no longer change."
        )
    existing = (
        Score.objects.select_for_update(of=("self",), no_key=True)
        .filter(bid=bid, criterion=criterion, evaluator=actor)
        .first()
    )
    before = {"score": existing.score} if existing else {}
    if existing is None:
        existing = Score(bid=bid, criterion=criterion, evaluator=actor)
    existing.score = value
    existing.justification = justification
    existing.save()
    audit_record(
        actor=actor,
        action="bid.scored",
        target=bid,
        before=before,
        after={"criterion": criterion.title, "score": value},
    )
    return existing


@transaction.atomic
def moderation_record(
    *, bid: Bid, criterion: EvaluationCriterion, actor, score, rationale: str
) -> ModeratedScore:
    """The panel's consensus score for one bid and criterion, recorded by a panel member once
    every member without a conflict has scored it. It replaces the individual scores in the
    ranking, and may be revised while the tender is in evaluation."""
    tender = lock_tender(bid.tender, actor=actor, action=Action.EVALUATE)
    _require_in_evaluation(tender)
    _require_cleared(_lock_panel_member(tender, actor), "moderate scores")
    bid = _live_bid(bid, tender)
    criterion = _scored_criterion(criterion, tender)
    value = _scale_score(score, "score")
    rationale = _required_text(rationale, "rationale", "Explain how the panel agreed this score")
    missing = missing_scorers(bid=bid, criterion=criterion)
    if missing:
        names = ", ".join(str(member.user) for member in missing)
        raise DomainError(
            f"Every evaluator must score {criterion.title} for {bid.provider} before it is "
            f"moderated. Still to score: {names}."
        )
    moderated = (
        ModeratedScore.objects.select_for_update(of=("self",), no_key=True)
        .filter(bid=bid, criterion=criterion)
        .first()
    )
    before = {"score": moderated.score} if moderated else {}
    if moderated is None:
        moderated = ModeratedScore(bid=bid, criterion=criterion)
    moderated.score = value
    moderated.rationale = rationale
    moderated.moderated_by = actor
    moderated.save()
    audit_record(
        actor=actor,
        action="bid.moderated",
        target=bid,
        before=before,
        after={"criterion": criterion.title, "score": value},
    )
    return moderated
