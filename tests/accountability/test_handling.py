"""An officer handles a complaint: acknowledges it, investigates, responds, closes it; assigns
it, keeps notes, forwards it to the provider, and records an ombudsman's involvement."""

import sys
import types
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accountability.choices import ComplaintStatus
from accountability.models import ComplaintNote, ComplaintResponse
from accountability.services import handling
from core.errors import DomainError, IllegalTransition, NotPermitted
from core.models import AuditEntry, OutboxMessage
from tests.factories import (
    ComplaintFactory,
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
)

pytestmark = pytest.mark.django_db


def _handled(complaint, status):
    """Moves a complaint through the services until it reaches `status`."""
    officer = OfficerFactory(commissioner=complaint.commissioner)
    steps = {
        ComplaintStatus.ACKNOWLEDGED: [handling.complaint_acknowledge],
        ComplaintStatus.INVESTIGATING: [
            handling.complaint_acknowledge,
            handling.complaint_start_investigation,
        ],
    }
    for step in steps[status]:
        complaint = step(complaint=complaint, actor=officer)
    return complaint, officer


# --- the stage's steps ----------------------------------------------------------------------


def test_officer_acknowledges_a_complaint_and_the_response_stays_due_from_receipt():
    complaint = ComplaintFactory()
    officer = OfficerFactory(commissioner=complaint.commissioner)
    response_due = complaint.response_due_on

    handling.complaint_acknowledge(complaint=complaint, actor=officer)

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ACKNOWLEDGED
    assert complaint.acknowledged_at is not None
    assert complaint.response_due_on == response_due
    change = complaint.history.get()
    assert (change.from_status, change.to_status, change.actor) == (
        "received",
        "acknowledged",
        officer,
    )
    assert AuditEntry.objects.filter(
        action="complaint.acknowledged", object_id=str(complaint.pk)
    ).exists()


def test_officer_cannot_acknowledge_a_complaint_twice():
    complaint, officer = _handled(ComplaintFactory(), ComplaintStatus.ACKNOWLEDGED)
    with pytest.raises(IllegalTransition, match="is acknowledged and cannot become acknowledged"):
        handling.complaint_acknowledge(complaint=complaint, actor=officer)


def test_another_commissioners_officer_cannot_handle_the_complaint():
    complaint = ComplaintFactory()
    with pytest.raises(NotPermitted):
        handling.complaint_acknowledge(complaint=complaint, actor=OfficerFactory())
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED


def test_starting_the_investigation_assigns_the_officer_when_no_one_is():
    complaint, officer = _handled(ComplaintFactory(), ComplaintStatus.INVESTIGATING)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INVESTIGATING
    assert complaint.assigned_to == officer


def test_officer_responds_and_the_citizen_is_emailed_without_the_secret_link(settings):
    settings.SITE_URL = "https://civic.example"
    complaint, officer = _handled(ComplaintFactory(), ComplaintStatus.INVESTIGATING)

    response = handling.complaint_respond(
        complaint=complaint,
        actor=officer,
        outcome="upheld",
        text="The visit was missed because of a rota error.",
        remedy="A refund of one week's charge and a new rota check.",
    )

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RESPONDED
    assert (complaint.outcome, complaint.remedy) == ("upheld", response.remedy)
    assert complaint.responded_at == response.sent_at
    assert response.stage == 1
    email = OutboxMessage.objects.get()
    assert email.to == "pat@example.org"
    assert complaint.reference in email.subject
    assert "https://civic.example/complaints/track/" in email.body
    assert "rota error" in email.body and "refund" in email.body
    assert "tracking-secret" not in email.body
    assert complaint.tracking_token_hash not in email.body


def test_no_email_is_queued_for_an_anonymous_complainant():
    complaint, officer = _handled(
        ComplaintFactory(complainant_name="", complainant_email=""), ComplaintStatus.INVESTIGATING
    )
    handling.complaint_respond(
        complaint=complaint, actor=officer, outcome="not_upheld", text="We found no fault."
    )
    assert not OutboxMessage.objects.exists()


def test_an_upheld_response_needs_a_remedy_and_writes_nothing_without_one():
    complaint, officer = _handled(ComplaintFactory(), ComplaintStatus.INVESTIGATING)
    with pytest.raises(DomainError) as refused:
        handling.complaint_respond(
            complaint=complaint, actor=officer, outcome="partly_upheld", text="Partly our fault."
        )
    assert "remedy" in refused.value.field_errors
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INVESTIGATING
    assert not ComplaintResponse.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_an_upheld_response_asks_the_escalation_triggers_to_look_at_the_contract(monkeypatch):
    calls = []
    fake = types.ModuleType("accountability.services.escalation")
    fake.evaluate_triggers = lambda *, contract: calls.append(contract)
    monkeypatch.setitem(sys.modules, "accountability.services.escalation", fake)
    complaint, officer = _handled(ComplaintFactory(), ComplaintStatus.INVESTIGATING)

    handling.complaint_respond(
        complaint=complaint, actor=officer, outcome="upheld", text="Our fault.", remedy="Refund."
    )

    assert calls == [complaint.contract]


def test_a_response_cannot_be_sent_before_the_investigation():
    complaint = ComplaintFactory()
    officer = OfficerFactory(commissioner=complaint.commissioner)
    with pytest.raises(IllegalTransition):
        handling.complaint_respond(
            complaint=complaint, actor=officer, outcome="not_upheld", text="No fault."
        )


def test_officer_closes_a_complaint_after_responding():
    complaint, officer = _handled(ComplaintFactory(), ComplaintStatus.INVESTIGATING)
    handling.complaint_respond(
        complaint=complaint, actor=officer, outcome="not_upheld", text="No fault."
    )
    handling.complaint_close(complaint=complaint, actor=officer)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED
    assert complaint.closed_at is not None
    assert [c.to_status for c in complaint.history.all()] == [
        "acknowledged",
        "investigating",
        "responded",
        "closed",
    ]


# --- the work around a complaint ------------------------------------------------------------


def test_officer_assigns_a_colleague_but_not_someone_from_another_organisation():
    complaint = ComplaintFactory()
    officer = OfficerFactory(commissioner=complaint.commissioner)
    colleague = ManagerFactory(commissioner=complaint.commissioner)

    handling.complaint_assign(complaint=complaint, actor=officer, assignee=colleague)
    complaint.refresh_from_db()
    assert complaint.assigned_to == colleague

    with pytest.raises(DomainError) as refused:
        handling.complaint_assign(complaint=complaint, actor=officer, assignee=OfficerFactory())
    assert "assignee" in refused.value.field_errors
    complaint.refresh_from_db()
    assert complaint.assigned_to == colleague


def test_officer_adds_an_internal_note_and_an_empty_one_is_refused():
    complaint = ComplaintFactory()
    officer = OfficerFactory(commissioner=complaint.commissioner)
    handling.complaint_add_note(complaint=complaint, actor=officer, text="Called the provider.")
    with pytest.raises(DomainError):
        handling.complaint_add_note(complaint=complaint, actor=officer, text="   ")
    assert list(ComplaintNote.objects.values_list("text", flat=True)) == ["Called the provider."]


def test_forwarding_lets_the_provider_see_the_complaint_once():
    complaint = ComplaintFactory()
    officer = OfficerFactory(commissioner=complaint.commissioner)
    handling.complaint_forward_to_provider(complaint=complaint, actor=officer)
    complaint.refresh_from_db()
    assert complaint.forwarded_to_provider_at is not None
    with pytest.raises(DomainError, match="already been forwarded"):
        handling.complaint_forward_to_provider(complaint=complaint, actor=officer)


def test_ombudsman_referral_waits_for_the_stage_2_response_unless_the_complaint_is_overdue():
    complaint = ComplaintFactory()
    officer = OfficerFactory(commissioner=complaint.commissioner)
    today = timezone.localdate()
    with pytest.raises(DomainError, match="after the stage 2 response"):
        handling.complaint_refer_to_ombudsman(
            complaint=complaint, actor=officer, ombudsman="lgsco", referred_on=today
        )

    late = ComplaintFactory(
        received_at=timezone.now() - timedelta(days=30),
        acknowledge_due_on=today - timedelta(days=20),
        response_due_on=today - timedelta(days=10),
    )
    officer = OfficerFactory(commissioner=late.commissioner)
    with pytest.raises(DomainError) as refused:
        handling.complaint_refer_to_ombudsman(
            complaint=late, actor=officer, ombudsman="lgsco", referred_on=today + timedelta(days=1)
        )
    assert refused.value.field_errors == {
        "referred_on": ["The date of the referral must be today or in the past"]
    }

    handling.complaint_refer_to_ombudsman(
        complaint=late, actor=officer, ombudsman="lgsco", referred_on=today
    )
    handling.complaint_record_ombudsman_outcome(
        complaint=late, actor=officer, outcome="partly_upheld", decided_on=today
    )
    late.refresh_from_db()
    assert (late.ombudsman, late.ombudsman_referred_on) == ("lgsco", today)
    assert (late.ombudsman_outcome, late.ombudsman_outcome_on) == ("partly_upheld", today)


def test_a_stage_2_response_opens_the_way_to_the_ombudsman():
    complaint = ComplaintFactory(stage=2, status=ComplaintStatus.RESPONDED)
    assert handling.can_refer_to_ombudsman(complaint, timezone.localdate())
    assert not handling.can_refer_to_ombudsman(
        ComplaintFactory(stage=1, status=ComplaintStatus.RESPONDED), timezone.localdate()
    )


# --- timescales -----------------------------------------------------------------------------


def test_due_dates_count_working_days_from_receipt_skipping_bank_holidays():
    # Received on Tuesday 22 December 2026: Christmas Day and Boxing Day (observed Monday
    # 28th) are not working days.
    dates = handling.complaint_due_dates(received_at=date(2026, 12, 22), stage=1)
    assert dates["acknowledge_due_on"] == date(2026, 12, 31)
    assert dates["response_due_on"] == date(2027, 1, 8)
    stage2 = handling.complaint_due_dates(received_at=date(2026, 12, 22), stage=2)
    assert stage2["response_due_on"] == date(2027, 1, 22)


# --- the complaint page and its actions -----------------------------------------------------


def test_the_complaint_page_is_for_its_commissioner_only(client, sign_in):
    complaint = ComplaintFactory()
    url = f"/accountability/complaints/{complaint.pk}/"

    assert client.get(url).status_code == 302  # anonymous: to sign in
    assert sign_in(OfficerFactory()).get(url).status_code == 404
    assert sign_in(ProviderAdminFactory(provider=complaint.provider)).get(url).status_code == 404

    page = sign_in(OfficerFactory(commissioner=complaint.commissioner)).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert complaint.reference in html
    assert "Pat Citizen" in html and "pat@example.org" in html
    assert "Acknowledge the complaint" in html
    assert complaint.acknowledge_due_on.strftime("%-d %B %Y") in html
    assert complaint.response_due_on.strftime("%-d %B %Y") in html


def test_actions_answer_404_to_other_organisations_and_403_to_the_provider(client, sign_in):
    complaint = ComplaintFactory(forwarded_to_provider_at=timezone.now())
    url = f"/accountability/complaints/{complaint.pk}/acknowledge/"

    assert client.post(url).status_code == 302
    assert sign_in(OfficerFactory()).post(url).status_code == 404
    assert sign_in(ProviderAdminFactory(provider=complaint.provider)).post(url).status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED

    response = sign_in(OfficerFactory(commissioner=complaint.commissioner)).post(url, follow=True)
    assert "Complaint acknowledged" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ACKNOWLEDGED


def test_a_refused_step_shows_why_on_the_complaint_page(sign_in):
    complaint = ComplaintFactory()
    client = sign_in(OfficerFactory(commissioner=complaint.commissioner))
    response = client.post(f"/accountability/complaints/{complaint.pk}/close/", follow=True)
    assert "is received and cannot become closed" in response.content.decode()


def test_an_incomplete_response_keeps_what_was_typed_and_shows_the_errors(sign_in):
    complaint, officer = _handled(ComplaintFactory(), ComplaintStatus.INVESTIGATING)
    client = sign_in(officer)
    url = f"/accountability/complaints/{complaint.pk}/respond/"

    assert sign_in(OfficerFactory()).get(url).status_code == 404
    client = sign_in(officer)
    page = client.get(url)
    assert page.status_code == 200
    assert "Response due" in page.content.decode()

    response = client.post(url, {"outcome": "upheld", "text": "We got the rota wrong."})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "Enter what will be done to put things right" in html
    assert "We got the rota wrong." in html
    assert not ComplaintResponse.objects.exists()

    response = client.post(
        url, {"outcome": "upheld", "text": "We got the rota wrong.", "remedy": "A refund."}
    )
    assert response.status_code == 302
    assert ComplaintResponse.objects.get().remedy == "A refund."


def test_officer_adds_a_note_on_the_page_and_the_provider_never_sees_it(sign_in):
    complaint = ComplaintFactory(forwarded_to_provider_at=timezone.now())
    officer = OfficerFactory(commissioner=complaint.commissioner)
    client = sign_in(officer)
    url = f"/accountability/complaints/{complaint.pk}/notes/add/"

    response = client.post(url, {"text": ""})
    assert response.status_code == 200
    assert "Enter the note" in response.content.decode()

    client.post(url, {"text": "Spoke to the care manager."})
    assert (
        "Spoke to the care manager."
        in client.get(f"/accountability/complaints/{complaint.pk}/").content.decode()
    )

    provider_page = sign_in(ProviderAdminFactory(provider=complaint.provider)).get(
        f"/accountability/forwarded/{complaint.pk}/"
    )
    assert provider_page.status_code == 200
    html = provider_page.content.decode()
    assert "Spoke to the care manager." not in html
    assert "Pat Citizen" in html  # forwarded: the provider may contact the complainant


def test_officer_assigns_on_the_page_from_their_colleagues(sign_in):
    complaint = ComplaintFactory()
    officer = OfficerFactory(commissioner=complaint.commissioner)
    colleague = OfficerFactory(commissioner=complaint.commissioner, full_name="Ada Colleague")
    client = sign_in(officer)
    url = f"/accountability/complaints/{complaint.pk}/assign/"

    assert "Ada Colleague" in client.get(url).content.decode()
    response = client.post(url, {"assignee": OfficerFactory().pk})
    assert response.status_code == 200
    assert "Choose an officer of your own organisation" in response.content.decode() or (
        "Select a valid choice" in response.content.decode()
    )
    client.post(url, {"assignee": colleague.pk})
    complaint.refresh_from_db()
    assert complaint.assigned_to == colleague


def test_ombudsman_referral_form_explains_a_wrong_date(sign_in):
    today = timezone.localdate()
    complaint = ComplaintFactory(
        acknowledge_due_on=today - timedelta(days=3), response_due_on=today - timedelta(days=1)
    )
    client = sign_in(OfficerFactory(commissioner=complaint.commissioner))
    url = f"/accountability/complaints/{complaint.pk}/ombudsman/refer/"
    response = client.post(url, {"ombudsman": "lgsco", "referred_on": "31/02/2026"})
    assert "Enter the date of the referral as a real date" in response.content.decode()
    assert 'value="31/02/2026"' in response.content.decode()
