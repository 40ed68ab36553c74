"""Titles and names refuse line breaks and control characters, with a clear message, in the
pages, the API and the services alike: a tender title with CR/LF was accepted and broke
every email about that tender for good (a subject line became two headers). Titles stored
before the rule still leave in one-line subjects."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accountability.models import Complaint
from accounts.services import api_key_issue
from commissioning.models import Tender
from commissioning.services.tenders import lot_add
from core.errors import DomainError
from core.inputs import single_line, validate_single_line
from core.models import OutboxMessage
from core.outbox import outbox_dispatch
from core.services import outbox_enqueue
from providers.models import ProviderOrganisation
from providers.services import invitation_create
from tests.factories import (
    ContractFactory,
    CpvCodeFactory,
    OfficerFactory,
    ProviderAdminFactory,
    TenderFactory,
)

pytestmark = pytest.mark.django_db

BROKEN = "Home care\r\nBcc: everyone@example.org"
ONE_LINE = "Enter this on one line, without line breaks"


def _draft(**overrides):
    now = timezone.localtime()
    return {
        "title": "Befriending for older people",
        "description": "Weekly visits and calls.\r\nAnd a second paragraph.",
        "main_cpv": CpvCodeFactory().pk,
        "region": "UKD",
        "procedure": "open",
        "estimated_value": "180000",
        "contract_term_months": "24",
        "extension_option_months": "12",
        "clarification_deadline": (now + timedelta(days=20)).strftime("%d/%m/%Y %H:%M"),
        "submission_deadline": (now + timedelta(days=30)).strftime("%d/%m/%Y %H:%M"),
        "social_value_exemption_reason": "",
        **overrides,
    }


def test_the_validator_names_what_is_wrong():
    for good in ("Home care – north", "Café “Sunrise” (2026)", "O'Sullivan-Ní Bhriain"):
        validate_single_line(good)
    with pytest.raises(Exception, match=ONE_LINE):
        validate_single_line("two\nlines")
    with pytest.raises(Exception, match=ONE_LINE):
        validate_single_line("unicode\u2028line separator")
    with pytest.raises(Exception, match=r"Remove the control character U\+0007"):
        validate_single_line("bell\x07")


def test_a_tender_title_with_a_line_break_is_refused_in_the_page(sign_in):
    client = sign_in(OfficerFactory())

    response = client.post("/tendering/new/", _draft(title=BROKEN))

    assert response.status_code == 200
    assert ONE_LINE in response.content.decode()
    assert not Tender.objects.exists()
    # Long text keeps its paragraphs.
    assert client.post("/tendering/new/", _draft()).status_code == 302
    assert "\r\n" in Tender.objects.get().description


def test_a_tender_title_with_a_line_break_is_refused_in_the_api(api):
    officer = OfficerFactory()
    api.as_key(officer, "tenders:read", "tenders:write")
    now = timezone.now()
    payload = {
        "title": BROKEN,
        "description": "Personal care at home.",
        "main_cpv": CpvCodeFactory().pk,
        "region": "UKD",
        "procedure": "open",
        "estimated_value": "480000.00",
        "contract_term_months": 36,
        "extension_option_months": [12],
        "clarification_deadline": (now + timedelta(days=30)).isoformat(),
        "submission_deadline": (now + timedelta(days=40)).isoformat(),
    }

    response = api.post("/api/v1/tenders/", payload, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["title"] == [ONE_LINE]
    assert not Tender.objects.exists()


def test_lot_titles_refuse_line_breaks_through_the_service():
    tender = TenderFactory()
    with pytest.raises(DomainError) as refusal:
        lot_add(tender=tender, actor=tender.created_by, title="North\nSouth", estimated_value=1)
    assert refusal.value.field_errors["title"] == [ONE_LINE]


def test_organisation_and_people_names_refuse_line_breaks(client):
    call_command("load_cpv", stdout=StringIO())
    response = client.post(
        "/providers/register/",
        {
            "name": "Kirkby\r\nCommunity Transport",
            "kind": "third_sector",
            "legal_form": "cio",
            "size_band": "small",
            "charity_number": "1123456",
            "address": "Unit 4, Station Road\nKirkby",
            "postcode": "l32 1ab",
            "regions": ["UKD"],
            "categories": ["60130000-8"],
            "capability_statement": "Door-to-door minibus transport.",
            "admin_full_name": "Kemi\nAdebayo",
            "admin_email": "kemi@kirkbyct.example",
            "password": "minibus-route-77",
            "password_confirmation": "minibus-route-77",
        },
    )
    page = response.content.decode()
    assert page.count(ONE_LINE) >= 2
    assert not ProviderOrganisation.objects.exists()

    admin = ProviderAdminFactory()
    with pytest.raises(DomainError) as refusal:
        invitation_create(
            provider=admin.provider,
            actor=admin,
            full_name="Sam\r\nSmith",
            email="sam@example.org",
            role="bid_writer",
        )
    assert refusal.value.field_errors["full_name"] == [ONE_LINE]
    with pytest.raises(DomainError) as refusal:
        api_key_issue(actor=admin, name="Sync\nBcc: x", scopes=["bids:read"])
    assert refusal.value.field_errors["name"] == [ONE_LINE]


def test_a_complainants_name_refuses_line_breaks_in_the_form_and_the_api(client, api):
    contract = ContractFactory()
    client.get("/complaints/new/", {"contract": contract.pk})
    response = client.post(
        "/complaints/new/contact/",
        {"contact": "give", "name": "Sam\r\nResident", "email": "sam@example.org"},
    )
    assert ONE_LINE in response.content.decode()

    response = api.post(
        "/api/v1/complaints/",
        {
            "contract": contract.pk,
            "category": "quality",
            "description": "Late again.",
            "contact": "give",
            "name": "Sam\nResident",
            "email": "sam@example.org",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["name"] == [ONE_LINE]
    assert not Complaint.objects.exists()


def test_emails_about_a_title_stored_before_the_rule_still_go_out(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    contract = ContractFactory()
    type(contract).objects.filter(pk=contract.pk).update(title=BROKEN)
    # Queued before the fix, as it was stored then...
    OutboxMessage.objects.create(
        to="officer@example.org",
        subject=f"About {BROKEN}",
        body="…",
        next_attempt_at=timezone.now(),
    )
    # ...and queued now.
    outbox_enqueue(to="officer@example.org", subject=f"Now about {BROKEN}", body="…")

    assert outbox_dispatch() == 2

    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        "About Home care Bcc: everyone@example.org",
        "Now about Home care Bcc: everyone@example.org",
    ]
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT).exists()


def test_single_line_keeps_ordinary_text_and_folds_the_rest():
    assert single_line("  Home care – north ") == "Home care – north"
    assert single_line("a\r\n\r\nb\x00c\td") == "a b c d"
