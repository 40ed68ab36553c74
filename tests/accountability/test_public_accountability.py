"""Anyone can see how a contract performs: KPIs, complaints per quarter and escalation."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accountability.choices import ComplaintCategory, ComplaintOutcome
from accountability.services.escalation import (
    escalation_step_record,
    evaluate_triggers,
    proposal_confirm,
)
from commissioning.models import KpiRating
from tests.factories import (
    ComplaintFactory,
    ContractFactory,
    KpiFactory,
    KpiResultFactory,
    OfficerFactory,
    UpheldComplaintFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def at(year, month, day):
    return timezone.make_aware(datetime(year, month, day, 12))


def test_the_public_contract_page_shows_kpis_with_their_latest_rating(client):
    kpi = KpiFactory(name="Visits on time", target="95.00", unit="%")
    KpiResultFactory(
        kpi=kpi,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        value="97.00",
        rating=KpiRating.MET,
    )
    KpiResultFactory(
        kpi=kpi,
        period_start=date(2026, 4, 1),
        period_end=date(2026, 6, 30),
        value="81.50",
        rating=KpiRating.MISSED,
    )
    KpiFactory(contract=kpi.contract, name="Calls answered")

    html = client.get(reverse("contracts:detail", args=[kpi.contract_id])).content.decode()

    assert "81.50 %" in html
    assert "97" not in html.split("Visits on time")[1].split("</tr>")[0]
    assert 'govuk-tag--red">Missed</strong>' in html
    assert "Not reported yet" in html
    assert kpi.contract.provider.name in html


def test_complaints_are_counted_per_quarter_without_personal_data(client):
    contract = ContractFactory()
    ComplaintFactory(contract=contract, received_at=at(2026, 2, 3), complainant_name="Jo Bloggs")
    UpheldComplaintFactory(contract=contract, received_at=at(2026, 3, 30))
    UpheldComplaintFactory(
        contract=contract, received_at=at(2026, 5, 1), outcome=ComplaintOutcome.PARTLY_UPHELD
    )

    page = client.get(reverse("contracts:detail", args=[contract.pk]))

    assert page.context["complaint_quarters"] == [
        {"label": "April to June 2026", "received": 1, "upheld": 1},
        {"label": "January to March 2026", "received": 2, "upheld": 1},
    ]
    html = page.content.decode()
    assert "Jo Bloggs" not in html
    assert "pat@example.org" not in html
    assert "The carer did not arrive" not in html


def test_the_public_sees_the_escalation_level_and_history_without_internal_notes(client):
    contract = ContractFactory()
    officer = OfficerFactory(commissioner=contract.commissioner)
    UpheldComplaintFactory(contract=contract, category=ComplaintCategory.SAFEGUARDING)
    [proposal] = evaluate_triggers(contract=contract)
    proposal_confirm(proposal=proposal, actor=officer, reason="A safeguarding failure")
    escalation_step_record(
        contract=contract,
        actor=officer,
        level=2,
        reason="No improvement after monitoring",
        plan_due_on=timezone.localdate() + timedelta(days=30),
    )

    html = client.get(reverse("contracts:detail", args=[contract.pk])).content.decode()

    assert "Performance notice and improvement plan" in html
    assert "A safeguarding failure" in html
    assert "No improvement after monitoring" in html
    assert escape(officer.full_name) not in html
    assert officer.email not in html


def test_the_public_contract_page_makes_the_same_queries_for_2_and_20_rows(client):
    contract = ContractFactory()
    officer = OfficerFactory(commissioner=contract.commissioner)
    url = reverse("contracts:detail", args=[contract.pk])

    def add(n):
        for i in range(n):
            UpheldComplaintFactory(contract=contract, received_at=at(2020 + i % 6, 1 + i % 12, 1))
            kpi = KpiFactory(contract=contract)
            KpiResultFactory(kpi=kpi, period_start=date(2026, 1, 1), period_end=date(2026, 3, 31))
            escalation_step_record(
                contract=contract,
                actor=officer,
                level=(contract.escalation_level + 1) % 2,
                reason=f"Decision {i}",
            )
            contract.refresh_from_db()

    add(2)
    few = count_queries(client.get, url)
    add(18)
    assert count_queries(client.get, url) == few > 0


def test_the_public_provider_page_aggregates_complaints_and_shows_each_contracts_level(client):
    first = ContractFactory(escalation_level=1)
    second = ContractFactory(provider=first.provider, escalation_level=3)
    UpheldComplaintFactory(contract=first, received_at=at(2026, 7, 1))
    ComplaintFactory(contract=second, received_at=at(2026, 8, 1))
    ComplaintFactory(received_at=at(2026, 8, 1))  # another provider's

    page = client.get(reverse("providers:detail", args=[first.provider_id]))

    assert page.context["complaint_quarters"] == [
        {"label": "July to September 2026", "received": 2, "upheld": 1}
    ]
    html = page.content.decode()
    assert "Enhanced monitoring" in html
    assert "Formal warning or step-in" in html


def test_the_public_provider_page_makes_the_same_queries_for_2_and_20_contracts(client):
    provider = ContractFactory().provider
    url = reverse("providers:detail", args=[provider.pk])

    def add(n):
        for i in range(n):
            contract = ContractFactory(provider=provider, escalation_level=i % 5)
            UpheldComplaintFactory(contract=contract, received_at=at(2020 + i % 6, 1 + i % 12, 1))

    add(1)
    few = count_queries(client.get, url)
    add(19)
    assert count_queries(client.get, url) == few > 0


def test_every_kind_of_visitor_sees_the_same_public_accountability(client, sign_in):
    contract = ContractFactory()
    officer = OfficerFactory(commissioner=contract.commissioner)
    escalation_step_record(contract=contract, actor=officer, level=1, reason="Late visits")
    url = reverse("contracts:detail", args=[contract.pk])
    anonymous = client.get(url).context["escalation_steps"]
    for user in [OfficerFactory(), officer]:
        page = sign_in(user).get(url)
        assert page.status_code == 200
        assert page.context["escalation_steps"] == anonymous
        assert escape(officer.full_name) not in page.content.decode()
