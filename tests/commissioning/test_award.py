"""Officers award lots to the top-ranked bid (or, with a reason, otherwise); bidders then read
their feedback."""

import re
import threading

import pytest
from django.db import connection

from commissioning.choices import AwardStatus, TenderStatus
from commissioning.models import Award, PanelMember, Tender
from commissioning.services.awards import award_make
from commissioning.services.evaluation import conflict_declare
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry
from tests.factories import (
    OfficerFactory,
    ProviderAdminFactory,
    panel_scores_and_moderates,
    sealed_bid,
    tender_in_evaluation,
)

pytestmark = pytest.mark.django_db

STRONG = {"quality": 5, "social_value": 5}
WEAK = {"quality": 2, "social_value": 2}


def evaluated(prices=("80000.00", "100000.00"), scores=(WEAK, STRONG), **kwargs):
    """A tender in evaluation whose bids are all moderated. With the default numbers the
    dearer bid wins: 32 + 50 + 10 = 92 against 40 + 20 + 4 = 64."""
    tender, bids = tender_in_evaluation(prices=prices, **kwargs)
    panel_scores_and_moderates(tender, dict(zip(bids, scores, strict=True)))
    return tender, bids


# --- the award service --------------------------------------------------------------------


def test_officer_awards_the_lot_to_the_top_ranked_bid_and_standstill_begins():
    tender, (cheaper, dearer) = evaluated()

    award = award_make(lot=dearer.lot, actor=tender.created_by, bid=dearer)

    assert award.status == AwardStatus.STANDSTILL
    assert award.bid == dearer
    assert award.standstill_ends_at > award.decided_at
    entry = AuditEntry.objects.get(action="lot.awarded")
    assert entry.after["bid"] == str(dearer.public_id)
    assert entry.after["totals"] == {
        str(dearer.public_id): "92.00",
        str(cheaper.public_id): "64.00",
    }
    tender.refresh_from_db()
    assert tender.status == TenderStatus.AWARDED


def test_awarding_a_lower_ranked_bid_needs_a_reason():
    tender, (cheaper, dearer) = evaluated()

    with pytest.raises(DomainError) as refused:
        award_make(lot=cheaper.lot, actor=tender.created_by, bid=cheaper)

    assert "reason" in refused.value.field_errors
    assert dearer.provider.name in refused.value.field_errors["reason"][0]
    assert not Award.objects.exists()

    award = award_make(
        lot=cheaper.lot,
        actor=tender.created_by,
        bid=cheaper,
        reason="The top-ranked bidder failed its financial checks",
    )
    assert award.bid == cheaper


def test_not_awarding_a_lot_needs_a_reason_and_starts_no_standstill():
    tender, (bid, _) = evaluated()

    with pytest.raises(DomainError) as refused:
        award_make(lot=bid.lot, actor=tender.created_by, bid=None)
    assert refused.value.field_errors == {"reason": ["Give the reason for not awarding lot 1"]}

    award = award_make(
        lot=bid.lot, actor=tender.created_by, bid=None, reason="Every bid was over budget"
    )
    assert award.status == AwardStatus.NOT_AWARDED
    assert award.standstill_ends_at is None


def test_a_lot_cannot_be_awarded_until_every_bid_is_moderated():
    tender, (cheaper, dearer) = tender_in_evaluation()
    panel_scores_and_moderates(tender, {dearer: STRONG})

    with pytest.raises(DomainError) as refused:
        award_make(lot=dearer.lot, actor=tender.created_by, bid=dearer)

    assert f"Still to moderate: {cheaper.provider.name}" in refused.value.message
    assert not Award.objects.exists()


def test_a_lot_cannot_be_awarded_twice():
    tender, (_, dearer) = evaluated(lots=2)
    award_make(lot=dearer.lot, actor=tender.created_by, bid=dearer)

    with pytest.raises(DomainError, match="Lot 1 has already been awarded"):
        award_make(lot=dearer.lot, actor=OfficerFactory(commissioner=tender.commissioner))
    assert Award.objects.count() == 1


def test_the_tender_is_awarded_only_when_every_lot_has_a_decision():
    tender, (_, dearer) = evaluated(lots=2)
    lot_2 = tender.lots.get(number=2)

    award_make(lot=dearer.lot, actor=tender.created_by, bid=dearer)
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.EVALUATION

    award_make(lot=lot_2, actor=tender.created_by, reason="No bids were received")
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.AWARDED


def test_only_the_commissioners_officers_award_and_not_one_with_a_conflict():
    tender, (_, dearer) = evaluated(evaluators=1)
    with pytest.raises(NotPermitted):
        award_make(lot=dearer.lot, actor=OfficerFactory(), bid=dearer)

    conflicted = OfficerFactory(commissioner=tender.commissioner)
    PanelMember.objects.create(
        tender=tender, user=conflicted, has_conflict=True, declared_at=tender.closed_at
    )
    with pytest.raises(NotPermitted, match="conflict of interest"):
        award_make(lot=dearer.lot, actor=conflicted, bid=dearer)
    assert not Award.objects.exists()


def test_a_bid_on_another_lot_cannot_win_this_one():
    tender, (_, dearer) = evaluated(lots=2)
    other = sealed_bid(lot=tender.lots.get(number=2))

    with pytest.raises(DomainError) as refused:
        award_make(lot=dearer.lot, actor=tender.created_by, bid=other, reason="Why not")

    assert refused.value.field_errors == {"bid": ["Choose one of the bids on lot 1"]}


@pytest.mark.django_db(transaction=True)
def test_two_officers_awarding_the_same_lot_at_once_make_exactly_one_award():
    tender, (_, dearer) = evaluated()
    officers = [tender.created_by, OfficerFactory(commissioner=tender.commissioner)]
    barrier = threading.Barrier(2)
    outcomes = []

    def award_as(officer):
        try:
            barrier.wait(timeout=10)
            award_make(lot=dearer.lot, actor=officer, bid=dearer)
            outcomes.append("awarded")
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=award_as, args=(officer,)) for officer in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["Lot 1 has already been awarded.", "awarded"]
    assert Award.objects.count() == 1
    assert AuditEntry.objects.filter(action="lot.awarded").count() == 1


# --- the award pages ----------------------------------------------------------------------


def test_award_page_preselects_the_top_ranked_bid(sign_in):
    tender, (_, dearer) = evaluated()

    page = (
        sign_in(tender.created_by)
        .get(f"/tendering/{tender.pk}/evaluation/lots/{dearer.lot_id}/award/")
        .content.decode()
    )

    assert re.search(rf'name="decision" value="{dearer.public_id}"[^>]* checked', page)
    assert f"1st: {dearer.provider.name}, 92.00 points" in page
    assert "Do not award this lot" in page


def test_officer_awards_on_the_page_and_sees_the_standstill_end(sign_in):
    tender, (_, dearer) = evaluated()
    client = sign_in(tender.created_by)

    response = client.post(
        f"/tendering/{tender.pk}/evaluation/lots/{dearer.lot_id}/award/",
        {"decision": str(dearer.public_id), "reason": ""},
        follow=True,
    )

    page = response.content.decode()
    assert f"Lot 1 awarded to {dearer.provider.name}" in page
    assert "Standstill ends at" in page
    assert Award.objects.get().bid == dearer
    # Once decided, the award page shows the decision instead of the form.
    again = client.get(f"/tendering/{tender.pk}/evaluation/lots/{dearer.lot_id}/award/")
    assert again.status_code == 302


def test_choosing_a_lower_ranked_bid_without_a_reason_is_refused_on_the_page(sign_in):
    tender, (cheaper, _) = evaluated()

    response = sign_in(tender.created_by).post(
        f"/tendering/{tender.pk}/evaluation/lots/{cheaper.lot_id}/award/",
        {"decision": str(cheaper.public_id), "reason": ""},
    )

    page = response.content.decode()
    assert "<title>Error: " in page
    assert 'href="#id_reason"' in page
    assert re.search(rf'name="decision" value="{cheaper.public_id}"[^>]* checked', page)
    assert not Award.objects.exists()


def test_other_organisations_and_providers_cannot_reach_the_award_pages(sign_in):
    tender, (_, dearer) = evaluated()
    award_url = f"/tendering/{tender.pk}/evaluation/lots/{dearer.lot_id}/award/"
    decision_url = f"/tendering/{tender.pk}/evaluation/lots/{dearer.lot_id}/decision/"
    for outsider in (OfficerFactory(), ProviderAdminFactory(provider=dearer.provider)):
        client = sign_in(outsider)
        assert client.get(award_url).status_code == 404
        assert client.post(award_url, {"decision": str(dearer.public_id)}).status_code == 404
        assert client.get(decision_url).status_code == 404
    assert not Award.objects.exists()


def test_anonymous_visitor_is_sent_to_sign_in_from_the_decision_page(client):
    tender, (_, dearer) = evaluated()
    award_make(lot=dearer.lot, actor=tender.created_by, bid=dearer)

    response = client.get(f"/tendering/{tender.pk}/evaluation/lots/{dearer.lot_id}/decision/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_overview_offers_the_award_once_and_then_shows_the_decision(sign_in):
    tender, (_, dearer) = evaluated(lots=2)
    client = sign_in(tender.created_by)
    url = f"/tendering/{tender.pk}/evaluation/"
    assert "Award lot 1" in client.get(url).content.decode()

    award_make(lot=dearer.lot, actor=tender.created_by, bid=dearer)

    page = client.get(url).content.decode()
    assert "Award lot 1" not in page
    assert f"Awarded to {dearer.provider.name}" in page
    assert "Award lot 2" in page


# --- feedback to bidders ------------------------------------------------------------------


def three_bids_awarded():
    tender, (cheapest, winner, dearest) = evaluated(
        prices=("80000.00", "100000.00", "120000.00"),
        scores=(WEAK, STRONG, {"quality": 3, "social_value": 1}),
    )
    award_make(lot=winner.lot, actor=tender.created_by, bid=winner)
    return tender, cheapest, winner, dearest


def test_unsuccessful_bidder_sees_its_scores_beside_the_winners_and_nobody_elses(sign_in):
    _, cheapest, winner, dearest = three_bids_awarded()
    client = sign_in(ProviderAdminFactory(provider=cheapest.provider))

    response = client.get(f"/contracts/feedback/{cheapest.public_id}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Not successful" in page
    assert f"The lot was awarded to {winner.provider.name}" in page
    assert "2nd of 3 bids" in page  # 64.00: behind 92.00, ahead of 26.67 + 30 + 2 = 58.67
    assert "Standstill ends" in page
    assert "The panel agreed 2 for Quality" in page  # its own moderation rationale
    # Its own points (40 price, 20 quality) beside the winner's (32, 50).
    assert "40.00" in page and "20.00" in page and "64.00" in page
    assert "32.00" in page and "50.00" in page and "92.00" in page
    assert dearest.provider.name not in page
    assert "26.67" not in page and "58.67" not in page


def test_feedback_is_not_there_before_the_lot_is_decided(sign_in):
    _, (bid, _) = evaluated()

    response = sign_in(ProviderAdminFactory(provider=bid.provider)).get(
        f"/contracts/feedback/{bid.public_id}/"
    )

    assert response.status_code == 404


def test_feedback_is_only_for_the_bidder(sign_in):
    tender, cheapest, winner, _ = three_bids_awarded()
    url = f"/contracts/feedback/{cheapest.public_id}/"

    assert sign_in(ProviderAdminFactory(provider=winner.provider)).get(url).status_code == 404
    assert sign_in(tender.created_by).get(url).status_code == 404
    assert sign_in(OfficerFactory()).get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_for_feedback(client):
    _, cheapest, _, _ = three_bids_awarded()

    response = client.get(f"/contracts/feedback/{cheapest.public_id}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_winner_sees_its_own_feedback_marked_successful(sign_in):
    _, _, winner, _ = three_bids_awarded()

    page = (
        sign_in(ProviderAdminFactory(provider=winner.provider))
        .get(f"/contracts/feedback/{winner.public_id}/")
        .content.decode()
    )

    assert "Successful" in page
    assert "1st of 3 bids" in page


def test_a_bidder_on_a_lot_not_awarded_is_told_so(sign_in):
    tender, (bid, _) = evaluated()
    award_make(lot=bid.lot, actor=tender.created_by, reason="Every bid was over budget")

    page = (
        sign_in(ProviderAdminFactory(provider=bid.provider))
        .get(f"/contracts/feedback/{bid.public_id}/")
        .content.decode()
    )

    assert "The lot was not awarded to any bidder" in page
    assert "Every bid was over budget" in page


def test_panel_member_declaring_a_conflict_is_kept_out_of_the_award(sign_in):
    tender, (cheaper, dearer) = evaluated(evaluators=1)
    late = OfficerFactory(commissioner=tender.commissioner)
    PanelMember.objects.create(tender=tender, user=late)
    conflict_declare(tender=tender, actor=late, has_conflict=True, details="Director of a bidder")

    page = sign_in(late).get(f"/tendering/{tender.pk}/evaluation/").content.decode()

    assert "Award lot 1" not in page
    assert dearer.provider.name not in page and cheaper.provider.name not in page
    assert "92.00" not in page
