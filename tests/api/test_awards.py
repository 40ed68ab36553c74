"""A council's finance system decides lots through the API; a transparency site reads the
award decisions: who won, at what value, and when the standstill ends, and nothing about how
the other bids did."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commissioning.choices import AwardStatus, TenderStatus
from commissioning.models import Award, Tender
from commissioning.services.evaluation import conflict_declare
from core.models import AuditEntry
from providers.choices import ProviderKind, SizeBand
from tests.factories import (
    ContractFactory,
    OfficerFactory,
    ProviderAdminFactory,
    panel_scores_and_moderates,
    tender_in_evaluation,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

STRONG = {"quality": 5, "social_value": 5}
WEAK = {"quality": 2, "social_value": 2}


def evaluated(prices=("80000.00", "100000.00"), scores=(WEAK, STRONG), **kwargs):
    """A tender in evaluation whose bids are all moderated; the dearer bid wins (92 to 64)."""
    tender, bids = tender_in_evaluation(prices=prices, **kwargs)
    panel_scores_and_moderates(tender, dict(zip(bids, scores, strict=True)))
    return tender, bids


def award(api, lot, bid=None, **body):
    data = {"lot": lot.pk, "bid": str(bid.public_id) if bid else None, **body}
    return api.post("/api/v1/awards/", data, format="json")


# --- making an award -----------------------------------------------------------------------------


def test_an_officer_awards_the_lot_to_the_top_ranked_bid(api):
    tender, (_, dearer) = evaluated()
    api.as_key(tender.created_by, "awards:write")

    response = award(api, dearer.lot, dearer)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "standstill"
    assert body["provider"]["id"] == dearer.provider_id
    assert body["value"] == "100000.00"
    assert body["lot"]["id"] == dearer.lot_id
    assert body["tender"]["reference"] == tender.reference
    assert body["commissioner"]["name"] == tender.commissioner.name
    assert body["standstill_ends_at"] > body["decided_at"]
    assert AuditEntry.objects.get(action="lot.awarded").after["bid"] == str(dearer.public_id)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.AWARDED


def test_awarding_a_lower_ranked_bid_needs_a_reason(api):
    tender, (cheaper, dearer) = evaluated()
    api.as_key(tender.created_by, "awards:write")

    response = award(api, cheaper.lot, cheaper)
    assert response.status_code == 400
    assert dearer.provider.name in response.json()["errors"]["reason"][0]

    response = award(api, cheaper.lot, cheaper, reason="The top bidder failed its checks")
    assert response.status_code == 201
    assert response.json()["provider"]["id"] == cheaper.provider_id


def test_not_awarding_a_lot_needs_a_reason(api):
    tender, (bid, _) = evaluated()
    api.as_key(tender.created_by, "awards:write")

    response = api.post("/api/v1/awards/", {"lot": bid.lot_id}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]

    response = award(api, bid.lot, None, reason="No bid was affordable")
    assert response.status_code == 201
    assert response.json()["status"] == "not_awarded"
    assert response.json()["provider"] is None
    assert response.json()["value"] is None
    assert response.json()["standstill_ends_at"] is None


def test_a_lot_is_decided_once_and_a_second_decision_is_a_409(api):
    tender, (_, dearer) = evaluated()
    api.as_key(tender.created_by, "awards:write")
    assert award(api, dearer.lot, dearer).status_code == 201

    response = award(api, dearer.lot, dearer)

    assert response.status_code == 409
    assert "already been awarded" in response.json()["detail"]


def test_awarding_before_every_bid_is_moderated_is_a_409(api):
    tender, (bid, _) = tender_in_evaluation()
    api.as_key(tender.created_by, "awards:write")

    response = award(api, bid.lot, bid)

    assert response.status_code == 409
    assert "Still to moderate" in response.json()["detail"]
    assert not Award.objects.exists()


def test_awarding_a_tender_not_in_evaluation_is_a_409(api):
    tender, (_, dearer) = evaluated()
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.CANCELLED)
    api.as_key(tender.created_by, "awards:write")

    response = award(api, dearer.lot, dearer)

    assert response.status_code == 409
    assert "cancelled" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lot": 999999}, "lot"),
        ({"lot": "one"}, "lot"),
        ({"bid": 999999}, "bid"),
        ({"bid": 10**30}, "bid"),
        ({"lot": 10**30}, "lot"),
        ({"bid": "best"}, "bid"),
        ({"reason": 12, "winner": "them"}, "winner"),
        ({"reason": "x" * 10_001}, "reason"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, body, field):
    tender, (_, dearer) = evaluated()
    api.as_key(tender.created_by, "awards:write")

    response = api.post(
        "/api/v1/awards/",
        {"lot": dearer.lot_id, "bid": str(dearer.public_id), **body},
        format="json",
    )

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Award.objects.exists()


def test_a_bid_on_another_lot_is_a_400(api):
    tender, (_, dearer) = evaluated()
    _, (elsewhere, _) = evaluated(commissioner=tender.commissioner)
    api.as_key(tender.created_by, "awards:write")

    response = award(api, dearer.lot, elsewhere)

    assert response.status_code == 400
    assert "bid" in response.json()["errors"]


def test_a_draft_tenders_lot_of_another_council_is_not_found(api):
    tender, (_, dearer) = evaluated()
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.DRAFT)
    api.as_key(OfficerFactory(), "awards:write")

    response = award(api, dearer.lot, None, reason="Mine now")

    assert response.status_code == 400
    assert "lot" in response.json()["errors"]


def test_who_may_award(api):
    tender, (_, dearer) = evaluated()
    response = award(api, dearer.lot, dearer)
    assert response.status_code == 401

    api.as_key(tender.created_by, "contracts:write")
    response = award(api, dearer.lot, dearer)
    assert response.status_code == 403
    assert "awards:write" in response.json()["detail"]

    # Another council's officer and a provider see the lot (the tender is public), not its bids.
    for outsider in (OfficerFactory(), ProviderAdminFactory()):
        api.as_key(outsider, "awards:write")
        response = award(api, dearer.lot, None, reason="Not ours to decide")
        assert response.status_code == 403
        assert "Only your organisation's commissioning officers" in response.json()["detail"]

    # A panel member with a conflict of interest may not decide.
    member = tender.panel_members.first().user
    conflict_declare(tender=tender, actor=member, has_conflict=True, details="Found one")
    api.as_key(member, "awards:write")
    response = award(api, dearer.lot, dearer)
    assert response.status_code == 403
    assert "conflict of interest" in response.json()["detail"]
    assert not Award.objects.exists()


# --- reading awards ------------------------------------------------------------------------------


def test_anyone_reads_award_decisions_without_the_losing_bids_price_or_scores(api):
    tender, (_, dearer) = evaluated(prices=("81234.56", "102345.67"))
    api.as_key(tender.created_by, "awards:write")
    award_id = award(api, dearer.lot, dearer).json()["id"]
    api.anonymous()

    listing = api.get("/api/v1/awards/")
    detail = api.get(f"/api/v1/awards/{award_id}/")

    assert listing.status_code == detail.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [award_id]
    assert detail.json()["value"] == "102345.67"
    for response in (listing, detail):
        text = response.content.decode()
        assert "81234" not in text
        assert "score" not in text
        assert "reason" not in text
    assert api.get("/api/v1/awards/999999/").status_code == 404
    assert (
        api.get(f"/api/v1/awards/{award_id}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304
    )


def test_awards_filter_by_tender_commissioner_provider_and_value(api):
    charity = ContractFactory(
        value="50000.00",
        provider__kind=ProviderKind.THIRD_SECTOR,
        provider__size_band=SizeBand.SMALL,
    )
    company = ContractFactory(
        value="900000.00", provider__kind=ProviderKind.PRIVATE, provider__size_band=SizeBand.LARGE
    )
    Award.objects.filter(pk=company.award_id).update(decided_at=timezone.now() - timedelta(days=30))

    def ids(query):
        response = api.get(f"/api/v1/awards/?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"tender={charity.tender_id}") == {charity.award_id}
    assert ids(f"commissioner={company.commissioner_id}") == {company.award_id}
    assert ids(f"provider={charity.provider_id}") == {charity.award_id}
    assert ids("provider_kind=private") == {company.award_id}
    assert ids("provider_size=small") == {charity.award_id}
    assert ids("status=contracted") == {charity.award_id, company.award_id}
    assert ids("status=standstill") == set()
    assert ids("value_min=100000") == {company.award_id}
    assert ids("value_max=100000") == {charity.award_id}
    since = (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B")
    assert ids(f"decided_since={since}") == {charity.award_id}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=won", "status"),
        ("provider_kind=pirate", "provider_kind"),
        ("provider_size=huge", "provider_size"),
        ("value_min=lots", "value_min"),
        ("value_max=1e30", "value_max"),
        ("decided_since=last-week", "decided_since"),
        ("commissioner=-1", "commissioner"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(api, query, field):
    response = api.get(f"/api/v1/awards/?{query}")

    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_the_award_list_makes_the_same_number_of_queries_for_2_and_20(api):
    ContractFactory.create_batch(22)

    def page(size):
        response = api.get(f"/api/v1/awards/?page_size={size}")
        assert len(response.json()["results"]) == size

    page(2)
    assert count_queries(page, 2) == count_queries(page, 20)


def test_an_award_makes_a_fixed_number_of_queries(api):
    first, second = ContractFactory.create_batch(2)

    def detail(contract):
        assert api.get(f"/api/v1/awards/{contract.award_id}/").status_code == 200

    detail(first)
    assert count_queries(detail, first) == count_queries(detail, second)


def test_award_statuses_are_those_of_the_decision(api):
    contract = ContractFactory()
    response = api.get(f"/api/v1/awards/{contract.award_id}/")
    assert response.json()["status"] == AwardStatus.CONTRACTED


def test_the_api_root_links_bids_and_awards(api):
    links = api.get("/api/v1/").json()
    assert links["awards"].endswith("/api/v1/awards/")
    assert links["bids"].endswith("/api/v1/bids/")
