"""Bulk OCDS: `export_ocds` streams every published tender's releases (a package, or JSON
Lines), and `import_ocds` loads a package from another system, idempotently, refusing bad
files whole."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from commissioning.models import (
    Award,
    CommissionerOrganisation,
    Contract,
    Lot,
    OcdsImportedTender,
    Tender,
)
from commissioning.ocds import build, validate
from commissioning.ocds.importer import ImportRefused, import_package
from commissioning.services.amendments import tender_amend
from commissioning.services.tenders import tender_cancel
from providers.models import ProviderOrganisation
from tests.commissioning.test_ocds import LOSING_PRICE, Story
from tests.factories import ContractFactory, KpiResultFactory, TenderFactory, published_tender

pytestmark = pytest.mark.django_db


def a_market():
    """Tenders at several stages: contracted through the services, contracted directly,
    open and amended, cancelled; and a draft that is never exported."""
    story = Story()
    story.bid_and_close()
    story.evaluate()
    story.award()
    story.contract()
    story.kpi_result()
    contract = ContractFactory()
    KpiResultFactory(kpi__contract=contract)
    amended = published_tender(lots=2)
    tender_amend(
        tender=amended,
        actor=amended.created_by,
        rationale="More time",
        submission_deadline=amended.submission_deadline + timedelta(days=3),
    )
    cancelled = published_tender(lots=1)
    tender_cancel(tender=cancelled, actor=cancelled.created_by, reason="No longer needed")
    TenderFactory()  # a draft
    return story


def export(tmp_path, *args) -> str:
    path = tmp_path / "export.json"
    call_command("export_ocds", "--output", str(path), *args)
    return path.read_text(encoding="utf-8")


def counts() -> dict:
    published = build.published_tenders()
    return {
        "tenders": published.count(),
        "lots": Lot.objects.filter(tender__in=published).count(),
        "awards": Award.objects.filter(lot__tender__in=published).count(),
        "contracts": Contract.objects.filter(tender__in=published).count(),
        "commissioners": CommissionerOrganisation.objects.filter(tenders__in=published)
        .distinct()
        .count(),
        "providers": ProviderOrganisation.objects.count(),
        "statuses": sorted(published.values_list("status", flat=True)),
    }


def wipe_database():
    """An empty platform: every organisation, and all that hangs off them, gone."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "TRUNCATE commissioning_commissionerorganisation, providers_providerorganisation, "
            "commissioning_cpvcode, accounts_user CASCADE"
        )


def test_export_writes_one_valid_release_package_of_every_published_tender(tmp_path):
    a_market()
    package = json.loads(export(tmp_path, "--validate"))

    assert validate.release_package_errors(package) == []
    expected = []
    for tender in build.published_rows():
        expected += [r["id"] for r in build.releases_for(tender)]
    assert sorted(r["id"] for r in package["releases"]) == sorted(expected)
    assert LOSING_PRICE not in json.dumps(package)


def test_export_as_json_lines_writes_a_release_per_line(tmp_path):
    a_market()
    lines = export(tmp_path, "--jsonl").splitlines()
    releases = [json.loads(line) for line in lines]
    assert len(releases) == sum(len(build.releases_for(t)) for t in build.published_rows())
    assert all(validate.release_errors(r) == [] for r in releases)


def test_our_export_imported_into_an_empty_platform_round_trips(tmp_path):
    a_market()
    before = counts()
    text = export(tmp_path)
    wipe_database()
    assert counts()["tenders"] == 0

    report = import_package(text)

    assert counts() == before
    assert report.releases_imported == len(json.loads(text)["releases"])
    assert any("milestones are not imported" in note for note in report.notes)
    # Imported tenders are republished under the ocids they came with.
    imported = OcdsImportedTender.objects.values_list("ocid", flat=True)
    assert sorted(imported) == sorted({r["ocid"] for r in json.loads(text)["releases"]})
    tender = build.published_rows(Tender.objects.filter(ocds_import__isnull=False))[0]
    assert build.record_for(tender)["ocid"] == tender.imported_ocid


def test_importing_the_same_file_again_changes_nothing_and_says_what_it_skipped(tmp_path):
    a_market()
    text = export(tmp_path)
    wipe_database()
    import_package(text)
    after_first = counts()

    path = tmp_path / "again.json"
    path.write_text(text, encoding="utf-8")
    out = _run_import(path)

    assert counts() == after_first
    assert "0 releases imported" in out
    assert out.count("already imported") == len(json.loads(text)["releases"])


def test_new_releases_for_a_process_seen_before_bring_it_up_to_date(tmp_path):
    story = Story()
    first = export(tmp_path)
    story.bid_and_close()
    story.evaluate()
    story.award()
    later = export(tmp_path)
    wipe_database()

    import_package(first)
    assert Tender.objects.get().status == "published"
    report = import_package(later)

    tender = Tender.objects.get()
    assert tender.status == "awarded"
    assert Award.objects.filter(lot__tender=tender).count() == 1
    assert report.releases_imported == 2  # closed, award
    assert len(report.skipped) == 1


def test_our_own_tenders_are_not_imported_over_themselves(tmp_path):
    published_tender(lots=1)
    report = import_package(export(tmp_path))
    assert report.releases_imported == 0
    assert "this platform's own tender" in report.skipped[0]
    assert Tender.objects.count() == 1


def test_a_record_package_from_another_system_is_imported_under_its_ocid(api):
    story = Story()
    record = build.record_package(
        [build.record_for(build.published_rows(Tender.objects.filter(pk=story.tender.pk))[0])],
        uri="https://example.org/record.json",
    )
    text = json.dumps(record).replace(build.ocid_for(story.tender), "ocds-zz9999-T-42")
    wipe_database()

    report = import_package(text)

    assert report.created["tenders"] == 1
    response = api.anonymous().get("/api/ocds/records/ocds-zz9999-T-42/")
    assert response.status_code == 200
    assert response.json()["records"][0]["ocid"] == "ocds-zz9999-T-42"


def _run_import(path) -> str:
    import io

    out = io.StringIO()
    call_command("import_ocds", str(path), stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda p: p["releases"][1].pop("ocid"), "'ocid' is a required property"),
        (lambda p: p["releases"][0].update(date="yesterday"), "is not a 'date-time'"),
        (lambda p: p.pop("releases"), "Unknown package type"),
    ],
    ids=["release without ocid", "bad date", "unknown package type"],
)
def test_an_invalid_package_imports_nothing_and_says_why(tmp_path, mangle, message):
    a_market()
    package = json.loads(export(tmp_path))
    mangle(package)
    wipe_database()
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(package), encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        _run_import(path)

    assert "Nothing was imported" in str(refused.value)
    assert message in str(refused.value)
    assert Tender.objects.count() == 0 and CommissionerOrganisation.objects.count() == 0


def test_malformed_json_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"releases": [', encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        _run_import(path)


def test_data_our_models_cannot_hold_is_refused_whole(tmp_path):
    a_market()
    package = json.loads(export(tmp_path))
    for release in package["releases"]:
        for party in release["parties"]:
            if "buyer" in party["roles"]:
                party["identifier"] = {"id": "no scheme"}
    wipe_database()
    with pytest.raises(ImportRefused, match="cannot be imported") as refused:
        import_package(json.dumps(package))
    assert "org-id" in str(refused.value)
    assert Tender.objects.count() == 0
