"""The panel's evaluation: declaring interests, scoring, moderating, and the pages for them."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from commissioning import sealing
from commissioning.choices import CriterionKind, TenderStatus
from commissioning.models import BidDocument, ModeratedScore, PanelMember, Score, Tender
from commissioning.services.evaluation import conflict_declare, moderation_record, score_record
from commissioning.services.tenders import tender_close
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry
from tests.factories import (
    OfficerFactory,
    ProviderAdminFactory,
    published_tender,
    sealed_bid,
    tender_in_evaluation,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def panel(tender):
    return [m.user for m in PanelMember.objects.filter(tender=tender).order_by("id")]


def criterion(tender, kind=CriterionKind.QUALITY):
    return tender.criteria.get(kind=kind)


def closed_tender():
    """Closed, bids opened, but evaluation not started."""
    tender = published_tender(lots=1, evaluators=1)
    sealed_bid(lot=tender.lots.get())
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=now - timedelta(minutes=2),
        submission_deadline=now - timedelta(minutes=1),
    )
    tender.refresh_from_db()
    return tender_close(tender=tender, actor=tender.created_by)


# --- declarations of interest ------------------------------------------------------------


def test_panel_member_declares_no_conflict_and_may_then_score():
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]

    member = conflict_declare(tender=tender, actor=evaluator, has_conflict=False)

    assert member.may_score
    entry = AuditEntry.objects.get(action="tender.interest_declared")
    assert entry.actor == evaluator
    assert entry.after["has_conflict"] is False
    score = score_record(
        bid=bid, criterion=criterion(tender), actor=evaluator, score=4, justification="Clear plan"
    )
    assert score.score == 4


def test_panel_member_can_declare_as_soon_as_the_tender_has_closed():
    tender = closed_tender()
    evaluator = panel(tender)[0]

    assert conflict_declare(tender=tender, actor=evaluator, has_conflict=False).may_score


def test_declaring_a_conflict_needs_its_details():
    tender, _ = tender_in_evaluation()

    with pytest.raises(DomainError) as refused:
        conflict_declare(tender=tender, actor=panel(tender)[0], has_conflict=True, details=" ")

    assert refused.value.field_errors == {"details": ["Describe your conflict of interest"]}
    assert not PanelMember.objects.filter(declared_at__isnull=False).exists()


def test_panel_member_with_a_conflict_may_not_score():
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(
        tender=tender, actor=evaluator, has_conflict=True, details="My sister runs a bidder"
    )

    with pytest.raises(NotPermitted, match="You declared a conflict of interest"):
        score_record(
            bid=bid, criterion=criterion(tender), actor=evaluator, score=3, justification="x"
        )
    assert not Score.objects.exists()


def test_a_declared_conflict_cannot_be_taken_back():
    tender, _ = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=True, details="Former employer")

    with pytest.raises(DomainError, match="cannot be withdrawn"):
        conflict_declare(tender=tender, actor=evaluator, has_conflict=False)


def test_a_conflict_found_later_can_still_be_declared_and_stops_scoring():
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)

    conflict_declare(tender=tender, actor=evaluator, has_conflict=True, details="Found it later")

    with pytest.raises(NotPermitted):
        score_record(
            bid=bid, criterion=criterion(tender), actor=evaluator, score=3, justification="x"
        )


def test_officer_who_is_not_on_the_panel_cannot_declare_or_score():
    tender, (bid, _) = tender_in_evaluation()
    outsider = OfficerFactory(commissioner=tender.commissioner)

    with pytest.raises(NotPermitted, match="Only members of this tender's evaluation panel"):
        conflict_declare(tender=tender, actor=outsider, has_conflict=False)
    with pytest.raises(NotPermitted):
        score_record(
            bid=bid, criterion=criterion(tender), actor=outsider, score=3, justification="x"
        )


# --- scoring ------------------------------------------------------------------------------


def test_evaluator_must_declare_before_scoring():
    tender, (bid, _) = tender_in_evaluation()

    with pytest.raises(NotPermitted, match="Declare whether you have a conflict of interest"):
        score_record(
            bid=bid, criterion=criterion(tender), actor=panel(tender)[0], score=3, justification="x"
        )


@pytest.mark.parametrize("bad", [6, -1, "", None, "three", 2.5, True])
def test_score_must_be_on_the_0_to_5_scale(bad):
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)

    with pytest.raises(DomainError) as refused:
        score_record(
            bid=bid, criterion=criterion(tender), actor=evaluator, score=bad, justification="Fine"
        )

    assert refused.value.field_errors == {"score": ["Choose a score from 0 to 5"]}
    assert not Score.objects.exists()


def test_a_score_needs_a_justification():
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)

    with pytest.raises(DomainError) as refused:
        score_record(
            bid=bid, criterion=criterion(tender), actor=evaluator, score=3, justification="  "
        )

    assert refused.value.field_errors == {"justification": ["Explain why you gave this score"]}


def test_price_is_not_scored_by_hand():
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)

    with pytest.raises(DomainError, match="Price is not scored by hand"):
        score_record(
            bid=bid,
            criterion=criterion(tender, CriterionKind.PRICE),
            actor=evaluator,
            score=5,
            justification="Cheap",
        )


def test_bids_are_scored_only_while_the_tender_is_in_evaluation():
    tender = closed_tender()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)

    with pytest.raises(DomainError, match="only while the tender is in evaluation"):
        score_record(
            bid=tender.bids.get(),
            criterion=criterion(tender),
            actor=evaluator,
            score=3,
            justification="x",
        )


def test_evaluator_can_change_their_score_and_both_versions_are_audited():
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)
    quality = criterion(tender)

    score_record(bid=bid, criterion=quality, actor=evaluator, score=2, justification="Thin")
    score_record(bid=bid, criterion=quality, actor=evaluator, score=3, justification="Re-read")

    assert Score.objects.get().score == 3
    latest = AuditEntry.objects.filter(action="bid.scored").order_by("-id").first()
    assert latest.before == {"score": 2}
    assert latest.after["score"] == 3


# --- moderation ---------------------------------------------------------------------------


def test_moderation_waits_for_every_evaluator_and_says_who_is_missing():
    tender, (bid, _) = tender_in_evaluation(evaluators=2)
    first, second = panel(tender)
    for user in (first, second):
        conflict_declare(tender=tender, actor=user, has_conflict=False)
    quality = criterion(tender)
    score_record(bid=bid, criterion=quality, actor=first, score=4, justification="Good")

    with pytest.raises(DomainError) as refused:
        moderation_record(bid=bid, criterion=quality, actor=first, score=4, rationale="Agreed")

    assert f"Still to score: {second}" in refused.value.message
    assert not ModeratedScore.objects.exists()


def test_panel_moderates_once_everyone_without_a_conflict_has_scored():
    tender, (bid, _) = tender_in_evaluation(evaluators=3)
    first, second, conflicted = panel(tender)
    conflict_declare(tender=tender, actor=conflicted, has_conflict=True, details="Trustee")
    quality = criterion(tender)
    for user, value in ((first, 3), (second, 5)):
        conflict_declare(tender=tender, actor=user, has_conflict=False)
        score_record(bid=bid, criterion=quality, actor=user, score=value, justification="Seen")

    moderated = moderation_record(
        bid=bid, criterion=quality, actor=second, score=4, rationale="Met in the middle"
    )

    assert moderated.score == 4
    assert moderated.moderated_by == second
    assert AuditEntry.objects.filter(action="bid.moderated").count() == 1


def test_moderator_must_be_a_panel_member():
    tender, (bid, _) = tender_in_evaluation(evaluators=1)
    (evaluator,) = panel(tender)
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)
    quality = criterion(tender)
    score_record(bid=bid, criterion=quality, actor=evaluator, score=4, justification="Good")

    with pytest.raises(NotPermitted):
        moderation_record(
            bid=bid,
            criterion=quality,
            actor=OfficerFactory(commissioner=tender.commissioner),
            score=4,
            rationale="I was not there",
        )


def test_scores_cannot_change_after_moderation():
    tender, (bid, _) = tender_in_evaluation(evaluators=1)
    (evaluator,) = panel(tender)
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)
    quality = criterion(tender)
    score_record(bid=bid, criterion=quality, actor=evaluator, score=4, justification="Good")
    moderation_record(bid=bid, criterion=quality, actor=evaluator, score=4, rationale="Agreed")

    with pytest.raises(DomainError, match="already moderated"):
        score_record(bid=bid, criterion=quality, actor=evaluator, score=1, justification="Oops")
    assert Score.objects.get().score == 4


# --- the evaluation overview --------------------------------------------------------------


def sealed_document(bid):
    return BidDocument.objects.create(
        bid=bid,
        sealed_name=sealing.seal_bytes(bid.tender, b"method-statement.pdf"),
        sealed_content=sealing.seal_bytes(bid.tender, b"%PDF-1.4 our method"),
        content_type="application/pdf",
        size=19,
    )


def test_anonymous_visitor_is_sent_to_sign_in_from_the_evaluation_pages(client):
    tender, (bid, _) = tender_in_evaluation()
    lot = bid.lot
    quality = criterion(tender)
    document = sealed_document(bid)
    for url in (
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/documents/{document.public_id}/",
        f"/tendering/{tender.pk}/evaluation/",
        f"/tendering/{tender.pk}/evaluation/declaration/",
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/score/",
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/criteria/{quality.pk}/moderate/",
        f"/tendering/{tender.pk}/evaluation/lots/{lot.pk}/award/",
        f"/tendering/{tender.pk}/evaluation/lots/{lot.pk}/contract/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_another_organisations_officers_and_providers_find_no_evaluation_pages(sign_in):
    tender, (bid, _) = tender_in_evaluation()
    quality = criterion(tender)
    document = sealed_document(bid)
    urls = (
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/documents/{document.public_id}/",
        f"/tendering/{tender.pk}/evaluation/",
        f"/tendering/{tender.pk}/evaluation/declaration/",
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/score/",
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/criteria/{quality.pk}/moderate/",
        f"/tendering/{tender.pk}/evaluation/lots/{bid.lot_id}/award/",
    )
    for outsider in (OfficerFactory(), ProviderAdminFactory(provider=bid.provider)):
        client = sign_in(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider, url)
            assert client.post(url, {}).status_code == 404, (outsider, url)
    assert not PanelMember.objects.filter(declared_at__isnull=False).exists()


def test_officer_sees_the_panel_the_bids_and_the_ranking(sign_in):
    tender, (cheaper, dearer) = tender_in_evaluation()
    conflict_declare(tender=tender, actor=panel(tender)[0], has_conflict=False)

    response = sign_in(tender.created_by).get(f"/tendering/{tender.pk}/evaluation/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "No conflict" in page and "Not declared" in page
    assert cheaper.provider.name in page and dearer.provider.name in page
    assert "£80,000.00" in page and "£100,000.00" in page
    assert "Ranking for lot 1" in page
    assert "0 of 4" in page  # two evaluators, two scored criteria, nothing scored yet


def test_panel_member_sees_no_bid_before_declaring(sign_in):
    tender, (bid, _) = tender_in_evaluation()

    page = sign_in(panel(tender)[0]).get(f"/tendering/{tender.pk}/evaluation/").content.decode()

    assert "declare whether you have a conflict of interest" in page
    assert "£80,000.00" not in page
    assert bid.provider.name not in page


def test_panel_member_with_a_conflict_sees_no_bid(sign_in):
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=True, details="Former trustee")
    client = sign_in(evaluator)

    page = client.get(f"/tendering/{tender.pk}/evaluation/").content.decode()
    assert "£80,000.00" not in page
    assert (
        client.get(f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/score/").status_code
        == 403
    )
    document = sealed_document(bid)
    download = (
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/documents/{document.public_id}/"
    )
    assert client.get(download).status_code == 403


def test_evaluation_overview_makes_the_same_number_of_queries_for_2_or_20_bids(sign_in):
    tender, bids = tender_in_evaluation(prices=("80000.00", "90000.00"))
    client = sign_in(tender.created_by)
    url = f"/tendering/{tender.pk}/evaluation/"
    small = count_queries(client.get, url)

    Tender.objects.filter(pk=tender.pk).update(bids_opened_at=None, status=TenderStatus.PUBLISHED)
    for index in range(18):
        sealed_bid(lot=bids[0].lot, price=f"{95000 + index}.00")
    Tender.objects.filter(pk=tender.pk).update(
        bids_opened_at=timezone.now(), status=TenderStatus.EVALUATION
    )
    tender.bids.update(opened_price="99000.00")
    large = count_queries(client.get, url)

    assert tender.bids.count() == 20
    assert 0 < small == large


# --- the declaration page -----------------------------------------------------------------


def test_panel_member_declares_on_the_page_seeing_who_bid(sign_in):
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    client = sign_in(evaluator)
    url = f"/tendering/{tender.pk}/evaluation/declaration/"

    page = client.get(url).content.decode()
    assert bid.provider.name in page
    assert "£80,000.00" not in page

    response = client.post(url, {"has_conflict": "no", "details": ""}, follow=True)
    assert "Your declaration of interests has been recorded" in response.content.decode()
    assert PanelMember.objects.get(tender=tender, user=evaluator).may_score


def test_declaring_a_conflict_without_details_is_refused_with_the_choice_kept(sign_in):
    tender, _ = tender_in_evaluation()
    client = sign_in(panel(tender)[0])

    response = client.post(
        f"/tendering/{tender.pk}/evaluation/declaration/", {"has_conflict": "yes", "details": ""}
    )

    page = response.content.decode()
    assert "<title>Error: " in page
    assert 'href="#id_details"' in page
    assert "Describe your conflict of interest" in page
    assert re.search(r'name="has_conflict" value="yes"[^>]* checked', page)
    assert not PanelMember.objects.filter(declared_at__isnull=False).exists()


def test_officer_not_on_the_panel_is_told_they_cannot_declare(sign_in):
    tender, _ = tender_in_evaluation()
    client = sign_in(OfficerFactory(commissioner=tender.commissioner))

    response = client.get(f"/tendering/{tender.pk}/evaluation/declaration/")

    assert response.status_code == 403
    assert "Only members of this tender" in response.content.decode()


# --- the scoring page ---------------------------------------------------------------------


def test_undeclared_evaluator_is_sent_to_declare_before_reading_a_bid(sign_in):
    tender, (bid, _) = tender_in_evaluation()

    response = sign_in(panel(tender)[0]).get(
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/score/"
    )

    assert response.status_code == 302
    assert response["Location"] == f"/tendering/{tender.pk}/evaluation/declaration/"


def test_evaluator_reads_the_bids_answers_and_documents_and_scores_it(sign_in):
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)
    document = sealed_document(bid)
    client = sign_in(evaluator)
    url = f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/score/"

    page = client.get(url).content.decode()
    assert "Our answer to Quality" in page
    assert "Our answer to Social value" in page
    assert "method-statement.pdf" in page
    download = client.get(
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/documents/{document.public_id}/"
    )
    assert download.content == b"%PDF-1.4 our method"
    assert 'filename="method-statement.pdf"' in download["Content-Disposition"]

    quality, social = criterion(tender), criterion(tender, CriterionKind.SOCIAL_VALUE)
    response = client.post(
        url,
        {
            f"score_{quality.pk}": "4",
            f"justification_{quality.pk}": "Strong local plan",
            f"score_{social.pk}": "3",
            f"justification_{social.pk}": "Some volunteering",
        },
        follow=True,
    )

    assert f"Your scores for {bid.provider.name} have been saved" in response.content.decode()
    saved = {s.criterion_id: s.score for s in Score.objects.filter(evaluator=evaluator)}
    assert saved == {quality.pk: 4, social.pk: 3}


def test_a_missing_score_is_refused_with_the_justifications_kept_and_nothing_saved(sign_in):
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)
    quality, social = criterion(tender), criterion(tender, CriterionKind.SOCIAL_VALUE)

    response = sign_in(evaluator).post(
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/score/",
        {
            f"score_{quality.pk}": "4",
            f"justification_{quality.pk}": "Strong local plan",
            f"justification_{social.pk}": "Typed but not scored",
        },
    )

    page = response.content.decode()
    assert "<title>Error: " in page
    assert f'href="#id_score_{social.pk}_0"' in page
    assert "Choose a score for social value" in page
    assert "Typed but not scored" in page
    assert not Score.objects.exists()


def test_scores_refused_by_the_service_are_shown_against_their_criterion(sign_in):
    tender, (bid, _) = tender_in_evaluation(evaluators=1)
    (evaluator,) = panel(tender)
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)
    quality, social = criterion(tender), criterion(tender, CriterionKind.SOCIAL_VALUE)
    score_record(bid=bid, criterion=social, actor=evaluator, score=2, justification="Some")
    moderation_record(bid=bid, criterion=social, actor=evaluator, score=2, rationale="Agreed")

    response = sign_in(evaluator).post(
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/score/",
        {
            f"score_{quality.pk}": "4",
            f"justification_{quality.pk}": "Strong",
            f"score_{social.pk}": "5",
            f"justification_{social.pk}": "Changed my mind",
        },
    )

    assert "already moderated Social value" in response.content.decode()
    # One transaction for the whole form: the quality score was not kept either.
    assert not Score.objects.filter(criterion=quality).exists()


# --- the moderation page ------------------------------------------------------------------


def test_moderator_sees_each_evaluators_score_and_justification_then_records_the_panels(
    sign_in,
):
    tender, (bid, _) = tender_in_evaluation(evaluators=2)
    first, second = panel(tender)
    quality = criterion(tender)
    for user, value, why in ((first, 3, "Adequate staffing"), (second, 5, "Excellent reach")):
        conflict_declare(tender=tender, actor=user, has_conflict=False)
        score_record(bid=bid, criterion=quality, actor=user, score=value, justification=why)
    client = sign_in(first)
    url = f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/criteria/{quality.pk}/moderate/"

    page = client.get(url).content.decode()
    assert "Adequate staffing" in page and "Excellent reach" in page

    response = client.post(url, {"score": "4", "rationale": "Agreed at panel"}, follow=True)

    assert "has been recorded" in response.content.decode()
    assert ModeratedScore.objects.get(bid=bid, criterion=quality).score == 4


def test_moderating_too_early_shows_who_has_not_scored(sign_in):
    tender, (bid, _) = tender_in_evaluation(evaluators=2)
    first, second = panel(tender)
    for user in (first, second):
        conflict_declare(tender=tender, actor=user, has_conflict=False)
    quality = criterion(tender)
    url = f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/criteria/{quality.pk}/moderate/"

    response = sign_in(first).post(url, {"score": "4", "rationale": "Too soon"})

    page = response.content.decode()
    assert "<title>Error: " in page
    # Names are HTML-escaped on the page (an O'Sullivan's apostrophe among them).
    assert (
        escape(f"Still to score: {first}, {second}") in page
        or escape(f"Still to score: {second}, {first}") in page
    )
    assert "Too soon" in page
    assert not ModeratedScore.objects.exists()


def test_the_price_criterion_has_no_moderation_page(sign_in):
    tender, (bid, _) = tender_in_evaluation()
    evaluator = panel(tender)[0]
    conflict_declare(tender=tender, actor=evaluator, has_conflict=False)
    price = criterion(tender, CriterionKind.PRICE)

    response = sign_in(evaluator).get(
        f"/tendering/{tender.pk}/evaluation/bids/{bid.public_id}/criteria/{price.pk}/moderate/"
    )

    assert response.status_code == 404


def test_officers_see_the_exclusion_flag_on_a_bidder_excluded_during_evaluation(sign_in):
    from tests.factories import ProviderExclusionFactory, tender_in_evaluation

    tender, (_cheaper, dearer) = tender_in_evaluation()
    client = sign_in(tender.created_by)
    url = f"/tendering/{tender.pk}/evaluation/"
    assert "Excluded until" not in client.get(url).content.decode()
    exclusion = ProviderExclusionFactory(provider=dearer.provider)
    assert f"Excluded until {exclusion.ends_on:%-d %B %Y}" in client.get(url).content.decode()
