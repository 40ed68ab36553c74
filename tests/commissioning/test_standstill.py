"""The standstill period: 8 working days in England and Wales after an award decision,
counted from the decision's local time, skipping weekends and bank holidays; no contract is
made before it ends, by the database's clock."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from commissioning.models import Contract
from commissioning.services import awards, contracts
from commissioning.services.awards import award_make
from commissioning.services.contracts import contract_create
from core.errors import DomainError
from tests.factories import panel_scores_and_moderates, tender_in_evaluation

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")


@pytest.fixture
def decided_at(monkeypatch):
    """Makes the database clock read `moment` when the award is decided."""

    def _set(moment: datetime):
        monkeypatch.setattr(awards, "db_now", lambda: moment)

    return _set


def awarded_at(moment: datetime, decided_at):
    tender, (bid,) = tender_in_evaluation(prices=("90000.00",))
    panel_scores_and_moderates(tender, {bid: {"quality": 4, "social_value": 4}})
    decided_at(moment)
    return award_make(lot=bid.lot, actor=tender.created_by, bid=bid)


def test_an_award_on_friday_19_december_2025_ends_standstill_after_christmas_and_new_year(
    decided_at,
):
    award = awarded_at(datetime(2025, 12, 19, 10, 0, tzinfo=LONDON), decided_at)

    # Mon 22, Tue 23, Wed 24, (Christmas, Boxing Day), Mon 29, Tue 30, Wed 31,
    # (New Year's Day), Fri 2, Mon 5.
    assert award.standstill_ends_at == datetime(2026, 1, 5, 10, 0, tzinfo=LONDON)


def test_an_award_on_1_april_2026_skips_good_friday_and_easter_monday(decided_at):
    award = awarded_at(datetime(2026, 4, 1, 10, 0, tzinfo=LONDON), decided_at)

    # Thu 2, (Good Friday 3, Easter Monday 6), Tue 7 ... Wed 15.
    assert award.standstill_ends_at == datetime(2026, 4, 15, 10, 0, tzinfo=LONDON)


def test_an_award_in_an_ordinary_fortnight_ends_on_the_eighth_working_day(decided_at):
    award = awarded_at(datetime(2026, 2, 2, 14, 15, tzinfo=LONDON), decided_at)

    assert award.standstill_ends_at == datetime(2026, 2, 12, 14, 15, tzinfo=LONDON)


def test_standstill_keeps_the_local_time_of_day_across_the_clocks_going_forward(decided_at):
    award = awarded_at(datetime(2026, 3, 20, 16, 30, tzinfo=LONDON), decided_at)

    ends = award.standstill_ends_at.astimezone(LONDON)
    assert (ends.date(), ends.hour, ends.minute) == (date(2026, 4, 1), 16, 30)


def test_a_decision_just_after_midnight_local_time_counts_from_the_local_day(decided_at):
    # 23:30 on Friday in UTC is 00:30 on Saturday in London (BST): counting starts Monday.
    award = awarded_at(datetime(2026, 6, 5, 23, 30, tzinfo=UTC), decided_at)

    ends = award.standstill_ends_at.astimezone(LONDON)
    assert (ends.date(), ends.hour, ends.minute) == (date(2026, 6, 17), 0, 30)


def test_the_decision_page_and_overview_say_when_standstill_ends(decided_at, sign_in):
    award = awarded_at(datetime(2025, 12, 19, 10, 0, tzinfo=LONDON), decided_at)
    tender = award.lot.tender
    client = sign_in(tender.created_by)

    decision = client.get(f"/tendering/{tender.pk}/evaluation/lots/{award.lot_id}/decision/")
    overview = client.get(f"/tendering/{tender.pk}/evaluation/")

    assert "10:00am on Monday 5 January 2026" in decision.content.decode()
    assert "10:00am on Monday 5 January 2026" in overview.content.decode()


def test_no_contract_is_made_until_the_standstill_has_ended(decided_at, monkeypatch):
    award = awarded_at(datetime(2025, 12, 19, 10, 0, tzinfo=LONDON), decided_at)
    terms = {
        "award": award,
        "actor": award.lot.tender.created_by,
        "start_date": date(2026, 2, 1),
        "end_date": date(2028, 1, 31),
        "notice_period_days": 90,
    }

    monkeypatch.setattr(contracts, "db_now", lambda: datetime(2026, 1, 5, 9, 59, 59, tzinfo=LONDON))
    with pytest.raises(DomainError) as refused:
        contract_create(**terms)
    assert refused.value.message == (
        "The standstill period for lot 1 ends at 10:00am on Monday 5 January 2026: "
        "you can make the contract after that."
    )
    assert not Contract.objects.exists()

    monkeypatch.setattr(contracts, "db_now", lambda: datetime(2026, 1, 5, 10, 0, tzinfo=LONDON))
    assert contract_create(**terms).value == award.bid.opened_price


def test_the_contract_page_waits_for_the_standstill_to_end(sign_in):
    tender, (bid,) = tender_in_evaluation(prices=("90000.00",))
    panel_scores_and_moderates(tender, {bid: {"quality": 4, "social_value": 4}})
    award = award_make(lot=bid.lot, actor=tender.created_by, bid=bid)
    client = sign_in(tender.created_by)
    url = f"/tendering/{tender.pk}/evaluation/lots/{bid.lot_id}/contract/"

    page = client.get(url).content.decode()
    assert "You can make the contract after that" in page
    assert 'name="start_date"' not in page

    response = client.post(
        url, {"start_date": "1/2/2027", "end_date": "31/1/2029", "notice_period_days": "90"}
    )
    assert "you can make the contract after that" in response.content.decode()
    assert not Contract.objects.exists()
    award.refresh_from_db()
    assert award.status == "standstill"
