"""The reviews job prepares each due review with its figures and RAG rating; officers sign off."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accountability.choices import ComplaintCategory
from commissioning.models import Award, Contract, ContractReview, KpiRating, KpiResult
from commissioning.selectors_kpis import add_months
from commissioning.services.reviews import contract_reviews_create_due, review_sign_off
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry
from tests.factories import (
    ComplaintFactory,
    ContractFactory,
    KpiFactory,
    KpiResultFactory,
    OfficerFactory,
    ProviderAdminFactory,
    StaffFactory,
    UpheldComplaintFactory,
    contract_due_for_review,
    tender_in_evaluation,
)

pytestmark = pytest.mark.django_db


def _month(contract, number):
    start = add_months(contract.start_date, number)
    return start, add_months(contract.start_date, number + 1) - timedelta(days=1)


def _result(kpi, number, rating, value="96"):
    start, end = _month(kpi.contract, number)
    return KpiResultFactory(
        kpi=kpi, period_start=start, period_end=end, rating=rating, value=Decimal(value)
    )


def _kpi_with(contract, *ratings):
    kpi = KpiFactory(contract=contract, reporting_frequency="monthly")
    for number, rating in enumerate(ratings):
        _result(kpi, number, rating)
    return kpi


def _review(contract):
    contract_reviews_create_due()
    return ContractReview.objects.get(contract=contract)


# --- the figures and the rating -------------------------------------------------------------


def test_a_contract_meeting_its_kpis_gets_a_green_review_and_its_next_review_date_moves_on():
    contract = contract_due_for_review()
    _kpi_with(contract, KpiRating.MET, KpiRating.MET)  # the third month is not due yet

    review = _review(contract)

    assert review.rating == "green"
    assert (review.period_start, review.period_end) == (
        contract.start_date,
        contract.next_review_on,
    )
    assert (review.kpis_met, review.kpis_missed, review.kpi_returns_missing) == (2, 0, 0)
    contract.refresh_from_db()
    assert contract.next_review_on == add_months(review.period_end, 3)


def test_a_near_miss_makes_the_review_amber():
    contract = contract_due_for_review()
    _kpi_with(contract, KpiRating.MET, KpiRating.NEAR_MISS)
    review = _review(contract)
    assert (review.rating, review.kpis_near_miss) == ("amber", 1)


def test_a_missing_return_makes_the_review_amber():
    contract = contract_due_for_review()
    _kpi_with(contract, KpiRating.MET)  # the second month's return never came
    review = _review(contract)
    assert (review.rating, review.kpi_returns_missing) == ("amber", 1)


def test_an_upheld_complaint_makes_the_review_amber_and_complaints_are_counted():
    contract = contract_due_for_review()
    UpheldComplaintFactory(contract=contract)
    ComplaintFactory(contract=contract)
    review = _review(contract)
    assert (review.rating, review.complaints_received, review.complaints_upheld) == ("amber", 2, 1)


def test_a_kpi_missed_twice_makes_the_review_red_and_proposes_an_escalation():
    contract = contract_due_for_review()
    _kpi_with(contract, KpiRating.MISSED, KpiRating.MISSED)
    review = _review(contract)
    assert (review.rating, review.kpis_missed, review.escalation_triggers_fired) == ("red", 2, 1)


def test_a_performance_notice_makes_the_review_red():
    contract = contract_due_for_review(escalation_level=2)
    _kpi_with(contract, KpiRating.MET, KpiRating.MET)
    assert _review(contract).rating == "red"


def test_an_upheld_safeguarding_complaint_makes_the_review_red():
    contract = contract_due_for_review()
    UpheldComplaintFactory(contract=contract, category=ComplaintCategory.SAFEGUARDING)
    assert _review(contract).rating == "red"


def test_the_next_review_starts_where_the_last_ended():
    contract = contract_due_for_review(months_ago=6)
    contract_reviews_create_due()
    first = ContractReview.objects.get()
    contract.refresh_from_db()
    assert contract.next_review_on > timezone.localdate()  # not due again today

    type(contract).objects.filter(pk=contract.pk).update(next_review_on=timezone.localdate())
    contract_reviews_create_due()

    second = ContractReview.objects.exclude(pk=first.pk).get()
    assert second.period_start == first.period_end + timedelta(days=1)


def test_expired_and_not_yet_due_contracts_are_not_reviewed():
    contract_due_for_review(status="expired")
    ContractFactory(next_review_on=timezone.localdate() + timedelta(days=1))
    assert contract_reviews_create_due() == 0
    assert not ContractReview.objects.exists()


def test_the_review_records_the_social_value_the_winning_bid_committed():
    tender, (bid,) = tender_in_evaluation(prices=("80000.00",))
    award = Award.objects.create(
        lot=bid.lot,
        bid=bid,
        status="contracted",
        decided_by=tender.created_by,
        decided_at=timezone.now(),
        standstill_ends_at=timezone.now(),
    )
    contract = contract_due_for_review(
        tender=tender, lot=bid.lot, award=award, provider=bid.provider
    )
    assert _review(contract).social_value_committed == "Our answer to Social value"


# --- signing off ----------------------------------------------------------------------------


@pytest.fixture
def review():
    contract = contract_due_for_review()
    return _review(contract)


def test_officer_signs_off_a_review_and_it_is_audited(review):
    officer = OfficerFactory(commissioner=review.contract.commissioner)

    review_sign_off(
        review=review,
        actor=officer,
        comments="Good quarter.",
        social_value_delivered="Two apprentices",
    )

    review.refresh_from_db()
    assert review.signed_off_by == officer and review.signed_off_at is not None
    assert review.comments == "Good quarter."
    assert AuditEntry.objects.filter(action="contract_review.signed_off").count() == 1
    with pytest.raises(DomainError, match="already been signed off"):
        review_sign_off(review=review, actor=officer, comments="x", social_value_delivered="y")


def test_signing_off_needs_conclusions_and_social_value(review):
    officer = OfficerFactory(commissioner=review.contract.commissioner)
    with pytest.raises(DomainError) as refusal:
        review_sign_off(review=review, actor=officer, comments=" ", social_value_delivered="")
    assert set(refusal.value.field_errors) == {"comments", "social_value_delivered"}
    review.refresh_from_db()
    assert review.signed_off_at is None


def test_only_the_commissioners_officers_sign_off(review):
    for outsider in (ProviderAdminFactory(provider=review.contract.provider), OfficerFactory()):
        with pytest.raises(NotPermitted):
            review_sign_off(review=review, actor=outsider, comments="x", social_value_delivered="y")


# --- pages ----------------------------------------------------------------------------------


def test_review_page_permissions(client, sign_in, review):
    url = reverse("kpis:review", args=[review.pk])
    assert client.get(url).status_code == 302
    assert sign_in(OfficerFactory()).get(url).status_code == 404
    assert (
        sign_in(ProviderAdminFactory(provider=review.contract.provider)).get(url).status_code == 404
    )
    staff_page = sign_in(StaffFactory()).get(url)
    assert staff_page.status_code == 200 and "Sign off review" not in staff_page.content.decode()
    assert sign_in(StaffFactory()).post(url, {"comments": "x"}).status_code == 403
    officer = OfficerFactory(commissioner=review.contract.commissioner)
    assert "Sign off review" in sign_in(officer).get(url).content.decode()


def test_officer_signs_off_through_the_page_and_a_blank_form_is_explained(sign_in, review):
    officer = OfficerFactory(commissioner=review.contract.commissioner)
    client = sign_in(officer)
    url = reverse("kpis:review", args=[review.pk])

    page = client.post(url, {"comments": "Fine", "social_value_delivered": ""}).content.decode()
    assert "govuk-error-summary" in page
    assert "Enter the social value delivered in the period" in page
    assert "Fine</textarea>" in page

    response = client.post(url, {"comments": "Fine", "social_value_delivered": "Apprentices"})
    assert response.status_code == 302
    assert "Signed off" in client.get(url).content.decode()


def test_reviews_list_shows_only_the_officers_own_reviews_awaiting_sign_off(
    client, sign_in, review
):
    other = contract_due_for_review()
    contract_reviews_create_due()
    url = reverse("kpis:reviews")
    assert client.get(url).status_code == 302
    assert sign_in(ProviderAdminFactory()).get(url).status_code == 403
    page = sign_in(OfficerFactory(commissioner=review.contract.commissioner)).get(url)
    assert review.contract.title in page.content.decode()
    assert other.title not in page.content.decode()


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_reviews_list_makes_the_same_queries_for_2_rows_and_20(sign_in):
    first = contract_due_for_review()
    commissioner = first.commissioner
    contract_due_for_review(commissioner=commissioner)
    contract_reviews_create_due()
    client = sign_in(OfficerFactory(commissioner=commissioner))
    few = _queries(client, reverse("kpis:reviews"))
    for _ in range(18):
        contract_due_for_review(commissioner=commissioner)
    contract_reviews_create_due()
    assert ContractReview.objects.count() == 20
    assert 0 < few == _queries(client, reverse("kpis:reviews"))


# --- demo data ------------------------------------------------------------------------------


def test_the_demo_has_reviews_at_every_rating_some_signed_off_and_late_and_missing_returns():
    from django.core.management import call_command

    from commissioning import demo_contract_management
    from commissioning.selectors_kpis import contract_kpis

    call_command("seed_demo", verbosity=0)
    # seed_demo has loaded it already; loading again adds nothing.
    assert demo_contract_management.seed() == 0

    ratings = set(ContractReview.objects.values_list("rating", flat=True))
    assert ratings == {"green", "amber", "red"}
    assert ContractReview.objects.filter(signed_off_at__isnull=False).exists()
    assert ContractReview.objects.filter(signed_off_at__isnull=True).exists()
    assert KpiResult.objects.filter(rating=KpiRating.MISSED).exists()
    statuses = {
        row.status
        for contract in ContractReview.objects.values_list("contract", flat=True).distinct()
        for item in contract_kpis(
            contract=Contract.objects.get(pk=contract), today=timezone.localdate()
        )
        for row in item["rows"]
    }
    assert "missing" in statuses
    # Late returns: submitted after they were due (the renewals demo may have moved the end
    # date of the contract that showed them, so they are checked on the returns themselves).
    from django.db.models import F

    assert KpiResult.objects.filter(submitted_at__date__gt=F("due_on")).exists()


def test_a_new_contract_is_first_reviewed_one_review_period_after_it_starts():
    from datetime import date

    from commissioning.services.awards import award_make
    from commissioning.services.contracts import contract_create
    from tests.factories import panel_scores_and_moderates

    tender, (bid,) = tender_in_evaluation(prices=("98000.00",))
    panel_scores_and_moderates(tender, {bid: {"quality": 4, "social_value": 3}})
    award = award_make(lot=bid.lot, actor=tender.created_by, bid=bid)
    Award.objects.filter(pk=award.pk).update(
        standstill_ends_at=timezone.now() - timedelta(minutes=1)
    )
    award.refresh_from_db()

    contract = contract_create(
        award=award,
        actor=tender.created_by,
        start_date=date(2026, 1, 31),
        end_date=date(2028, 1, 30),
        notice_period_days=90,
    )

    assert contract.review_frequency_months == 3
    assert contract.next_review_on == date(2026, 4, 30)
