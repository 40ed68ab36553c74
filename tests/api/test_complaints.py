"""An integrator sends citizens' complaints in (a council's CRM, with no account needed) and
the commissioner's own systems read and handle them, under the same rules as the pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accountability.choices import ComplaintCategory, ComplaintStatus
from accountability.models import Complaint, ComplaintNote, ComplaintStatusChange
from accountability.selectors import complaint_for_tracking
from accountability.services import handling
from commissioning.choices import ContractStatus
from core.models import AuditEntry, OutboxMessage
from tests.factories import (
    ComplaintFactory,
    ContractFactory,
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
    StaffFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


class _FixedClock:
    def time(self) -> float:
        return 1_800_000_000.0


@pytest.fixture(autouse=True)
def _one_rate_limit_window(monkeypatch):
    """django-ratelimit counts in fixed windows: its clock stands still, so a test never
    crosses a window's end halfway."""
    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "time", _FixedClock())


def a_complaint(service, **fields):
    return {
        "contract": service.pk,
        "category": ComplaintCategory.MISSED_SERVICE,
        "description": "Nobody came to help my mother get up on Monday or Tuesday.",
        "occurred_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "location": "Elm Street",
        "postcode": "nr1 1aa",
        "contact": "give",
        "name": "Sam Resident",
        "email": "sam@example.org",
        "phone": "01632 960 001",
        **fields,
    }


def officer_of(complaint):
    return OfficerFactory(commissioner=complaint.commissioner)


def _rows() -> tuple[int, int, int]:
    return (Complaint.objects.count(), AuditEntry.objects.count(), OutboxMessage.objects.count())


# --- making a complaint -----------------------------------------------------------------------


def test_anyone_can_complain_and_gets_the_reference_and_tracking_link_once(api):
    contract = ContractFactory()

    response = api.post(URL, a_complaint(contract), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    complaint = Complaint.objects.get()
    assert body["reference"] == complaint.reference
    assert body["reference"].startswith("CMP-")
    assert body["emailed"] is True
    assert body["tracking_url"].endswith(
        f"/complaints/track/{complaint.reference}/{body['tracking_token']}/"
    )
    # The link opens the citizen's tracking page; only its digest is stored.
    assert complaint_for_tracking(complaint.reference, body["tracking_token"]) == complaint
    assert body["tracking_token"] not in complaint.tracking_token_hash
    assert complaint.postcode == "NR1 1AA"
    assert (complaint.commissioner, complaint.provider) == (
        contract.commissioner,
        contract.provider,
    )
    assert OutboxMessage.objects.filter(to="sam@example.org").exists()

    # Reading it back never shows the secret again.
    api.as_key(OfficerFactory(commissioner=contract.commissioner), "complaints:read")
    detail = api.get(f"{URL}{complaint.pk}/").json()
    assert "tracking_token" not in detail
    assert "tracking_url" not in detail


def test_a_complaint_can_name_the_contract_by_its_reference(api):
    contract = ContractFactory()
    body = a_complaint(contract, contract_reference=contract.reference)
    del body["contract"]

    response = api.post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    assert Complaint.objects.get().contract == contract


def test_an_anonymous_complaint_keeps_no_contact_details_even_if_sent(api):
    contract = ContractFactory()

    response = api.post(URL, a_complaint(contract, contact="anonymous"), format="json")

    assert response.status_code == 201
    assert response.json()["emailed"] is False
    complaint = Complaint.objects.get()
    assert complaint.is_anonymous
    assert (complaint.complainant_name, complaint.complainant_email) == ("", "")


def test_a_councils_crm_can_send_complaints_with_any_key(api):
    contract = ContractFactory()
    api.as_key(OfficerFactory(commissioner=contract.commissioner), "contracts:read")

    assert api.post(URL, a_complaint(contract), format="json").status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": "rude"}, "category"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"mood": "angry"}, "mood"),
        ({"contract": 999999}, "contract"),
        ({"contract": "seven"}, "contract"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"occurred_on": "yesterday"}, "occurred_on"),
        ({"postcode": "NOT A POSTCODE"}, "postcode"),
        ({"contact": "maybe"}, "contact"),
        ({"email": ""}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"name": ""}, "name"),
        ({"phone": "call me"}, "phone"),
        ({"location": ["a", "list"]}, "location"),
    ],
)
def test_bad_complaints_are_refused_naming_the_field_and_nothing_is_kept(api, change, field):
    contract = ContractFactory()
    before = _rows()

    response = api.post(URL, a_complaint(contract, **change), format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert _rows() == before


def test_every_problem_is_reported_at_once(api):
    contract = ContractFactory()
    body = a_complaint(contract, category="", email="nope", wibble=1)
    del body["description"]

    response = api.post(URL, body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"category", "description", "email", "wibble"} <= set(errors)
    assert errors["description"] == ["Enter what went wrong"]
    assert not Complaint.objects.exists()


def test_a_complaint_needs_the_contract_once(api):
    contract = ContractFactory()
    body = a_complaint(contract, contract_reference=contract.reference)
    assert "contract" in api.post(URL, body, format="json").json()["errors"]
    del body["contract"], body["contract_reference"]
    assert "contract" in api.post(URL, body, format="json").json()["errors"]
    assert not Complaint.objects.exists()


def test_a_service_that_has_ended_cannot_be_complained_about(api):
    contract = ContractFactory(status=ContractStatus.EXPIRED)

    response = api.post(URL, a_complaint(contract), format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {"contract": ["This service has ended"]}
    assert not Complaint.objects.exists()


def test_malformed_json_is_a_400(api):
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_eleventh_complaint_in_an_hour_from_one_address_is_refused(api):
    contract = ContractFactory()
    for _ in range(10):
        assert api.post(URL, a_complaint(contract), format="json").status_code == 201

    response = api.post(URL, a_complaint(contract), format="json")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Complaint.objects.count() == 10


def test_the_form_and_the_api_share_one_allowance_per_address(api, client):
    contract = ContractFactory()
    for _ in range(10):
        api.post(URL, a_complaint(contract), format="json")

    # The public form's check-your-answers page counts in the same group and rate.
    session = client.session
    session["complaint_answers"] = {
        "contract": contract.pk,
        "category": "quality",
        "description": "Late again",
        "contact": "anonymous",
        **{f"done_{step}": True for step in ("what", "when", "files", "contact")},
    }
    session.save()
    response = client.post("/complaints/new/check/", {})
    assert response.status_code == 429


# --- reading complaints ---------------------------------------------------------------------


def test_anonymous_clients_cannot_list_or_read_complaints(api):
    complaint = ComplaintFactory()
    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}{complaint.pk}/").status_code == 401


def test_reading_needs_the_complaints_read_scope(api):
    complaint = ComplaintFactory()
    api.as_key(officer_of(complaint), "contracts:read")

    response = api.get(URL)

    assert response.status_code == 403
    assert "complaints:read" in response.json()["detail"]


def test_officers_see_their_own_organisations_complaints_with_personal_data(api):
    mine = ComplaintFactory()
    ComplaintFactory()  # another commissioner's
    api.as_key(officer_of(mine), "complaints:read")

    response = api.get(URL)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["reference"] == mine.reference
    assert row["complainant"] == {
        "anonymous": False,
        "name": "Pat Citizen",
        "email": "pat@example.org",
        "phone": "",
        "personal_data_removed_at": None,
    }
    assert row["contract"]["reference"] == mine.contract.reference


def test_another_organisations_complaint_is_not_found(api):
    complaint = ComplaintFactory()
    api.as_key(OfficerFactory(), "complaints:read", "complaints:write")

    assert api.get(f"{URL}{complaint.pk}/").status_code == 404
    assert api.post(f"{URL}{complaint.pk}/acknowledge/").status_code == 404


def test_a_provider_sees_a_complaint_only_once_forwarded_and_without_internal_notes(api):
    complaint = ComplaintFactory()
    officer = officer_of(complaint)
    handling.complaint_add_note(complaint=complaint, actor=officer, text="Ring the manager")
    provider_user = ProviderAdminFactory(provider=complaint.provider)
    api.as_key(provider_user, "complaints:read")
    assert api.get(f"{URL}{complaint.pk}/").status_code == 404
    assert api.get(URL).json()["results"] == []

    handling.complaint_forward_to_provider(complaint=complaint, actor=officer)

    detail = api.get(f"{URL}{complaint.pk}/").json()
    assert detail["reference"] == complaint.reference
    assert detail["notes"] == []
    assert detail["history"] == []
    assert detail["assigned_to"] is None
    # Forwarded complaints carry the complainant's details to the provider, as the page does.
    assert detail["complainant"]["email"] == "pat@example.org"


def test_a_provider_not_named_on_the_contract_gets_404(api):
    complaint = ComplaintFactory(forwarded_to_provider_at=timezone.now())
    api.as_key(ProviderAdminFactory(), "complaints:read")

    assert api.get(f"{URL}{complaint.pk}/").status_code == 404
    assert api.get(URL).json()["results"] == []


def test_personal_data_follows_the_policy(api, monkeypatch):
    """Whoever the policy says may not see the complainant gets `complainant: null`."""
    complaint = ComplaintFactory()
    api.as_key(officer_of(complaint), "complaints:read")
    monkeypatch.setattr(
        "accountability.api.serializers.sees_personal_data", lambda user, complaint: False
    )

    detail = api.get(f"{URL}{complaint.pk}/").json()
    listed = api.get(URL).json()["results"][0]

    assert detail["complainant"] is None
    assert listed["complainant"] is None
    assert "pat@example.org" not in str(detail) + str(listed)


def test_anonymous_and_anonymised_complaints_stay_so(api):
    anonymous = ComplaintFactory(complainant_name="", complainant_email="")
    wiped = ComplaintFactory(
        contract=anonymous.contract,
        complainant_name="",
        complainant_email="",
        personal_data_removed_at=timezone.now(),
    )
    api.as_key(officer_of(anonymous), "complaints:read")

    rows = {row["id"]: row["complainant"] for row in api.get(URL).json()["results"]}

    assert rows[anonymous.pk]["anonymous"] is True
    assert rows[anonymous.pk]["name"] == rows[anonymous.pk]["email"] == ""
    assert rows[wiped.pk]["personal_data_removed_at"] is not None
    assert rows[wiped.pk]["email"] == ""


def test_staff_see_every_complaint(api):
    ComplaintFactory(), ComplaintFactory()
    api.force_login(StaffFactory())  # staff use the browsable API; keys are organisations'
    assert len(api.get(URL).json()["results"]) == 2


def test_complaints_are_filtered(api):
    officer = OfficerFactory()
    contract = ContractFactory(commissioner=officer.commissioner)
    other_contract = ContractFactory(commissioner=officer.commissioner)
    late = ComplaintFactory(
        contract=contract,
        category=ComplaintCategory.SAFEGUARDING,
        acknowledge_due_on=timezone.localdate() - timedelta(days=1),
    )
    on_time = ComplaintFactory(contract=other_contract)
    api.as_key(officer, "complaints:read")

    def ids(query):
        response = api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("overdue=true") == {late.pk}
    assert ids("overdue=false") == {on_time.pk}
    assert ids("category=safeguarding") == {late.pk}
    assert ids(f"contract={other_contract.pk}") == {on_time.pk}
    assert ids(f"commissioner={officer.commissioner_id}") == {late.pk, on_time.pk}
    assert ids("status=received&stage=1") == {late.pk, on_time.pk}
    assert ids("status=closed") == set()
    today = timezone.localdate()
    assert ids(f"received_after={today}&received_before={today}") == {late.pk, on_time.pk}
    assert ids(f"received_after={today + timedelta(days=1)}") == set()
    assert ids("updated_since=2000-01-01T00:00:00Z") == {late.pk, on_time.pk}
    assert ids("forwarded=true") == set()
    ordered = api.get(f"{URL}?ordering=response_due_on").json()["results"]
    assert len(ordered) == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("stage=3", "stage"),
        ("overdue=perhaps", "overdue"),
        ("received_after=last-week", "received_after"),
        ("updated_since=yesterday", "updated_since"),
        ("contract=abc", "contract"),
        ("category=rude", "category"),
    ],
)
def test_bad_filters_are_a_400_naming_the_filter(api, query, field):
    api.as_key(OfficerFactory(), "complaints:read")

    response = api.get(f"{URL}?{query}")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_details_answer_conditional_gets(api):
    complaint = ComplaintFactory()
    api.as_key(officer_of(complaint), "complaints:read")
    first = api.get(f"{URL}{complaint.pk}/")

    again = api.get(f"{URL}{complaint.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_the_list_and_detail_make_the_same_queries_for_2_or_20_complaints(api):
    officer = OfficerFactory()
    contracts = [ContractFactory(commissioner=officer.commissioner) for _ in range(3)]
    for index in range(25):
        complaint = ComplaintFactory(contract=contracts[index % 3])
        if index % 2:
            handling.complaint_assign(complaint=complaint, actor=officer, assignee=officer)
            handling.complaint_add_note(complaint=complaint, actor=officer, text="Called back")
    api.as_key(officer, "complaints:read")
    api.get(URL)  # the key's first use is recorded once

    small = count_queries(api.get, f"{URL}?page_size=2")
    large = count_queries(api.get, f"{URL}?page_size=20")
    assert small == large

    quiet, busy = Complaint.objects.filter(notes__isnull=False).distinct()[:2]
    for _ in range(5):
        handling.complaint_add_note(complaint=busy, actor=officer, text="And again")
    handling.complaint_acknowledge(complaint=busy, actor=officer)
    assert count_queries(api.get, f"{URL}{busy.pk}/") == count_queries(api.get, f"{URL}{quiet.pk}/")


# --- handling complaints ----------------------------------------------------------------------


def test_an_officer_handles_a_complaint_from_receipt_to_closing(api):
    complaint = ComplaintFactory()
    officer = officer_of(complaint)
    colleague = OfficerFactory(commissioner=complaint.commissioner)
    api.as_key(officer, "complaints:read", "complaints:write")
    base = f"{URL}{complaint.pk}"

    assert api.post(f"{base}/acknowledge/").json()["status"] == "acknowledged"
    assigned = api.post(f"{base}/assign/", {"assignee": colleague.pk}, format="json")
    assert assigned.json()["assigned_to"]["id"] == colleague.pk
    assert api.post(f"{base}/start-investigation/").json()["status"] == "investigating"
    note = api.post(f"{base}/notes/", {"text": "Spoke to the provider"}, format="json")
    assert note.status_code == 201
    assert note.json()["author"]["id"] == officer.pk
    forwarded = api.post(f"{base}/forward-to-provider/").json()
    assert forwarded["forwarded_to_provider_at"]
    responded = api.post(
        f"{base}/respond/",
        {"outcome": "upheld", "text": "We are sorry.", "remedy": "A new carer"},
        format="json",
    )
    assert responded.status_code == 200, responded.json()
    assert responded.json()["responses"][0]["outcome"] == "upheld"
    closed = api.post(f"{base}/close/").json()

    assert closed["status"] == "closed"
    assert [c["to_status"] for c in closed["history"]] == [
        "acknowledged",
        "investigating",
        "responded",
        "closed",
    ]
    assert ComplaintNote.objects.get().text == "Spoke to the provider"
    entry = AuditEntry.objects.filter(action="complaint.closed").get()
    assert f"via API key {api.api_key.prefix}" in entry.actor_label


def test_an_illegal_step_is_a_409_and_changes_nothing(api):
    complaint = ComplaintFactory()
    api.as_key(officer_of(complaint), "complaints:write")

    response = api.post(f"{URL}{complaint.pk}/close/")

    assert response.status_code == 409
    assert "cannot become closed" in response.json()["detail"]
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED
    assert not ComplaintStatusChange.objects.exists()


def test_forwarding_twice_is_a_409(api):
    complaint = ComplaintFactory()
    api.as_key(officer_of(complaint), "complaints:write")
    assert api.post(f"{URL}{complaint.pk}/forward-to-provider/").status_code == 200

    response = api.post(f"{URL}{complaint.pk}/forward-to-provider/")

    assert response.status_code == 409
    assert "already been forwarded" in response.json()["detail"]


def test_a_response_is_checked_by_the_service(api):
    complaint = ComplaintFactory(status=ComplaintStatus.INVESTIGATING)
    api.as_key(officer_of(complaint), "complaints:write")
    url = f"{URL}{complaint.pk}/respond/"

    upheld_without_remedy = api.post(url, {"outcome": "upheld", "text": "Sorry"}, format="json")
    bad_outcome = api.post(url, {"outcome": "meh", "text": "Sorry"}, format="json")
    unknown = api.post(url, {"outcome": "not_upheld", "text": "No", "tone": "x"}, format="json")

    assert upheld_without_remedy.status_code == 400
    assert "remedy" in upheld_without_remedy.json()["errors"]
    assert "outcome" in bad_outcome.json()["errors"]
    assert "tone" in unknown.json()["errors"]
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.INVESTIGATING


def test_assigning_to_someone_outside_the_organisation_is_refused(api):
    complaint = ComplaintFactory()
    api.as_key(officer_of(complaint), "complaints:write")

    for assignee in (OfficerFactory().pk, 999999):
        response = api.post(f"{URL}{complaint.pk}/assign/", {"assignee": assignee}, format="json")
        assert response.status_code == 400
        assert "assignee" in response.json()["errors"]


def test_ombudsman_referral_and_decision(api):
    complaint = ComplaintFactory(
        acknowledge_due_on=timezone.localdate() - timedelta(days=20),
        response_due_on=timezone.localdate() - timedelta(days=10),
        received_at=timezone.now() - timedelta(days=30),
    )
    api.as_key(officer_of(complaint), "complaints:write")
    base = f"{URL}{complaint.pk}"
    today = timezone.localdate().isoformat()

    too_soon = api.post(
        f"{base}/ombudsman-outcome/", {"outcome": "upheld", "decided_on": today}, format="json"
    )
    assert too_soon.status_code == 409
    referred = api.post(
        f"{base}/refer-to-ombudsman/", {"ombudsman": "lgsco", "referred_on": today}, format="json"
    )
    assert referred.status_code == 200, referred.json()
    decided = api.post(
        f"{base}/ombudsman-outcome/", {"outcome": "upheld", "decided_on": today}, format="json"
    )
    assert decided.json()["ombudsman_outcome"] == "upheld"
    future = api.post(
        f"{base}/refer-to-ombudsman/",
        {"ombudsman": "nobody", "referred_on": "2099-01-01"},
        format="json",
    )
    assert future.status_code == 400
    assert "ombudsman" in future.json()["errors"]


def test_only_the_commissioners_officers_handle_complaints(api):
    complaint = ComplaintFactory(forwarded_to_provider_at=timezone.now())
    provider_user = ProviderAdminFactory(provider=complaint.provider)

    api.as_key(provider_user, "complaints:read", "complaints:write")
    assert api.post(f"{URL}{complaint.pk}/acknowledge/").status_code == 403
    api.anonymous().force_login(StaffFactory())
    assert api.post(f"{URL}{complaint.pk}/acknowledge/").status_code == 403
    api.logout()
    api.as_key(ManagerFactory(commissioner=complaint.commissioner), "complaints:write")
    assert api.post(f"{URL}{complaint.pk}/acknowledge/").status_code == 200


def test_handling_needs_the_write_scope(api):
    complaint = ComplaintFactory()
    api.as_key(officer_of(complaint), "complaints:read")

    response = api.post(f"{URL}{complaint.pk}/acknowledge/")

    assert response.status_code == 403
    assert "complaints:write" in response.json()["detail"]
