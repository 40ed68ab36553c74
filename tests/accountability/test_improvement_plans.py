"""A provider answers a performance notice with its improvement plan, once, flagged if late."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accountability.choices import EscalationLevel
from accountability.models import EscalationStep, ImprovementPlan
from accountability.services.escalation import improvement_plan_submit
from core.errors import DomainError, NotPermitted
from tests.factories import (
    BidWriterFactory,
    ContractFactory,
    OfficerFactory,
    ProviderAdminFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def performance_notice(contract=None, *, due_in_days=14, level=EscalationLevel.PERFORMANCE_NOTICE):
    contract = contract or ContractFactory(escalation_level=level)
    return EscalationStep.objects.create(
        contract=contract,
        from_level=1,
        level=level,
        reason="Visits on time missed two quarters running",
        decided_by=OfficerFactory(commissioner=contract.commissioner),
        decided_at=timezone.now(),
        plan_due_on=timezone.localdate() + timedelta(days=due_in_days),
    )


def test_the_provider_submits_its_plan_before_the_deadline():
    step = performance_notice()
    writer = BidWriterFactory(provider=step.contract.provider)
    plan = improvement_plan_submit(step=step, actor=writer, text="Hire two more carers by May.")
    assert plan.is_late is False
    assert plan.submitted_by == writer


def test_a_plan_after_the_deadline_is_accepted_but_flagged_late():
    step = performance_notice(due_in_days=-1)
    plan = improvement_plan_submit(
        step=step, actor=ProviderAdminFactory(provider=step.contract.provider), text="Our plan"
    )
    assert plan.is_late is True


def test_the_plan_is_submitted_once():
    step = performance_notice()
    admin = ProviderAdminFactory(provider=step.contract.provider)
    improvement_plan_submit(step=step, actor=admin, text="First plan")
    with pytest.raises(DomainError, match="already submitted"):
        improvement_plan_submit(step=step, actor=admin, text="Second plan")
    assert ImprovementPlan.objects.get().text == "First plan"


def test_an_empty_plan_is_refused():
    step = performance_notice()
    with pytest.raises(DomainError) as refused:
        improvement_plan_submit(
            step=step, actor=ProviderAdminFactory(provider=step.contract.provider), text=" "
        )
    assert refused.value.field_errors == {"text": ["Enter your improvement plan"]}


def test_only_a_performance_notice_asks_for_a_plan():
    step = performance_notice(level=EscalationLevel.ENHANCED_MONITORING)
    with pytest.raises(DomainError, match="Only a performance notice"):
        improvement_plan_submit(
            step=step, actor=ProviderAdminFactory(provider=step.contract.provider), text="Plan"
        )


def test_another_provider_or_the_commissioner_cannot_submit_the_plan():
    step = performance_notice()
    for user in [ProviderAdminFactory(), OfficerFactory(commissioner=step.contract.commissioner)]:
        with pytest.raises(NotPermitted):
            improvement_plan_submit(step=step, actor=user, text="Plan")


# --- pages --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    step = performance_notice()
    for url in [reverse("escalation:provider_list"), reverse("escalation:plan", args=[step.pk])]:
        assert reverse("accounts:login") in client.get(url)["Location"]


def test_another_provider_gets_not_found_and_the_commissioner_is_refused(sign_in):
    step = performance_notice()
    url = reverse("escalation:plan", args=[step.pk])
    assert sign_in(ProviderAdminFactory()).get(url).status_code == 404
    assert sign_in(OfficerFactory()).get(url).status_code == 404
    officer = OfficerFactory(commissioner=step.contract.commissioner)
    assert sign_in(officer).get(url).status_code == 403
    assert sign_in(officer).get(reverse("escalation:provider_list")).status_code == 403


def test_the_provider_lists_its_steps_and_submits_the_plan_on_the_page(sign_in):
    step = performance_notice()
    performance_notice()  # another provider's
    client = sign_in(ProviderAdminFactory(provider=step.contract.provider))
    page = client.get(reverse("escalation:provider_list"))
    assert list(page.context["steps"]) == [step]
    assert reverse("escalation:plan", args=[step.pk]) in page.content.decode()

    empty = client.post(reverse("escalation:plan", args=[step.pk]), {"text": ""})
    assert "Enter your improvement plan" in empty.content.decode()
    response = client.post(reverse("escalation:plan", args=[step.pk]), {"text": "Two more carers"})
    assert response.status_code == 302
    assert ImprovementPlan.objects.get(step=step).text == "Two more carers"


def test_a_late_plan_is_flagged_to_the_officer(sign_in):
    step = performance_notice(due_in_days=-3)
    improvement_plan_submit(
        step=step, actor=ProviderAdminFactory(provider=step.contract.provider), text="Late plan"
    )
    client = sign_in(OfficerFactory(commissioner=step.contract.commissioner))
    html = client.get(reverse("escalation:contract", args=[step.contract_id])).content.decode()
    assert "Late plan" in html
    assert 'govuk-tag--red">Late</strong>' in html


def test_the_provider_list_makes_the_same_queries_for_2_and_20_steps(sign_in):
    admin = ProviderAdminFactory()
    contract = ContractFactory(provider=admin.provider, escalation_level=2)
    for _ in range(2):
        performance_notice(contract)
    client = sign_in(admin)
    url = reverse("escalation:provider_list")
    few = count_queries(client.get, url)
    for _ in range(18):
        performance_notice(contract)
    assert count_queries(client.get, url) == few > 0
