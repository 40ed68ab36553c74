"""After a tender closes, two evaluators declare no conflict and score the bids, one of them
moderates, an officer awards lot 1, standstill passes, the officer makes the contract, and
the unsuccessful provider reads its feedback beside the winner's scores."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commissioning.models import Award, Contract, PanelMember
from tests.factories import PASSWORD, ProviderAdminFactory, tender_in_evaluation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def sign_in(journey, user, destination: str) -> None:
    """Signs `user` in afresh and lands on `destination`."""
    page = journey.page
    page.context.clear_cookies()
    page.goto(f"/accounts/login/?next={destination}")
    journey.check()
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{destination}")
    journey.check()


def score_bid(journey, provider_name: str, quality, social_value, scores) -> None:
    page = journey.page
    page.get_by_role("link", name=f"Score the bid from {provider_name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Score the bid from {provider_name}")
    expect(page.get_by_text("Our answer to Quality")).to_be_visible()
    journey.check()
    for criterion, score in ((quality, scores[0]), (social_value, scores[1])):
        page.locator(f"#id_score_{criterion.pk}_{score}").check()
        page.get_by_label(f"Why this score for {criterion.title}?").fill(
            f"Scored {score}: the answer shows it."
        )
    page.get_by_role("button", name="Save scores").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Your scores for {provider_name}")
    journey.check()


def test_panel_scores_officer_awards_and_makes_the_contract_and_the_loser_reads_feedback(
    journey,
):
    tender, (cheaper, dearer) = tender_in_evaluation(prices=("80000.00", "100000.00"))
    quality = tender.criteria.get(kind="quality")
    social_value = tender.criteria.get(kind="social_value")
    first, second = [m.user for m in PanelMember.objects.filter(tender=tender).order_by("id")]
    loser = ProviderAdminFactory(provider=cheaper.provider, email="bids@loser.example")
    overview = f"/tendering/{tender.pk}/evaluation/"
    page = journey.page

    # Each evaluator declares no conflict, then scores both bids.
    for evaluator in (first, second):
        sign_in(journey, evaluator, overview)
        expect(page.get_by_text("£80,000.00")).to_have_count(0)
        page.get_by_role("link", name="declare whether you have a conflict of interest").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Declare your interests")
        expect(page.get_by_text(cheaper.provider.name)).to_be_visible()
        journey.check()
        page.get_by_label("No", exact=True).check()
        page.get_by_role("button", name="Submit declaration").click()
        expect(page.get_by_role("alert")).to_contain_text("Your declaration of interests")
        journey.check()
        score_bid(journey, dearer.provider.name, quality, social_value, (5, 5))
        score_bid(journey, cheaper.provider.name, quality, social_value, (2, 2))

    # The second evaluator moderates each bid on each criterion.
    for bid, agreed in ((dearer, 5), (cheaper, 2)):
        for criterion in (quality, social_value):
            page.get_by_role(
                "link", name=f"Moderate {criterion.title} for {bid.provider.name}"
            ).click()
            expect(page.get_by_role("table")).to_contain_text(f"Scored {agreed}")
            journey.check()
            page.get_by_label(re.compile(f"^{agreed} – ")).check()
            page.get_by_label("Why the panel agreed this score").fill("Agreed at the panel")
            page.get_by_role("button", name="Record the panel's score").click()
            expect(page.get_by_role("alert")).to_contain_text("has been recorded")
            journey.check()
    expect(page.get_by_role("table", name="Ranking for lot 1")).to_contain_text("92.00")

    # The lead officer, not on the panel, awards lot 1 to the top-ranked bid.
    sign_in(journey, tender.created_by, overview)
    page.get_by_role("link", name="Award lot 1").click()
    journey.check()
    expect(page.get_by_label(re.compile(f"1st: {dearer.provider.name}"))).to_be_checked()
    page.get_by_role("button", name="Confirm the decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Lot 1 awarded to {dearer.provider.name}"
    )
    expect(page.get_by_text("Standstill ends at")).to_be_visible()
    journey.check()

    # Eight working days later...
    Award.objects.filter(lot__tender=tender).update(
        standstill_ends_at=timezone.now() - timedelta(minutes=1)
    )
    page.reload()
    journey.check()
    page.get_by_role("link", name="Make the contract").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make the contract for lot 1")
    journey.check()
    page.locator("#id_kpi_1_name").fill("Visits made on time")
    page.locator("#id_kpi_1_target").fill("95")
    page.locator("#id_kpi_1_unit").fill("%")
    page.get_by_role("button", name="Make the contract").click()
    contract = Contract.objects.get()
    expect(page.get_by_role("alert")).to_contain_text(f"Contract {contract.reference}")
    expect(page.get_by_text("£100,000.00")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Visits made on time")
    journey.check()

    # The unsuccessful provider reads its feedback beside the winner's scores.
    sign_in(journey, loser, f"/contracts/feedback/{cheaper.public_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback on your bid")
    expect(page.get_by_text("2nd of 2 bids")).to_be_visible()
    scores = page.get_by_role("table")
    expect(scores).to_contain_text("Winner's points")
    expect(scores.get_by_role("row", name=re.compile("^Weighted total"))).to_contain_text("64.00")
    expect(scores.get_by_role("row", name=re.compile("^Weighted total"))).to_contain_text("92.00")
    journey.check()
