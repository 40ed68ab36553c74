"""Award decisions on lots, and the standstill period that follows each.

An officer awards a lot to its top-ranked bid, or (giving a reason) to another bid or to
none. The tender row, then the lot row, are locked first, always in that order, so two
officers deciding the same lot at once are served one after the other: the second is told
the lot has already been awarded. Every decision is audited with the ranking it was made on.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.dbclock import db_now
from core.errors import DomainError, NotPermitted
from core.permissions import Action
from core.services import audit_record
from core.workingdays import add_working_days

from ..choices import AwardStatus, TenderStatus
from ..models import Award, Bid, Lot, PanelMember, Tender
from ..selectors_evaluation import lot_ranking
from .tenders import lock_tender, transition

# Procurement Act 2023, section 51: a contract may not be entered into until 8 working days
# after the contract details notice; the award decision starts the count here.
STANDSTILL_WORKING_DAYS = 8


def standstill_end(decided_at: datetime) -> datetime:
    """The moment the standstill ends: 8 working days (England and Wales) after the decision,
    at the same local time of day."""
    return add_working_days(timezone.localtime(decided_at), STANDSTILL_WORKING_DAYS)


def _refuse(field: str, message: str):
    raise DomainError(message, field_errors={field: [message]})


def advance_tender(tender: Tender, *, actor) -> Tender:
    """Moves a locked tender on once its lots are settled: to awarded when every lot has a
    decision, and to contracted when, besides, every awarded lot has its contract."""
    decisions = Award.objects.filter(lot__tender=tender)
    if tender.status == TenderStatus.EVALUATION and decisions.count() == tender.lots.count():
        transition(tender, TenderStatus.AWARDED, actor=actor)
    if (
        tender.status == TenderStatus.AWARDED
        and decisions.filter(status=AwardStatus.CONTRACTED).exists()
        and not decisions.filter(status=AwardStatus.STANDSTILL).exists()
    ):
        transition(tender, TenderStatus.CONTRACTED, actor=actor)
    return tender


@transaction.atomic
def award_make(*, lot: Lot, actor, bid: Bid | None = None, reason: str = "") -> Award:
    """Decides a lot: awards it to `bid` (the top-ranked bid unless a reason is given) or,
    with `bid=None` and a reason, does not award it. Starts the standstill period."""
    tender = lock_tender(lot.tender, actor=actor, action=Action.CHANGE)
    if PanelMember.objects.filter(tender=tender, user=actor, has_conflict=True).exists():
        raise NotPermitted(
            "You declared a conflict of interest on this tender, so you cannot decide its awards."
        )
    lot = Lot.objects.select_for_update(of=("self",), no_key=True).get(pk=lot.pk)
    lot.tender = tender
    if Award.objects.filter(lot=lot).exists():
        raise DomainError(f"Lot {lot.number} has already been awarded.")
    if tender.status != TenderStatus.EVALUATION:
        raise DomainError(
            "Lots are awarded while the tender is in evaluation: this one is "
            f"{tender.get_status_display().lower()}."
        )
    reason = (reason or "").strip()
    ranking = lot_ranking(lot)
    unfinished = [row for row in ranking.rows if not row.fully_moderated]
    if unfinished:
        names = ", ".join(str(row.bid.provider) for row in unfinished)
        raise DomainError(
            f"Every bid on lot {lot.number} must be moderated on every criterion before the lot "
            f"is awarded. Still to moderate: {names}."
        )
    top = ranking.top
    if bid is not None:
        chosen = ranking.row_for(bid.pk)
        if chosen is None:
            _refuse("bid", f"Choose one of the bids on lot {lot.number}")
        if chosen is not top and not reason:
            _refuse(
                "reason",
                f"Give the reason for awarding to {chosen.bid.provider} rather than the "
                f"top-ranked bid from {top.bid.provider}",
            )
        bid = chosen.bid
    elif not reason:
        _refuse("reason", f"Give the reason for not awarding lot {lot.number}")

    decided_at = db_now()
    award = Award(
        lot=lot,
        bid=bid,
        status=AwardStatus.STANDSTILL if bid else AwardStatus.NOT_AWARDED,
        reason=reason,
        decided_by=actor,
        decided_at=decided_at,
        standstill_ends_at=standstill_end(decided_at) if bid else None,
    )
    try:
        with transaction.atomic():
            award.save()
    except IntegrityError:
        # Only reachable if something decided the lot without taking the locks above.
        raise DomainError(f"Lot {lot.number} has already been awarded.") from None
    audit_record(
        actor=actor,
        action="lot.awarded" if bid else "lot.not_awarded",
        target=lot,
        after={
            # Bids by public id: their sequence ids would count other tenders' bids.
            "bid": str(bid.public_id) if bid else None,
            "provider": str(bid.provider) if bid else None,
            "top_ranked_bid": str(top.bid.public_id) if top else None,
            "totals": {str(row.bid.public_id): str(row.total) for row in ranking.rows},
            "reason": reason,
            "standstill_ends_at": award.standstill_ends_at.isoformat()
            if award.standstill_ends_at
            else None,
        },
    )
    advance_tender(tender, actor=actor)
    return award
