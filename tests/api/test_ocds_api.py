"""A transparency site reads the platform's open contracting data: a release package of every
release, newest first, page by page to the end; a record package per process; all valid OCDS
1.1.5, public, cacheable, and in a fixed number of queries."""

import json
from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from commissioning.models import ContractExtension
from commissioning.ocds import build, validate
from commissioning.services.amendments import tender_amend
from tests.commissioning.test_ocds import LOSING_PRICE, WINNING_PRICE, Story
from tests.factories import (
    ContractFactory,
    KpiResultFactory,
    OfficerFactory,
    TenderFactory,
    published_tender,
    sealed_bid,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def follow(api, url):
    """The path and query of a link, for the test client."""
    parsed = urlparse(url)
    return f"{parsed.path}?{parsed.query}" if parsed.query else parsed.path


def all_pages(api, page_size):
    url = f"/api/ocds/releases/?page_size={page_size}"
    releases, pages = [], 0
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        package = response.json()
        assert validate.release_package_errors(package) == []
        releases += package["releases"]
        pages += 1
        url = follow(api, package["links"]["next"]) if "next" in package.get("links", {}) else None
    return releases, pages


def test_anyone_reads_every_release_newest_first_following_links_next_to_the_end(api):
    amended = published_tender(lots=1)
    tender_amend(
        tender=amended,
        actor=amended.created_by,
        rationale="More time",
        submission_deadline=amended.submission_deadline + timedelta(days=3),
    )
    contract = ContractFactory()
    KpiResultFactory(kpi__contract=contract, rating="near_miss")
    published_tender(lots=2)
    TenderFactory()  # a draft: never published
    ended = ContractFactory(
        status="expired",
        start_date=date(2023, 1, 1),
        end_date=date(2025, 12, 31),
    )
    ContractExtension.objects.create(
        contract=ended,
        previous_end_date=date(2024, 12, 31),
        new_end_date=date(2025, 12, 31),
        months=12,
        approved_by=ended.created_by,
        approved_at=timezone.now() - timedelta(days=400),
    )

    releases, pages = all_pages(api.anonymous(), page_size=2)

    expected = []
    for tender in build.published_rows():
        expected += build.releases_for(tender)
    assert sorted(r["id"] for r in releases) == sorted(r["id"] for r in expected)
    # tender+amendment; tender, award, contract, KPI result; tender; and for the ended
    # contract tender, award, contract, extension and termination.
    assert len(releases) == len(expected) == 12
    assert pages == 6
    dates = [r["date"] for r in releases]
    assert dates == sorted(dates, reverse=True)
    assert {tuple(r["tag"]) for r in releases} >= {
        ("tender",),
        ("tenderAmendment",),
        ("award",),
        ("contract",),
        ("implementation",),
        ("contractUpdate",),
        ("contractTermination",),
    }


def test_the_release_list_makes_the_same_number_of_queries_for_2_or_20_releases(api):
    for _ in range(8):
        contract = ContractFactory()
        KpiResultFactory(kpi__contract=contract)
    api.anonymous()

    small = count_queries(api.get, "/api/ocds/releases/?page_size=2")
    large = count_queries(api.get, "/api/ocds/releases/?page_size=20")
    assert small == large


def test_a_record_package_has_the_releases_and_the_compiled_release_and_an_etag(api):
    story = Story()
    story.amend()
    ocid = build.ocid_for(story.tender)

    response = api.anonymous().get(f"/api/ocds/records/{ocid}/")

    assert response.status_code == 200
    package = response.json()
    assert validate.record_package_errors(package) == []
    (record,) = package["records"]
    assert record["ocid"] == ocid
    assert [r["tag"] for r in record["releases"]] == [["tender"], ["tenderAmendment"]]
    assert record["compiledRelease"]["tag"] == ["compiled"]
    etag = response["ETag"]
    again = api.get(f"/api/ocds/records/{ocid}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_sealed_prices_never_appear_in_the_api_before_the_award(api):
    story = Story()
    story.bid_and_close()
    story.evaluate()
    api.anonymous()
    ocid = build.ocid_for(story.tender)
    text = (
        api.get(f"/api/ocds/records/{ocid}/").content.decode()
        + api.get("/api/ocds/releases/").content.decode()
    )
    assert LOSING_PRICE not in text and WINNING_PRICE not in text
    assert (
        json.loads(api.get(f"/api/ocds/records/{ocid}/").content)["records"][0]["compiledRelease"][
            "tender"
        ]["numberOfTenderers"]
        == 2
    )


@pytest.mark.parametrize("which", ["draft", "unknown prefix", "no such tender"])
def test_a_record_that_is_not_published_is_404(api, which):
    draft = TenderFactory()
    ocid = {
        "draft": build.ocid_for(draft),
        "unknown prefix": "ocds-zzzzzz-1",
        "no such tender": build.ocid_for(draft) + "999",
    }[which]
    response = api.anonymous().get(f"/api/ocds/records/{ocid}/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_the_record_makes_the_same_number_of_queries_however_many_results_and_bids(api):
    few = ContractFactory()
    KpiResultFactory(kpi__contract=few)
    many = ContractFactory()
    for _ in range(4):
        KpiResultFactory(kpi__contract=many)
        sealed_bid(lot=published_tender(lots=1).lots.get())
    api.anonymous()
    assert count_queries(api.get, f"/api/ocds/records/{build.ocid_for(few.tender)}/") == (
        count_queries(api.get, f"/api/ocds/records/{build.ocid_for(many.tender)}/")
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [("page_size=0", "page_size"), ("page_size=abc", "page_size"), ("cursor=%%%", "cursor")],
)
def test_bad_page_sizes_and_cursors_are_400_naming_the_field(api, query, field):
    response = api.anonymous().get(f"/api/ocds/releases/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_key_without_any_scope_reads_open_data_too(api):
    published_tender(lots=1)
    api.as_key(OfficerFactory(), "bids:read")
    assert api.get("/api/ocds/releases/").status_code == 200


def test_an_empty_release_list_is_still_a_package(api):
    response = api.anonymous().get("/api/ocds/releases/")
    assert response.status_code == 200
    assert response.json()["releases"] == []
    assert "links" not in response.json()
    assert timezone.now()  # the package's publishedDate falls back to now
