"""Officers work through their complaints queue; providers read the complaints forwarded to them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accountability.choices import ComplaintCategory, ComplaintStatus
from tests.factories import (
    ComplaintFactory,
    ContractFactory,
    OfficerFactory,
    ProviderAdminFactory,
    StaffFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

QUEUE = "/accountability/complaints/"
FORWARDED = "/accountability/forwarded/"


def _references(response):
    return [c.reference for c in response.context["complaints"]]


def test_the_queue_is_for_commissioning_officers_only(client, sign_in):
    assert client.get(QUEUE).status_code == 302
    assert sign_in(ProviderAdminFactory()).get(QUEUE).status_code == 403
    assert sign_in(StaffFactory()).get(QUEUE).status_code == 403
    assert sign_in(OfficerFactory()).get(QUEUE).status_code == 200


def test_officer_sees_only_their_own_complaints_urgent_first_then_by_due_date(sign_in):
    contract = ContractFactory()
    today = timezone.localdate()
    later = ComplaintFactory(contract=contract, response_due_on=today + timedelta(days=20))
    sooner = ComplaintFactory(
        contract=contract,
        status=ComplaintStatus.ACKNOWLEDGED,
        response_due_on=today + timedelta(days=3),
    )
    urgent = ComplaintFactory(
        contract=contract,
        is_urgent=True,
        category=ComplaintCategory.SAFEGUARDING,
        response_due_on=today + timedelta(days=30),
    )
    someone_elses = ComplaintFactory()

    response = sign_in(OfficerFactory(commissioner=contract.commissioner)).get(QUEUE)

    # `later` is still received, so its acknowledgement (7 days) is what is due next.
    assert _references(response) == [urgent.reference, sooner.reference, later.reference]
    assert someone_elses.reference not in response.content.decode()


def test_an_overdue_complaint_shows_a_red_overdue_tag(sign_in):
    today = timezone.localdate()
    late = ComplaintFactory(
        acknowledge_due_on=today - timedelta(days=1), response_due_on=today + timedelta(days=5)
    )
    on_time = ComplaintFactory(contract=late.contract)
    responded_late = ComplaintFactory(
        contract=late.contract,
        status=ComplaintStatus.RESPONDED,
        response_due_on=today - timedelta(days=5),
    )

    response = sign_in(OfficerFactory(commissioner=late.commissioner)).get(QUEUE)

    overdue = {c.reference: c.is_overdue for c in response.context["complaints"]}
    assert overdue == {
        late.reference: True,
        on_time.reference: False,
        responded_late.reference: False,
    }
    assert response.content.decode().count('govuk-tag--red">Overdue') == 1


def test_officer_filters_the_queue(sign_in):
    today = timezone.localdate()
    contract = ContractFactory()
    officer = OfficerFactory(commissioner=contract.commissioner)
    other_contract = ContractFactory(commissioner=contract.commissioner)
    mine = ComplaintFactory(contract=contract, assigned_to=officer)
    stage2 = ComplaintFactory(contract=contract, stage=2, status=ComplaintStatus.INVESTIGATING)
    safeguarding = ComplaintFactory(
        contract=other_contract, category=ComplaintCategory.SAFEGUARDING
    )
    late = ComplaintFactory(contract=contract, response_due_on=today - timedelta(days=1))
    client = sign_in(officer)

    assert _references(client.get(QUEUE, {"status": "investigating"})) == [stage2.reference]
    assert _references(client.get(QUEUE, {"stage": "2"})) == [stage2.reference]
    assert _references(client.get(QUEUE, {"category": "safeguarding"})) == [safeguarding.reference]
    assert _references(client.get(QUEUE, {"overdue": "on"})) == [late.reference]
    assert _references(client.get(QUEUE, {"assigned": "me"})) == [mine.reference]
    assert mine.reference not in _references(client.get(QUEUE, {"assigned": "unassigned"}))
    assert _references(client.get(QUEUE, {"contract": other_contract.pk})) == [
        safeguarding.reference
    ]
    nothing = client.get(QUEUE, {"status": "closed"})
    assert "No complaints match these filters" in nothing.content.decode()


def test_the_queue_makes_the_same_queries_for_2_complaints_and_20(sign_in):
    contract = ContractFactory()
    client = sign_in(OfficerFactory(commissioner=contract.commissioner))
    officer = OfficerFactory(commissioner=contract.commissioner)
    ComplaintFactory.create_batch(2, contract=contract, assigned_to=officer)
    few = count_queries(client.get, QUEUE)
    ComplaintFactory.create_batch(18, contract=contract, assigned_to=officer)
    many = count_queries(client.get, QUEUE)
    assert few == many > 0
    assert len(client.get(QUEUE).context["complaints"]) == 20


def test_the_queue_shows_each_complaints_details_and_due_date(sign_in):
    complaint = ComplaintFactory()
    html = sign_in(OfficerFactory(commissioner=complaint.commissioner)).get(QUEUE).content.decode()
    assert complaint.reference in html
    assert complaint.contract.title in html
    assert "Quality of service" in html
    assert "Received" in html
    assert f"Acknowledge by {complaint.acknowledge_due_on:%-d %b %Y}" in html


# --- providers ------------------------------------------------------------------------------


def test_provider_sees_only_complaints_forwarded_to_them(client, sign_in):
    forwarded = ComplaintFactory(forwarded_to_provider_at=timezone.now())
    not_forwarded = ComplaintFactory(contract=forwarded.contract)
    someone_elses = ComplaintFactory(forwarded_to_provider_at=timezone.now())
    provider_user = ProviderAdminFactory(provider=forwarded.provider)

    assert client.get(FORWARDED).status_code == 302
    assert sign_in(OfficerFactory()).get(FORWARDED).status_code == 403
    client = sign_in(provider_user)
    response = client.get(FORWARDED)
    assert _references(response) == [forwarded.reference]

    assert client.get(f"{FORWARDED}{forwarded.pk}/").status_code == 200
    assert client.get(f"{FORWARDED}{not_forwarded.pk}/").status_code == 404
    assert client.get(f"{FORWARDED}{someone_elses.pk}/").status_code == 404
    officer = OfficerFactory(commissioner=forwarded.commissioner)
    assert sign_in(officer).get(f"{FORWARDED}{forwarded.pk}/").status_code == 404


def test_the_forwarded_list_makes_the_same_queries_for_2_complaints_and_20(sign_in):
    contract = ContractFactory()
    client = sign_in(ProviderAdminFactory(provider=contract.provider))
    ComplaintFactory.create_batch(2, contract=contract, forwarded_to_provider_at=timezone.now())
    few = count_queries(client.get, FORWARDED)
    ComplaintFactory.create_batch(18, contract=contract, forwarded_to_provider_at=timezone.now())
    many = count_queries(client.get, FORWARDED)
    assert few == many > 0


def test_dashboards_link_to_the_complaints(sign_in):
    officer = OfficerFactory()
    assert QUEUE in sign_in(officer).get("/dashboard/").content.decode()
    provider_user = ProviderAdminFactory()
    assert FORWARDED in sign_in(provider_user).get("/dashboard/").content.decode()
