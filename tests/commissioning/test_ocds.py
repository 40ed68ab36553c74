"""A tender's life published as OCDS 1.1: every stage's releases and record validate against
the official 1.1.5 schema (offline, with format checks), carry the right tags and statuses,
and never reveal sealed bids."""

import csv
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test.utils import override_settings
from django.utils import timezone

from commissioning.choices import TenderStatus
from commissioning.models import Award, Tender
from commissioning.ocds import build, codes, validate
from commissioning.services.amendments import tender_amend
from commissioning.services.awards import award_make
from commissioning.services.contracts import contract_create
from commissioning.services.tenders import tender_cancel, tender_close, tender_start_evaluation
from tests.factories import (
    KpiResultFactory,
    TenderFactory,
    panel_scores_and_moderates,
    published_tender,
    sealed_bid,
)

pytestmark = pytest.mark.django_db

if not (validate.shared_schema_dir() / "release-schema.json").exists():  # pragma: no cover
    pytest.skip(
        f"The OCDS 1.1.5 schema is not in {validate.shared_schema_dir()} (../shared/ocds/1.1.5): "
        "these tests validate offline against it.",
        allow_module_level=True,
    )

LOSING_PRICE = "98765.43"
WINNING_PRICE = "87654.32"
KPIS = [
    {
        "name": "Visits made on time",
        "target": Decimal("95"),
        "unit": "%",
        "higher_is_better": True,
        "reporting_frequency": "monthly",
    }
]


def record_of(tender) -> dict:
    (tender,) = build.load([tender.pk])
    return build.record_for(tender)


def published_record(tender) -> dict:
    """The tender's record package, checked against the schema: releases, record and package."""
    record = record_of(tender)
    package = build.record_package([record], uri="https://example.org/ocds/record.json")
    assert validate.record_package_errors(package) == []
    releases = build.release_package(record["releases"], uri="https://example.org/r.json")
    assert validate.release_package_errors(releases) == []
    for release in [*record["releases"], record["compiledRelease"]]:
        assert validate.release_errors(release) == []
    return record


def tags(record) -> list[str]:
    return [release["tag"][0] for release in record["releases"]]


class Story:
    """One tender taken through its life by the services, a stage at a time."""

    def __init__(self):
        self.tender = published_tender(lots=1)
        self.officer = self.tender.created_by
        self.lot = self.tender.lots.get()

    def refresh(self):
        self.tender.refresh_from_db()
        return self.tender

    def amend(self):
        return tender_amend(
            tender=self.tender,
            actor=self.officer,
            rationale="More time for small providers to form partnerships.",
            submission_deadline=self.tender.submission_deadline + timedelta(days=7),
            description="Befriending and practical support, now including digital inclusion.",
        )

    def bid_and_close(self):
        self.losing = sealed_bid(lot=self.lot, price=LOSING_PRICE)
        self.winning = sealed_bid(lot=self.lot, price=WINNING_PRICE)
        now = timezone.now()
        Tender.objects.filter(pk=self.tender.pk).update(
            clarification_deadline=now - timedelta(minutes=2),
            submission_deadline=now - timedelta(minutes=1),
        )
        tender_close(tender=self.refresh(), actor=self.officer)

    def evaluate(self):
        tender_start_evaluation(tender=self.refresh(), actor=self.officer)

    def award(self):
        panel_scores_and_moderates(
            self.refresh(),
            {
                self.losing: {"quality": 2, "social_value": 2},
                self.winning: {"quality": 5, "social_value": 4},
            },
        )
        self.award_made = award_make(lot=self.lot, actor=self.officer, bid=self.winning)

    def contract(self):
        Award.objects.filter(pk=self.award_made.pk).update(
            standstill_ends_at=timezone.now() - timedelta(minutes=1)
        )
        self.award_made.refresh_from_db()
        self.contract_made = contract_create(
            award=self.award_made,
            actor=self.officer,
            start_date=date(2026, 4, 1),
            end_date=date(2028, 3, 31),
            notice_period_days=90,
            kpis=KPIS,
        )

    def kpi_result(self):
        return KpiResultFactory(
            kpi=self.contract_made.kpis.get(),
            period_start=date(2026, 4, 1),
            period_end=date(2026, 4, 30),
            value=Decimal("97"),
            rating="met",
        )


def test_a_draft_is_not_published_at_all():
    draft = TenderFactory()
    assert not build.published_tenders().filter(pk=draft.pk).exists()
    cancelled_draft = TenderFactory()
    tender_cancel(tender=cancelled_draft, actor=cancelled_draft.created_by, reason="Not needed")
    assert not build.published_tenders().filter(pk=cancelled_draft.pk).exists()


@override_settings(OCDS_OCID_PREFIX="ocds-test99")
def test_a_published_tender_is_one_valid_tender_release_with_its_lots_and_buyer():
    story = Story()
    record = published_record(story.tender)

    assert record["ocid"] == f"ocds-test99-{story.tender.pk}"
    (release,) = record["releases"]
    assert release["tag"] == ["tender"]
    assert release["id"] == f"ocds-test99-{story.tender.pk}-tender-{story.tender.pk}"
    tender = release["tender"]
    assert tender["status"] == "active"
    assert tender["mainProcurementCategory"] == "services"
    assert tender["procurementMethod"] == "open"
    assert tender["lots"][0]["title"] == "Lot area 1"
    assert tender["items"][0]["classification"] == {
        "scheme": "CPV",
        "id": "85310000-5",
        "description": "Social work services",
    }
    assert "numberOfTenderers" not in tender
    (buyer,) = release["parties"]
    assert buyer["roles"] == ["buyer", "procuringEntity"]
    assert buyer["identifier"]["scheme"] == "GB-LAE"
    assert release["buyer"]["id"] == buyer["id"] == story.tender.commissioner.identifier


def test_release_ids_are_stable_when_republished():
    story = Story()
    story.amend()
    first = [r["id"] for r in record_of(story.tender)["releases"]]
    again = [r["id"] for r in record_of(story.tender)["releases"]]
    assert first == again
    assert len(set(first)) == 2


def test_an_amendment_is_a_new_tender_amendment_release_and_earlier_releases_keep_old_values():
    story = Story()
    original_deadline = story.tender.submission_deadline
    amendment = story.amend()
    record = published_record(story.tender)

    assert tags(record) == ["tender", "tenderAmendment"]
    before, after = record["releases"]
    assert before["tender"]["tenderPeriod"]["endDate"] == build.dt(original_deadline)
    assert after["tender"]["tenderPeriod"]["endDate"] == build.dt(
        original_deadline + timedelta(days=7)
    )
    (published_amendment,) = after["tender"]["amendments"]
    assert published_amendment["rationale"] == amendment.rationale
    assert published_amendment["amendsReleaseID"] == before["id"]
    assert published_amendment["releaseID"] == after["id"]
    assert "amendments" not in before["tender"]
    assert record["compiledRelease"]["tender"]["description"].endswith("digital inclusion.")


def test_a_closed_tender_tells_how_many_bid_but_not_who_or_at_what_price():
    story = Story()
    story.bid_and_close()
    record = published_record(story.tender)

    assert tags(record) == ["tender", "tenderUpdate"]
    assert record["releases"][0]["tender"].get("numberOfTenderers") is None
    assert record["compiledRelease"]["tender"]["numberOfTenderers"] == 2
    assert "tenderers" not in record["compiledRelease"]["tender"]
    text = json.dumps(record)
    assert LOSING_PRICE not in text and WINNING_PRICE not in text
    assert str(story.losing.provider) not in text and str(story.winning.provider) not in text


def test_in_evaluation_nothing_more_is_published():
    story = Story()
    story.bid_and_close()
    story.evaluate()
    record = published_record(story.tender)
    assert tags(record) == ["tender", "tenderUpdate"]
    assert LOSING_PRICE not in json.dumps(record)
    assert WINNING_PRICE not in json.dumps(record)


def test_the_award_publishes_the_supplier_and_winning_value_and_the_tenderers_but_no_losing_price():
    story = Story()
    story.bid_and_close()
    story.evaluate()
    story.award()
    record = published_record(story.tender)

    assert tags(record) == ["tender", "tenderUpdate", "award"]
    compiled = record["compiledRelease"]
    (award,) = compiled["awards"]
    assert award["status"] == "pending"  # in standstill
    assert award["value"] == {"amount": float(WINNING_PRICE), "currency": "GBP"}
    assert award["suppliers"][0]["name"] == story.winning.provider.name
    assert award["relatedLots"] == ["1"]
    assert compiled["tender"]["status"] == "complete"
    assert {t["name"] for t in compiled["tender"]["tenderers"]} == {
        story.winning.provider.name,
        story.losing.provider.name,
    }
    roles = {p["name"]: p["roles"] for p in compiled["parties"]}
    assert roles[story.winning.provider.name] == ["supplier", "tenderer"]
    assert roles[story.losing.provider.name] == ["tenderer"]
    assert LOSING_PRICE not in json.dumps(record)


def test_the_contract_and_its_kpi_results_are_published_as_contract_and_implementation():
    story = Story()
    story.bid_and_close()
    story.evaluate()
    story.award()
    story.contract()
    record = published_record(story.tender)
    assert tags(record) == ["tender", "tenderUpdate", "award", "contract"]
    (contract,) = record["compiledRelease"]["contracts"]
    assert contract["status"] == "active"
    assert contract["awardID"] == str(story.award_made.pk)
    assert contract["period"] == {
        "startDate": "2026-04-01T00:00:00Z",
        "endDate": "2028-03-31T00:00:00Z",
    }
    assert record["compiledRelease"]["awards"][0]["status"] == "active"

    result = story.kpi_result()
    record = published_record(story.tender)
    assert tags(record)[-1] == "implementation"
    (milestone,) = record["compiledRelease"]["contracts"][0]["implementation"]["milestones"]
    assert milestone["id"] == f"kpi-{result.pk}"
    assert milestone["status"] == "met"
    assert milestone["type"] == "reporting"


def test_a_cancelled_tender_is_published_with_a_cancellation_release():
    story = Story()
    tender_cancel(
        tender=story.tender, actor=story.officer, reason="The service is no longer needed"
    )
    record = published_record(story.tender)
    assert tags(record) == ["tender", "tenderCancellation"]
    assert record["compiledRelease"]["tender"]["status"] == "cancelled"
    assert record["compiledRelease"]["tender"]["lots"][0]["status"] == "cancelled"


def test_every_status_we_publish_is_on_its_ocds_codelist():
    def codelist(name):
        with open(validate.codelist_dir() / f"{name}.csv", encoding="utf-8") as f:
            return {row["Code"] for row in csv.DictReader(f)}

    assert set(codes.TENDER_STATUS.values()) <= codelist("tenderStatus")
    assert set(codes.AWARD_STATUS.values()) <= codelist("awardStatus")
    assert set(codes.CONTRACT_STATUS.values()) <= codelist("contractStatus")
    assert set(codes.PROCUREMENT_METHOD.values()) <= codelist("method")
    assert set(build.KIND_TAGS.values()) | {codes.TAG_COMPILED} <= codelist("releaseTag")
    assert set(codes.KPI_MILESTONE_STATUS.values()) <= codelist("milestoneStatus")
    assert codes.MAIN_PROCUREMENT_CATEGORY in codelist("procurementCategory")
    assert codes.AWARD_CRITERIA in codelist("awardCriteria")


def test_the_validator_finds_a_release_without_an_ocid_and_a_bad_date():
    story = Story()
    (release,) = record_of(story.tender)["releases"]
    del release["ocid"]
    release["date"] = "last tuesday"
    problems = validate.release_errors(release)
    assert any("'ocid' is a required property" in p for p in problems)
    assert any(p.startswith("date:") for p in problems)


def test_the_compiled_release_merges_arrays_by_id_and_later_values_win():
    first = {
        "ocid": "x",
        "id": "1",
        "date": "2026-01-01T00:00:00Z",
        "tag": ["tender"],
        "tender": {"id": "t", "title": "Old", "lots": [{"id": "1", "title": "A"}]},
    }
    second = {
        "ocid": "x",
        "id": "2",
        "date": "2026-02-01T00:00:00Z",
        "tag": ["award"],
        "tender": {"id": "t", "title": "New", "lots": [{"id": "2", "title": "B"}]},
    }
    compiled = build.compile_releases([second, first])
    assert compiled["tender"]["title"] == "New"
    assert [lot["id"] for lot in compiled["tender"]["lots"]] == ["1", "2"]
    assert compiled["tag"] == ["compiled"]
    assert TenderStatus  # the statuses module is what the codes map from
