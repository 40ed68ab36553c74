"""A citizen, with no account, finds a service and complains about it, page by page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from accountability.choices import ComplaintCategory, ComplaintStatus
from accountability.models import Complaint, ComplaintAttachment, PendingAttachment
from commissioning.choices import ContractStatus
from core.models import AuditEntry, OutboxMessage
from tests.factories import ContractFactory, ProviderFactory
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NEW = "/complaints/new/"


def _url(step):
    return reverse(f"public:complaint_{step}")


def _answer(client, contract, *, contact=None, upload=None):
    """Walks a citizen through every page up to check-your-answers."""
    client.get(f"{NEW}?contract={contract.pk}")
    client.post(
        _url("what"),
        {"category": "missed_service", "description": "Nobody came to help my father on Monday."},
    )
    client.post(
        _url("when"), {"occurred_on": "3/11/2026", "location": "High Street", "postcode": "ls1 4ap"}
    )
    if upload:
        client.post(_url("files"), {"file": upload, "action": "upload"})
    client.post(_url("files"), {"action": "continue"})
    client.post(_url("contact"), contact or {"contact": "anonymous"})


def _send(client):
    return client.post(_url("check"), {"website": ""})


@pytest.fixture
def contract():
    return ContractFactory(
        title="Home care for older people",
        commissioner__name="Northshire County Council",
        commissioner__contact_email="complaints@northshire.example",
        provider__name="Carewell Ltd",
    )


def test_citizen_complains_anonymously_and_gets_a_reference(client, contract):
    _answer(client, contract)
    check = client.get(_url("check"))
    assert check.status_code == 200
    assert "You are staying anonymous" in check.content.decode()

    response = _send(client)
    assert response.status_code == 302
    assert response["Location"] == _url("done")
    complaint = Complaint.objects.get()
    assert complaint.reference == f"CMP-{complaint.received_at.year}-{complaint.pk:06d}"
    assert complaint.is_anonymous
    assert complaint.commissioner == contract.commissioner
    assert complaint.provider == contract.provider
    assert complaint.status == ComplaintStatus.RECEIVED
    assert complaint.postcode == "LS1 4AP"
    assert str(complaint.occurred_on) == "2026-11-03"
    assert complaint.acknowledge_due_on > complaint.received_at.date()
    assert complaint.response_due_on > complaint.acknowledge_due_on
    assert complaint.history.get().to_status == ComplaintStatus.RECEIVED

    done = client.get(_url("done")).content.decode()
    assert "Complaint sent" in done
    assert complaint.reference in done
    # Only the commissioner is told: nobody to write to.
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == [
        "complaints@northshire.example"
    ]


def test_named_complaint_emails_the_reference_and_private_tracking_link(client, contract):
    _answer(
        client,
        contract,
        contact={"contact": "give", "name": "Pat Citizen", "email": "pat@example.org", "phone": ""},
    )
    assert _send(client).status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.complainant_name == "Pat Citizen"
    assert complaint.complainant_email == "pat@example.org"

    message = OutboxMessage.objects.get(to="pat@example.org")
    assert complaint.reference in message.subject
    link = f"http://127.0.0.1:8000/complaints/track/{complaint.reference}/"
    assert link in message.body
    token = message.body.split(link, 1)[1].split("/", 1)[0]
    assert client.get(f"/complaints/track/{complaint.reference}/{token}/").status_code == 200
    # The audit log can never be wiped, so it holds no personal data.
    entry = AuditEntry.objects.get(action="complaint.submitted")
    assert "Pat" not in str(entry.after) and "pat@example.org" not in str(entry.after)


def test_safeguarding_complaint_is_marked_urgent(client, contract):
    _answer(client, contract)
    client.post(_url("what"), {"category": "safeguarding", "description": "A resident was hurt."})
    _send(client)
    assert Complaint.objects.get().is_urgent
    assert OutboxMessage.objects.get().subject.startswith("Urgent (safeguarding)")


@override_settings(EMAIL_BACKEND="tests.accountability.test_complaint_form.BrokenEmailBackend")
def test_complaint_is_kept_when_the_mail_server_is_broken(client, contract):
    _answer(
        client, contract, contact={"contact": "give", "name": "Pat", "email": "pat@example.org"}
    )
    assert _send(client).status_code == 302
    assert Complaint.objects.count() == 1
    assert OutboxMessage.objects.filter(to="pat@example.org", status="pending").exists()


class BrokenEmailBackend:
    def __init__(self, *args, **kwargs):
        raise ConnectionRefusedError("the mail server is down")


def test_attachment_is_kept_between_pages_and_moved_on_submission(client, contract):
    _answer(client, contract, upload=SimpleUploadedFile("bruise.png", PNG, "image/png"))
    pending = PendingAttachment.objects.get()
    assert "bruise.png" in client.get(_url("files")).content.decode()
    assert "bruise.png" in client.get(_url("check")).content.decode()

    _send(client)
    attachment = ComplaintAttachment.objects.get()
    assert attachment.original_name == "bruise.png"
    assert attachment.content_type == "image/png"
    assert attachment.file.read() == PNG
    assert not PendingAttachment.objects.filter(pk=pending.pk).exists()


def test_disguised_or_too_many_files_are_refused_with_a_message(client, contract):
    _answer(client, contract)
    response = client.post(
        _url("files"),
        {"file": SimpleUploadedFile("photo.png", b"MZ\x90 not a picture"), "action": "upload"},
    )
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "must be a PDF" in response.content.decode()
    assert not PendingAttachment.objects.exists()

    for n in range(5):
        client.post(
            _url("files"),
            {"file": SimpleUploadedFile(f"p{n}.png", PNG), "action": "upload"},
        )
    response = client.post(
        _url("files"), {"file": SimpleUploadedFile("p6.png", PNG), "action": "upload"}
    )
    assert "You can add up to 5 files" in response.content.decode()
    assert PendingAttachment.objects.count() == 5


def test_citizen_can_remove_a_file_before_sending(client, contract):
    _answer(client, contract, upload=SimpleUploadedFile("wrong.png", PNG))
    pending = PendingAttachment.objects.get()
    client.post(reverse("public:complaint_file_remove", args=[pending.pk]))
    assert not PendingAttachment.objects.exists()


def test_what_went_wrong_page_says_what_is_missing_and_keeps_what_was_typed(client, contract):
    client.get(f"{NEW}?contract={contract.pk}")
    response = client.post(_url("what"), {"description": "The van never came"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Error: What went wrong?" in page
    assert "Select what kind of problem it was" in page
    assert "The van never came" in page

    response = client.post(_url("what"), {"category": "quality", "description": "x" * 5001})
    assert "must be 5000 characters or fewer" in response.content.decode()


def test_when_and_where_page_checks_the_date_and_postcode(client, contract):
    client.get(f"{NEW}?contract={contract.pk}")
    response = client.post(
        _url("when"), {"occurred_on": "31/02/2026", "location": "Library", "postcode": "NOT A PC"}
    )
    page = response.content.decode()
    assert "Enter a real date, like 27/3/2026" in page
    assert "Enter a real postcode, like SW1A 1AA" in page
    assert 'value="31/02/2026"' in page
    assert 'value="NOT A PC"' in page
    assert 'value="Library"' in page

    response = client.post(_url("when"), {"occurred_on": "1/1/2099"})
    assert "must be today or in the past" in response.content.decode()

    response = client.post(_url("when"), {})
    assert response.status_code == 302  # everything on this page is optional


def test_contact_page_needs_a_choice_and_details_when_giving_them(client, contract):
    client.get(f"{NEW}?contract={contract.pk}")
    page = client.post(_url("contact"), {}).content.decode()
    assert "Select whether you want to give your contact details" in page

    page = client.post(
        _url("contact"), {"contact": "give", "email": "not-an-email", "phone": "call me"}
    ).content.decode()
    assert "Enter your full name" in page
    assert "Enter an email address in the correct format" in page
    assert "Enter a phone number" in page
    assert 'value="not-an-email"' in page


def test_details_typed_before_choosing_anonymous_are_not_kept(client, contract):
    _answer(
        client,
        contract,
        contact={"contact": "anonymous", "name": "Pat", "email": "pat@example.org"},
    )
    _send(client)
    assert Complaint.objects.get().is_anonymous


def test_check_answers_change_link_returns_to_check_answers(client, contract):
    _answer(client, contract)
    page = client.get(_url("check")).content.decode()
    assert f"{_url('what')}?change=1" in page
    response = client.post(
        f"{_url('what')}?change=1", {"category": "other", "description": "Changed my mind"}
    )
    assert response["Location"] == _url("check")
    assert "Changed my mind" in client.get(_url("check")).content.decode()


def test_pages_after_the_first_need_a_chosen_service(client):
    assert client.get(_url("what"))["Location"] == NEW
    assert client.get(_url("check"))["Location"] == NEW


def test_check_answers_sends_citizen_back_to_an_unanswered_page(client, contract):
    client.get(f"{NEW}?contract={contract.pk}")
    assert client.get(_url("check"))["Location"] == _url("what")


def test_citizen_finds_the_service_by_provider_name_and_chooses_it(client, contract):
    ContractFactory(title="Grounds maintenance", provider__name="Green Gardens")
    page = client.get(NEW, {"q": "carewell"}).content.decode()
    assert "Home care for older people" in page
    assert "Grounds maintenance" not in page

    response = client.post(NEW, {"q": "carewell", "contract": str(contract.pk)})
    assert response["Location"] == _url("what")


def test_citizen_finds_services_by_area(client, contract):
    contract.provider.postcode = "LS1 4AP"
    contract.provider.save()
    assert "Home care for older people" in client.get(NEW, {"q": "LS1 9ZZ"}).content.decode()
    contract.tender.region = "UKE"
    contract.tender.save()
    assert "Home care for older people" in client.get(NEW, {"q": "yorkshire"}).content.decode()


def test_search_says_when_nothing_matches_and_asks_for_a_choice(client, contract):
    page = client.get(NEW, {"q": "submarines"}).content.decode()
    assert "No services found" in page
    page = client.get(NEW, {"q": ""}).content.decode()
    assert "Enter a service, provider or area" in page
    page = client.post(NEW, {"q": "home care"}).content.decode()
    assert "Select the service your complaint is about" in page
    assert "Error:" in page


def test_ended_contracts_cannot_be_complained_about_through_the_form(client):
    ended = ContractFactory(title="Old day centre", status=ContractStatus.EXPIRED)
    assert "Old day centre" not in client.get(NEW, {"q": "day centre"}).content.decode()
    response = client.get(NEW, {"contract": ended.pk})
    assert response.status_code == 200
    assert client.get(_url("what"))["Location"] == NEW


def test_contract_search_makes_the_same_queries_for_2_or_20_matches(client):
    for n in range(2):
        ContractFactory(title=f"Befriending {n}", provider=ProviderFactory())
    few = count_queries(client.get, NEW, {"q": "befriending"})
    for n in range(2, 20):
        ContractFactory(title=f"Befriending {n}", provider=ProviderFactory())
    many = count_queries(client.get, NEW, {"q": "befriending"})
    assert few == many > 0


def test_robot_filling_the_honeypot_sees_a_confirmation_but_nothing_is_saved(client, contract):
    _answer(client, contract)
    response = client.post(_url("check"), {"website": "http://spam.example"})
    assert response["Location"] == _url("done")
    assert "Complaint sent" in client.get(_url("done")).content.decode()
    assert not Complaint.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_eleventh_complaint_in_an_hour_from_one_address_is_refused(client, contract):
    for _ in range(10):
        _answer(client, contract)
        assert _send(client).status_code == 302
    _answer(client, contract)
    response = _send(client)
    assert response.status_code == 429
    assert "too many attempts" in response.content.decode()
    assert Complaint.objects.count() == 10


def test_category_labels_are_in_the_citizens_words(client, contract):
    client.get(f"{NEW}?contract={contract.pk}")
    page = client.get(_url("what")).content.decode()
    for label in ComplaintCategory.labels:
        assert label in page


def test_contract_and_provider_pages_link_to_the_complaint_form(client, contract):
    link = f"{NEW}?contract={contract.pk}"
    assert link in client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    provider_page = client.get(reverse("providers:detail", args=[contract.provider.pk]))
    assert link in provider_page.content.decode()


def test_home_page_links_to_the_complaint_form(client):
    assert 'href="/complaints/new/"' in client.get("/").content.decode()


def test_file_too_large_is_refused_with_the_limit(client, contract, monkeypatch):
    monkeypatch.setattr("accountability.services.complaints.MAX_ATTACHMENT_BYTES", 100)
    _answer(client, contract)
    response = client.post(
        _url("files"),
        {"file": SimpleUploadedFile("big.png", PNG + b"\x00" * 200), "action": "upload"},
    )
    assert "The selected file must be smaller than 100" in response.content.decode()
    assert not PendingAttachment.objects.exists()


def test_pressing_upload_without_choosing_a_file_says_so(client, contract):
    _answer(client, contract)
    response = client.post(_url("files"), {"action": "upload"})
    assert "Select a file to upload" in response.content.decode()
