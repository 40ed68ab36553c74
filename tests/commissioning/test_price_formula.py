"""How bids are ranked: the price formula and weighted totals, with worked numbers.

Weights in these tests are the ones published_tender sets: price 40, quality 50, social
value 10."""

from datetime import timedelta
from decimal import Decimal

import pytest

from commissioning.choices import BidStatus
from commissioning.models import Bid
from commissioning.selectors_evaluation import criterion_points, price_points, tender_rankings
from tests.factories import panel_scores_and_moderates, tender_in_evaluation

pytestmark = pytest.mark.django_db


def test_the_lowest_price_earns_the_whole_price_weight_and_dearer_bids_a_share():
    assert price_points(lowest=Decimal(80000), price=Decimal(80000), weight=40) == Decimal("40")
    assert price_points(lowest=Decimal(80000), price=Decimal(100000), weight=40) == Decimal("32")
    assert price_points(lowest=Decimal(80000), price=Decimal(160000), weight=40) == Decimal("20")


def test_a_moderated_score_earns_its_share_of_the_criterions_weight():
    assert criterion_points(score=4, weight=50) == Decimal("40")
    assert criterion_points(score=5, weight=10) == Decimal("10")
    assert criterion_points(score=0, weight=50) == Decimal("0")


def test_bids_of_80000_and_100000_get_40_and_32_price_points_and_are_ranked_by_total():
    tender, (cheaper, dearer) = tender_in_evaluation(prices=("80000.00", "100000.00"))
    panel_scores_and_moderates(
        tender,
        {
            cheaper: {"quality": 3, "social_value": 2},  # 40 + 30 + 4 = 74
            dearer: {"quality": 5, "social_value": 5},  # 32 + 50 + 10 = 92
        },
    )

    (ranking,) = tender_rankings(tender)

    first, second = ranking.rows
    assert first.bid == dearer
    assert (first.price_points, first.quality_points, first.social_value_points) == (
        Decimal("32.00"),
        Decimal("50.00"),
        Decimal("10.00"),
    )
    assert first.total == Decimal("92.00")
    assert second.bid == cheaper
    assert second.price_points == Decimal("40.00")
    assert second.total == Decimal("74.00")
    assert [first.rank, second.rank] == [1, 2]


def test_points_are_rounded_to_the_penny_before_they_are_added():
    tender, (cheaper, dearer) = tender_in_evaluation(prices=("70000.00", "90000.00"))
    panel_scores_and_moderates(
        tender,
        {
            cheaper: {"quality": 1, "social_value": 1},
            dearer: {"quality": 3, "social_value": 3},
        },
    )

    (ranking,) = tender_rankings(tender)

    dearer_row = ranking.row_for(dearer.pk)
    # 70,000 / 90,000 x 40 = 31.111...
    assert dearer_row.price_points == Decimal("31.11")
    assert dearer_row.total == Decimal("31.11") + Decimal("30.00") + Decimal("6.00")


def test_equal_totals_go_to_the_bid_with_more_quality_points():
    tender, (cheaper, dearer) = tender_in_evaluation(prices=("80000.00", "100000.00"))
    panel_scores_and_moderates(
        tender,
        {
            cheaper: {"quality": 3, "social_value": 5},  # 40 + 30 + 10 = 80
            dearer: {"quality": 4, "social_value": 4},  # 32 + 40 + 8 = 80
        },
    )

    (ranking,) = tender_rankings(tender)

    assert [row.total for row in ranking.rows] == [Decimal("80.00"), Decimal("80.00")]
    assert ranking.top.bid == dearer


def test_equal_totals_and_quality_go_to_the_bid_submitted_first():
    tender, (early, late) = tender_in_evaluation(prices=("90000.00", "90000.00"))
    Bid.objects.filter(pk=early.pk).update(submitted_at=late.submitted_at - timedelta(hours=1))
    panel_scores_and_moderates(
        tender,
        {
            late: {"quality": 4, "social_value": 4},
            early: {"quality": 4, "social_value": 4},
        },
    )

    (ranking,) = tender_rankings(tender)

    assert [row.bid.pk for row in ranking.rows] == [early.pk, late.pk]


def test_a_criterion_not_yet_moderated_counts_nothing_and_the_bid_shows_as_unfinished():
    tender, (bid, _other) = tender_in_evaluation()

    (ranking,) = tender_rankings(tender)

    row = ranking.row_for(bid.pk)
    assert row.quality_points == Decimal("0.00")
    assert row.total == row.price_points
    assert not row.fully_moderated
    assert not ranking.fully_moderated


def test_the_lowest_price_is_taken_from_live_bids_only():
    tender, (cheaper, dearer) = tender_in_evaluation(prices=("80000.00", "100000.00"))
    Bid.objects.filter(pk=cheaper.pk).update(status=BidStatus.WITHDRAWN)

    (ranking,) = tender_rankings(tender)

    assert [row.bid.pk for row in ranking.rows] == [dearer.pk]
    assert ranking.top.price_points == Decimal("40.00")


def test_the_evaluation_page_explains_the_formula(sign_in):
    tender, _bids = tender_in_evaluation()

    page = sign_in(tender.created_by).get(f"/tendering/{tender.pk}/evaluation/").content.decode()

    assert "Price points = (lowest price among the lot&#x27;s bids ÷ this bid&#x27;s price)" in page
    assert "bids of £80,000 and £100,000 get 40 and 32 price points" in page
    assert "ranked by their quality points, then by who submitted first" in page
