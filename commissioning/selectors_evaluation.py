"""Reads for evaluation: the panel's progress, the ranking of bids, and bidders' feedback.

How a bid's weighted total is worked out, per lot:

    price points        = (lowest opened price among the lot's live bids
                           / this bid's opened price) × price weight
    criterion points    = (moderated score / 5) × criterion weight,
                          for each quality and social value criterion
    weighted total      = price points + the sum of the criterion points

For example, with weights price 40, quality 50 and social value 10, bids of £80,000 and
£100,000 get 80,000 / 80,000 × 40 = 40 and 80,000 / 100,000 × 40 = 32 price points; a
moderated quality score of 4 is worth 4 / 5 × 50 = 40 points.

Each component is rounded to 2 decimal places (half up) before it is added, so the totals
officers see are exactly the totals that are compared. A criterion not yet moderated counts
0 until it is. Ties go to the bid with more quality points (quality criteria only, not social
value), then to the bid submitted first.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from providers.selectors import exclusions_in_force

from .choices import QUALITY_SCALE_MAX, BidStatus, CriterionKind, TenderStatus
from .models import Award, Bid, EvaluationCriterion, Lot, ModeratedScore, PanelMember, Score
from .selectors import with_document_public_ids

PENNY = Decimal("0.01")

PRICE_FORMULA = (
    "Price points = (lowest price among the lot's bids ÷ this bid's price) × price weight. "
    "Quality and social value points = (moderated score ÷ 5) × the criterion's weight. "
    "The weighted total is the sum of the points."
)
TIE_BREAK_RULE = (
    "Bids with the same total are ranked by their quality points, then by who submitted first."
)


def _rounded(value: Decimal) -> Decimal:
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def price_points(*, lowest: Decimal | None, price: Decimal | None, weight: int) -> Decimal:
    """The lowest price earns the whole price weight; dearer bids earn it in proportion."""
    if not weight or price is None or lowest is None:
        return Decimal("0.00")
    if price <= 0:
        # A bid at no cost to the public purse is the lowest there can be.
        return _rounded(Decimal(weight))
    return _rounded(Decimal(lowest) / Decimal(price) * weight)


def criterion_points(*, score: int | None, weight: int) -> Decimal:
    if score is None:
        return Decimal("0.00")
    return _rounded(Decimal(score) / QUALITY_SCALE_MAX * weight)


def moment(value) -> str:
    """A date and time as people in the UK read it: "10:00am on Monday 5 January 2026"."""
    local = timezone.localtime(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}:{local.minute:02d}{suffix} on {local:%A} {local.day} {local:%B %Y}"


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


# --- ranking ------------------------------------------------------------------------------


@dataclass
class CriterionResult:
    """A bid's standing on one quality or social value criterion."""

    criterion: EvaluationCriterion
    moderated: ModeratedScore | None
    points: Decimal
    scores_entered: int = 0
    scores_expected: int = 0

    @property
    def is_moderated(self) -> bool:
        return self.moderated is not None

    @property
    def ready_to_moderate(self) -> bool:
        return self.scores_expected > 0 and self.scores_entered >= self.scores_expected


@dataclass
class RankedBid:
    bid: Bid
    price_points: Decimal
    results: list[CriterionResult]
    rank: int = 0

    @property
    def quality_points(self) -> Decimal:
        return sum(
            (r.points for r in self.results if r.criterion.kind == CriterionKind.QUALITY),
            Decimal("0.00"),
        )

    @property
    def social_value_points(self) -> Decimal:
        return sum(
            (r.points for r in self.results if r.criterion.kind == CriterionKind.SOCIAL_VALUE),
            Decimal("0.00"),
        )

    @property
    def total(self) -> Decimal:
        return self.price_points + self.quality_points + self.social_value_points

    @property
    def fully_moderated(self) -> bool:
        return all(r.is_moderated for r in self.results)

    @property
    def moderated_count(self) -> int:
        return sum(1 for r in self.results if r.is_moderated)

    @property
    def scores_entered(self) -> int:
        return sum(r.scores_entered for r in self.results)

    @property
    def scores_expected(self) -> int:
        return sum(r.scores_expected for r in self.results)

    @property
    def rank_label(self) -> str:
        return ordinal(self.rank)

    def result_for(self, criterion_id: int) -> CriterionResult | None:
        return next((r for r in self.results if r.criterion.pk == criterion_id), None)


@dataclass
class LotRanking:
    lot: Lot
    rows: list[RankedBid]
    price_criterion: EvaluationCriterion | None
    award: Award | None = None

    @property
    def top(self) -> RankedBid | None:
        return self.rows[0] if self.rows else None

    @property
    def fully_moderated(self) -> bool:
        return all(row.fully_moderated for row in self.rows)

    def row_for(self, bid_id: int) -> RankedBid | None:
        return next((row for row in self.rows if row.bid.pk == bid_id), None)


def expected_scorers(panel: list[PanelMember]) -> list[PanelMember]:
    """Everyone on the panel who has not declared a conflict: each must score every bid.

    A member who has not declared yet is still expected: they may yet declare no conflict."""
    return [member for member in panel if member.has_conflict is not True]


def rank_bids(
    bids: list[Bid], criteria: list[EvaluationCriterion], panel: list[PanelMember] | None = None
) -> list[RankedBid]:
    """Ranks one lot's live bids. Each bid must carry its moderated scores (prefetched) and,
    when `panel` is given, its evaluators' scores, to count who has scored."""
    price_criterion = next((c for c in criteria if c.kind == CriterionKind.PRICE), None)
    scored = [c for c in criteria if c.kind != CriterionKind.PRICE]
    prices = [bid.opened_price for bid in bids if bid.opened_price is not None]
    lowest = min(prices) if prices else None
    scorers = {member.user_id for member in expected_scorers(panel or [])}

    rows = []
    for bid in bids:
        moderated = {m.criterion_id: m for m in bid.moderated_scores.all()}
        entered = defaultdict(int)
        if panel is not None:
            for score in bid.scores.all():
                if score.evaluator_id in scorers:
                    entered[score.criterion_id] += 1
        results = [
            CriterionResult(
                criterion=criterion,
                moderated=moderated.get(criterion.pk),
                points=criterion_points(
                    score=getattr(moderated.get(criterion.pk), "score", None),
                    weight=criterion.weight,
                ),
                scores_entered=entered[criterion.pk],
                scores_expected=len(scorers),
            )
            for criterion in scored
        ]
        rows.append(
            RankedBid(
                bid=bid,
                price_points=price_points(
                    lowest=lowest,
                    price=bid.opened_price,
                    weight=price_criterion.weight if price_criterion else 0,
                ),
                results=results,
            )
        )
    rows.sort(key=lambda row: (-row.total, -row.quality_points, row.bid.submitted_at, row.bid.pk))
    for position, row in enumerate(rows, start=1):
        row.rank = position
    return rows


def live_bids(*, with_scores: bool = False) -> QuerySet[Bid]:
    """Submitted bids with what ranking needs, in a fixed number of queries.

    Only bids whose tender was closed and opened: a ranking, and any page built on it, can
    never show a sealed bid or reveal how many there are."""
    queryset = (
        Bid.objects.filter(status=BidStatus.SUBMITTED, tender__bids_opened_at__isnull=False)
        .exclude(tender__status=TenderStatus.PUBLISHED)
        # Officers see an exclusion flag wherever a provider appears, including here.
        .annotate(
            provider_excluded_until=Subquery(
                exclusions_in_force()
                .filter(provider=OuterRef("provider_id"))
                .order_by("-ends_on")
                .values("ends_on")[:1]
            )
        )
        .select_related("provider")
        .prefetch_related(Prefetch("moderated_scores", queryset=ModeratedScore.objects.all()))
    )
    if with_scores:
        queryset = queryset.prefetch_related(Prefetch("scores", queryset=Score.objects.all()))
    return queryset


def tender_rankings(tender, *, panel: list[PanelMember] | None = None) -> list[LotRanking]:
    """Every lot of the tender, with its live bids ranked and its award decision, if any."""
    criteria = list(tender.criteria.all())
    price_criterion = next((c for c in criteria if c.kind == CriterionKind.PRICE), None)
    lots = list(
        Lot.objects.filter(tender=tender)
        .select_related("award__bid__provider", "award__contract")
        .order_by("number")
    )
    by_lot = defaultdict(list)
    for bid in live_bids(with_scores=panel is not None).filter(tender=tender):
        bid.tender = tender
        by_lot[bid.lot_id].append(bid)
    rankings = []
    for lot in lots:
        for bid in by_lot[lot.pk]:
            bid.lot = lot
        rankings.append(
            LotRanking(
                lot=lot,
                rows=rank_bids(by_lot[lot.pk], criteria, panel),
                price_criterion=price_criterion,
                award=getattr(lot, "award", None),
            )
        )
    return rankings


def lot_ranking(lot: Lot, *, panel: list[PanelMember] | None = None) -> LotRanking:
    criteria = list(lot.tender.criteria.all())
    bids = list(live_bids(with_scores=panel is not None).filter(lot=lot))
    for bid in bids:
        bid.lot = lot
        bid.tender = lot.tender
    return LotRanking(
        lot=lot,
        rows=rank_bids(bids, criteria, panel),
        price_criterion=next((c for c in criteria if c.kind == CriterionKind.PRICE), None),
        award=Award.objects.filter(lot=lot).select_related("bid__provider").first(),
    )


# --- the panel ----------------------------------------------------------------------------


def panel_of(tender) -> list[PanelMember]:
    return list(
        PanelMember.objects.filter(tender=tender).select_related("user").order_by("user__full_name")
    )


def member_of(panel: list[PanelMember], user) -> PanelMember | None:
    return next((member for member in panel if member.user_id == user.pk), None)


def missing_scorers(*, bid: Bid, criterion: EvaluationCriterion) -> list[PanelMember]:
    """Panel members without a declared conflict who have not yet scored this bid on this
    criterion: moderation waits for them."""
    scored = set(
        Score.objects.filter(bid=bid, criterion=criterion).values_list("evaluator_id", flat=True)
    )
    return [
        member for member in expected_scorers(panel_of(bid.tender)) if member.user_id not in scored
    ]


def scores_for_moderation(*, bid: Bid, criterion: EvaluationCriterion) -> list[Score]:
    """Each evaluator's score and justification, leaving out anyone who declared a conflict."""
    conflicted = PanelMember.objects.filter(tender_id=bid.tender_id, has_conflict=True).values(
        "user_id"
    )
    return list(
        Score.objects.filter(bid=bid, criterion=criterion)
        .exclude(evaluator_id__in=conflicted)
        .select_related("evaluator")
        .order_by("evaluator__full_name")
    )


def bidders_of(tender) -> list[str]:
    """Who bid, by name only: what a panel member needs to judge a conflict of interest."""
    return list(
        Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED)
        .order_by("provider__name")
        .values_list("provider__name", flat=True)
        .distinct()
    )


# --- feedback -----------------------------------------------------------------------------


@dataclass
class FeedbackLine:
    criterion: EvaluationCriterion
    own: CriterionResult | None
    winner: CriterionResult | None


@dataclass
class BidFeedback:
    """What an unsuccessful bidder is told: its own scores beside the winner's, its rank and
    the standstill's end. No other bidder's scores are in here."""

    bid: Bid
    award: Award
    own: RankedBid
    winner: RankedBid | None
    bid_count: int
    lines: list[FeedbackLine] = field(default_factory=list)
    price_criterion: EvaluationCriterion | None = None

    @property
    def is_winner(self) -> bool:
        return self.winner is not None and self.winner.bid.pk == self.bid.pk

    @property
    def standstill_ends(self) -> str:
        return moment(self.award.standstill_ends_at) if self.award.standstill_ends_at else ""


def bid_feedback(bid: Bid) -> BidFeedback:
    ranking = lot_ranking(bid.lot)
    award = ranking.award
    own = ranking.row_for(bid.pk)
    winner = ranking.row_for(award.bid_id) if award and award.bid_id else None
    lines = [
        FeedbackLine(
            criterion=result.criterion,
            own=result,
            winner=winner.result_for(result.criterion.pk) if winner else None,
        )
        for result in own.results
    ]
    # Only the two bids' rows leave this function: the rest of the ranking stays here.
    return BidFeedback(
        bid=bid,
        award=award,
        own=own,
        winner=winner,
        bid_count=len(ranking.rows),
        lines=lines,
        price_criterion=ranking.price_criterion,
    )


# --- the API's reads ------------------------------------------------------------------------


def panel_bids(tender, user) -> QuerySet[Bid]:
    """The tender's opened live bids as a cleared panel member reads them through the API:
    with their lot, the tender's sealing key (to open the contents), the moderated scores and
    the member's own scores, in a fixed number of queries whatever the number of bids."""
    return (
        live_bids()
        .filter(tender=tender)
        .select_related("lot", "tender__sealing_key")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=Score.objects.filter(evaluator=user).order_by("criterion_id"),
                to_attr="own_scores",
            ),
            with_document_public_ids(),
        )
    )


def public_awards() -> QuerySet[Award]:
    """Award decisions with the public facts their API representation shows: the lot, its
    tender and commissioner, and the winning bid's provider and opened price."""
    return Award.objects.select_related("lot__tender__commissioner", "bid__provider")
