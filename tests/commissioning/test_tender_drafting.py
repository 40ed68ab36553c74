"""An officer drafts a tender, adds lots, criteria, the panel and documents, and publishes it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commissioning.choices import CriterionKind, TenderStatus
from commissioning.models import Lot, Tender, TenderKey
from core.models import AuditEntry
from tests.factories import (
    CpvCodeFactory,
    CriterionFactory,
    LotFactory,
    OfficerFactory,
    ProviderAdminFactory,
    TenderFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _when(days):
    return (timezone.localtime() + timedelta(days=days)).strftime("%d/%m/%Y %H:%M")


def _draft_form(**overrides):
    return {
        "title": "Befriending for older people",
        "description": "Weekly visits and calls for people who live alone.",
        "main_cpv": CpvCodeFactory().pk,
        "region": "UKD",
        "procedure": "open",
        "estimated_value": "180000",
        "contract_term_months": "24",
        "extension_option_months": "12, 12",
        "clarification_deadline": _when(20),
        "submission_deadline": _when(30),
        "social_value_exemption_reason": "",
        **overrides,
    }


def _ready_draft(officer, **fields):
    tender = TenderFactory(commissioner=officer.commissioner, created_by=officer, **fields)
    LotFactory(tender=tender, number=1)
    LotFactory(tender=tender, number=2)
    CriterionFactory(tender=tender, kind=CriterionKind.PRICE, weight=40)
    CriterionFactory(tender=tender, kind=CriterionKind.QUALITY, weight=50)
    CriterionFactory(tender=tender, kind=CriterionKind.SOCIAL_VALUE, weight=10)
    tender.panel_members.create(user=officer)
    return tender


def test_officer_drafts_a_tender_and_sees_what_is_missing(sign_in):
    officer = OfficerFactory()
    client = sign_in(officer)
    response = client.post("/tendering/new/", _draft_form())
    tender = Tender.objects.get()
    assert response["Location"] == f"/tendering/{tender.pk}/"
    assert tender.status == TenderStatus.DRAFT
    assert tender.commissioner == officer.commissioner
    assert tender.extension_option_months == [12, 12]
    page = client.get(f"/tendering/{tender.pk}/").content.decode()
    assert "Before you can publish" in page
    assert "Add at least one lot" in page
    assert "24 months + 12 + 12" in page
    assert AuditEntry.objects.filter(action="tender.drafted", actor=officer).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "This field is required"),
        ({"estimated_value": "-5"}, "greater than or equal to 0"),
        ({"extension_option_months": "one year"}, "Enter each extension option in months"),
        ({"clarification_deadline": _when(31)}, "Clarifications must close before the submission"),
        ({"submission_deadline": "31/02/2027 12:00"}, "Enter a valid date/time"),
    ],
)
def test_bad_draft_details_are_refused_and_kept(sign_in, overrides, message):
    client = sign_in(OfficerFactory())
    response = client.post("/tendering/new/", _draft_form(**overrides))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert "There is a problem" in page
    assert not Tender.objects.exists()


def test_officer_adds_lots_criteria_panel_and_a_document(sign_in):
    officer = OfficerFactory()
    colleague = OfficerFactory(commissioner=officer.commissioner)
    tender = TenderFactory(commissioner=officer.commissioner, created_by=officer)
    client = sign_in(officer)
    base = f"/tendering/{tender.pk}"
    client.post(
        f"{base}/lots/add/", {"title": "North", "estimated_value": "90000", "reservation": "vcse"}
    )
    client.post(
        f"{base}/lots/add/", {"title": "South", "estimated_value": "90000", "reservation": ""}
    )
    assert list(tender.lots.values_list("number", "reservation")) == [(1, "vcse"), (2, "")]
    client.post(f"{base}/criteria/add/", {"kind": "price", "title": "Price", "weight": "40"})
    client.post(f"{base}/criteria/add/", {"kind": "quality", "title": "Quality", "weight": "50"})
    response = client.post(
        f"{base}/criteria/add/", {"kind": "social_value", "title": "Social value", "weight": "20"}
    )
    assert "Weights would add up to 110%" in response.content.decode()
    client.post(
        f"{base}/criteria/add/", {"kind": "social_value", "title": "Social value", "weight": "10"}
    )
    client.post(f"{base}/panel/add/", {"member": colleague.pk})
    pdf = SimpleUploadedFile(
        "spec.pdf", b"%PDF-1.7\n specification", content_type="application/pdf"
    )
    client.post(f"{base}/documents/add/", {"title": "Specification", "file": pdf})
    assert tender.documents.get().content_type == "application/pdf"
    page = client.get(f"{base}/").content.decode()
    assert "Ready to publish" in page
    assert "100%" in page


def test_disguised_document_is_refused(sign_in):
    officer = OfficerFactory()
    tender = TenderFactory(commissioner=officer.commissioner, created_by=officer)
    fake = SimpleUploadedFile("spec.pdf", b"\x7fELF\x02\x01\x01 not a pdf")
    response = sign_in(officer).post(f"/tendering/{tender.pk}/documents/add/", {"file": fake})
    assert "its name must match its contents" in response.content.decode()
    assert not tender.documents.exists()


def test_officer_publishes_a_ready_tender_and_gets_a_confirmation(sign_in):
    officer = OfficerFactory()
    tender = _ready_draft(officer)
    client = sign_in(officer)
    response = client.post(f"/tendering/{tender.pk}/publish/")
    assert response["Location"] == f"/tendering/{tender.pk}/published/"
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PUBLISHED
    assert tender.published_at is not None
    assert TenderKey.objects.filter(tender=tender).exists()
    assert "Tender published" in client.get(response["Location"]).content.decode()
    assert list(tender.status_changes.values_list("to_status", flat=True)) == ["published"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"submission_deadline_days": -1}, "The submission deadline must be in the future"),
        ({"submission_deadline_days": 10}, "needs at least 25 days"),
        ({"clarification_deadline_days": -1}, "The clarification deadline must be in the future"),
    ],
)
def test_publishing_refuses_bad_deadlines(sign_in, change, message):
    officer = OfficerFactory()
    tender = _ready_draft(officer)
    now = timezone.now()
    if "submission_deadline_days" in change:
        tender.submission_deadline = now + timedelta(days=change["submission_deadline_days"])
        tender.clarification_deadline = tender.submission_deadline - timedelta(days=2)
    else:
        tender.clarification_deadline = now + timedelta(days=change["clarification_deadline_days"])
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=tender.submission_deadline,
        clarification_deadline=tender.clarification_deadline,
    )
    response = sign_in(officer).post(f"/tendering/{tender.pk}/publish/", follow=True)
    assert message in response.content.decode()
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT
    assert not TenderKey.objects.filter(tender=tender).exists()


def test_publishing_refuses_weights_not_summing_to_100_and_low_social_value(sign_in):
    officer = OfficerFactory()
    tender = _ready_draft(officer)
    tender.criteria.filter(kind=CriterionKind.SOCIAL_VALUE).update(weight=5)
    page = sign_in(officer).post(f"/tendering/{tender.pk}/publish/", follow=True)
    text = page.content.decode()
    assert "weights add up to 95%" in text
    assert "Social value must carry at least 10%" in text
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.DRAFT


def test_low_social_value_is_allowed_when_the_officer_records_why(sign_in):
    officer = OfficerFactory()
    tender = _ready_draft(officer, social_value_exemption_reason="Emergency interim cover.")
    tender.criteria.filter(kind=CriterionKind.SOCIAL_VALUE).delete()
    tender.criteria.filter(kind=CriterionKind.QUALITY).update(weight=60)
    sign_in(officer).post(f"/tendering/{tender.pk}/publish/")
    assert Tender.objects.get(pk=tender.pk).status == TenderStatus.PUBLISHED


def test_a_published_tender_can_no_longer_be_edited(sign_in):
    officer = OfficerFactory()
    tender = _ready_draft(officer)
    client = sign_in(officer)
    client.post(f"/tendering/{tender.pk}/publish/")
    response = client.post(
        f"/tendering/{tender.pk}/lots/add/", {"title": "Late lot", "estimated_value": "1"}
    )
    assert "Only a draft tender can be changed" in response.content.decode()
    assert Lot.objects.filter(tender=tender).count() == 2


def test_another_commissioners_tender_looks_missing(sign_in):
    tender = TenderFactory()
    client = sign_in(OfficerFactory())
    for url in ("", "edit/", "lots/add/", "criteria/add/", "panel/add/", "documents/add/"):
        assert client.get(f"/tendering/{tender.pk}/{url}").status_code == 404, url
    assert client.post(f"/tendering/{tender.pk}/publish/").status_code == 404
    assert client.post(f"/tendering/{tender.pk}/cancel/", {"reason": "x"}).status_code == 404


def test_providers_and_visitors_cannot_manage_tenders(sign_in, client):
    assert client.get("/tendering/")["Location"].startswith("/accounts/login/")
    assert sign_in(ProviderAdminFactory()).get("/tendering/").status_code == 403


def test_officer_tender_list_query_count_is_constant(sign_in):
    officer = OfficerFactory()
    client = sign_in(officer)
    TenderFactory.create_batch(2, commissioner=officer.commissioner, created_by=officer)
    few = count_queries(client.get, "/tendering/")
    TenderFactory.create_batch(18, commissioner=officer.commissioner, created_by=officer)
    many = count_queries(client.get, "/tendering/")
    assert 0 < few == many


def test_tender_page_query_count_does_not_grow_with_lots(sign_in):
    officer = OfficerFactory()
    tender = _ready_draft(officer)
    client = sign_in(officer)
    few = count_queries(client.get, f"/tendering/{tender.pk}/")
    for number in range(3, 13):
        LotFactory(tender=tender, number=number)
    many = count_queries(client.get, f"/tendering/{tender.pk}/")
    assert 0 < few == many
