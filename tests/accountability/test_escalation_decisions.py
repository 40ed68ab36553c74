"""Officers confirm or override what the triggers propose, or decide a step themselves."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accountability.choices import ComplaintCategory, ContinuityOption, ProposalStatus
from accountability.models import EscalationPolicy, EscalationProposal, EscalationStep
from accountability.services.escalation import (
    escalation_step_record,
    evaluate_triggers,
    proposal_confirm,
    proposal_override,
)
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry, OutboxMessage
from tests.factories import (
    ContractFactory,
    OfficerFactory,
    ProviderAdminFactory,
    UpheldComplaintFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def proposal_for(contract=None, **contract_fields):
    contract = contract or ContractFactory(**contract_fields)
    UpheldComplaintFactory(contract=contract, category=ComplaintCategory.SAFEGUARDING)
    [proposal] = evaluate_triggers(contract=contract)
    return proposal


def officer_of(contract):
    return OfficerFactory(commissioner=contract.commissioner)


def test_confirming_a_proposal_moves_the_contract_up_and_tells_the_provider():
    proposal = proposal_for()
    contract = proposal.contract
    admin = ProviderAdminFactory(provider=contract.provider, email="admin@helping.example")
    officer = officer_of(contract)

    step = proposal_confirm(proposal=proposal, actor=officer)

    contract.refresh_from_db()
    proposal.refresh_from_db()
    assert contract.escalation_level == 1
    assert (step.from_level, step.level, step.decided_by) == (0, 1, officer)
    assert step.reason == proposal.reason
    assert list(step.evidence_complaints.all()) == list(proposal.evidence_complaints.all())
    assert proposal.status == ProposalStatus.CONFIRMED
    assert AuditEntry.objects.filter(action="escalation.step_decided").count() == 1
    email = OutboxMessage.objects.get(to=admin.email)
    assert "Enhanced monitoring" in email.subject


def test_the_officers_reason_is_published_in_place_of_the_triggers():
    proposal = proposal_for()
    step = proposal_confirm(
        proposal=proposal, actor=officer_of(proposal.contract), reason="Missed visits to a child"
    )
    assert step.reason == "Missed visits to a child"


def test_overriding_a_proposal_needs_a_reason():
    proposal = proposal_for()
    officer = officer_of(proposal.contract)
    with pytest.raises(DomainError) as refused:
        proposal_override(proposal=proposal, actor=officer, reason="  ")
    assert refused.value.field_errors == {
        "reason": ["Enter why you are not escalating the contract"]
    }
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING

    proposal_override(proposal=proposal, actor=officer, reason="Provider already acted")
    proposal.refresh_from_db()
    proposal.contract.refresh_from_db()
    assert proposal.status == ProposalStatus.OVERRIDDEN
    assert proposal.decision_reason == "Provider already acted"
    assert proposal.contract.escalation_level == 0


def test_confirming_a_performance_notice_needs_a_plan_deadline_in_the_future():
    proposal = proposal_for(escalation_level=1)
    officer = officer_of(proposal.contract)
    today = timezone.localdate()
    for due, message in [
        (None, "Enter the date the improvement plan is due"),
        (today, "The improvement plan's due date must be in the future"),
    ]:
        with pytest.raises(DomainError) as refused:
            proposal_confirm(proposal=proposal, actor=officer, plan_due_on=due)
        assert refused.value.field_errors == {"plan_due_on": [message]}
    assert not EscalationStep.objects.exists()

    step = proposal_confirm(proposal=proposal, actor=officer, plan_due_on=today + timedelta(28))
    assert (step.level, step.plan_due_on) == (2, today + timedelta(28))


def test_terminating_needs_a_continuity_option_and_a_reason():
    proposal = proposal_for(escalation_level=3)
    officer = officer_of(proposal.contract)
    with pytest.raises(DomainError) as refused:
        proposal_confirm(proposal=proposal, actor=officer)
    assert refused.value.field_errors == {
        "continuity": ["Choose how the service will continue"],
        "reason": ["Enter the reason for terminating the contract"],
    }

    step = proposal_confirm(
        proposal=proposal,
        actor=officer,
        reason="Repeated safeguarding failures",
        continuity=ContinuityOption.IN_HOUSE,
    )
    proposal.contract.refresh_from_db()
    assert (step.level, step.continuity) == (4, "in_house")
    assert proposal.contract.escalation_level == 4


def test_a_proposal_decided_already_cannot_be_decided_again():
    proposal = proposal_for()
    officer = officer_of(proposal.contract)
    proposal_confirm(proposal=proposal, actor=officer)
    with pytest.raises(DomainError, match="already decided"):
        proposal_override(proposal=proposal, actor=officer, reason="Too late")


def test_a_second_proposal_for_a_level_already_reached_must_be_overridden():
    contract = ContractFactory()
    for _ in range(3):
        UpheldComplaintFactory(contract=contract, category=ComplaintCategory.SAFEGUARDING)
    first, second = evaluate_triggers(contract=contract)
    officer = officer_of(contract)
    proposal_confirm(proposal=first, actor=officer)
    with pytest.raises(DomainError, match="already at Enhanced monitoring"):
        proposal_confirm(proposal=second, actor=officer)


def test_another_commissioners_officer_cannot_decide():
    proposal = proposal_for()
    with pytest.raises(NotPermitted):
        proposal_confirm(proposal=proposal, actor=OfficerFactory())
    with pytest.raises(NotPermitted):
        proposal_override(proposal=proposal, actor=OfficerFactory(), reason="No")


def test_an_officer_records_a_step_down_the_ladder_with_a_reason():
    contract = ContractFactory(escalation_level=2)
    officer = officer_of(contract)
    with pytest.raises(DomainError) as refused:
        escalation_step_record(contract=contract, actor=officer, level=1, reason="")
    assert refused.value.field_errors == {"reason": ["Enter the reason for your decision"]}
    with pytest.raises(DomainError) as refused:
        escalation_step_record(contract=contract, actor=officer, level=2, reason="Same")
    assert "already at" in refused.value.field_errors["level"][0]

    step = escalation_step_record(
        contract=contract, actor=officer, level=1, reason="Improvement plan delivered"
    )
    contract.refresh_from_db()
    assert (step.from_level, step.level, contract.escalation_level) == (2, 1, 1)
    assert step.proposal is None


@pytest.mark.django_db(transaction=True)
def test_two_officers_confirming_at_once_make_one_step():
    proposal = proposal_for()
    officers = [officer_of(proposal.contract) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def confirm(officer):
        try:
            barrier.wait()
            proposal_confirm(proposal=proposal, actor=officer)
            outcomes.append("confirmed")
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(o,)) for o in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes)[1] == "confirmed"
    assert "already decided" in sorted(outcomes)[0]
    assert EscalationStep.objects.filter(contract=proposal.contract).count() == 1


# --- pages --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    proposal = proposal_for()
    for url in [
        reverse("escalation:contract", args=[proposal.contract_id]),
        reverse("escalation:confirm", args=[proposal.contract_id, proposal.pk]),
        reverse("escalation:pending"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_another_organisation_gets_not_found(sign_in):
    proposal = proposal_for()
    contract = proposal.contract
    for user in [OfficerFactory(), ProviderAdminFactory(provider=contract.provider)]:
        client = sign_in(user)
        for url in [
            reverse("escalation:contract", args=[contract.pk]),
            reverse("escalation:confirm", args=[contract.pk, proposal.pk]),
            reverse("escalation:override", args=[contract.pk, proposal.pk]),
            reverse("escalation:thresholds", args=[contract.pk]),
            reverse("escalation:record_step", args=[contract.pk]),
        ]:
            assert client.get(url).status_code == 404, (user, url)


def test_the_officer_sees_the_ladder_the_proposal_and_its_evidence(sign_in):
    proposal = proposal_for()
    complaint = proposal.evidence_complaints.get()
    client = sign_in(officer_of(proposal.contract))
    page = client.get(reverse("escalation:contract", args=[proposal.contract_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Termination and continuity" in html
    assert proposal.reason in html
    assert complaint.reference in html
    assert reverse("escalation:confirm", args=[proposal.contract_id, proposal.pk]) in html


def test_the_officer_confirms_on_the_page_and_the_level_changes(sign_in):
    proposal = proposal_for()
    client = sign_in(officer_of(proposal.contract))
    url = reverse("escalation:confirm", args=[proposal.contract_id, proposal.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 302
    proposal.contract.refresh_from_db()
    assert proposal.contract.escalation_level == 1


def test_an_override_without_a_reason_shows_the_error_and_changes_nothing(sign_in):
    proposal = proposal_for()
    client = sign_in(officer_of(proposal.contract))
    url = reverse("escalation:override", args=[proposal.contract_id, proposal.pk])
    page = client.post(url, {"reason": ""})
    html = page.content.decode()
    assert page.status_code == 200
    assert "govuk-error-summary" in html
    assert "Enter why you are not escalating the contract" in html
    assert EscalationProposal.objects.get().status == ProposalStatus.PENDING


def test_a_bad_plan_date_keeps_what_was_typed(sign_in):
    proposal = proposal_for(escalation_level=1)
    client = sign_in(officer_of(proposal.contract))
    url = reverse("escalation:confirm", args=[proposal.contract_id, proposal.pk])
    page = client.post(url, {"reason": "Late visits", "plan_due_on": "31/02/2027"})
    html = page.content.decode()
    assert "Enter the due date as a real date" in html
    assert 'value="31/02/2027"' in html
    assert "Late visits" in html
    assert not EscalationStep.objects.exists()


def test_thresholds_form_saves_and_shows_errors_by_field(sign_in):
    contract = ContractFactory()
    client = sign_in(officer_of(contract))
    url = reverse("escalation:thresholds", args=[contract.pk])
    page = client.post(
        url,
        {
            "upheld_complaints_threshold": "0",
            "upheld_complaints_window_days": "90",
            "kpi_consecutive_misses": "2",
        },
    )
    assert "Enter a number of upheld complaints from 1 to 100" in page.content.decode()
    response = client.post(
        url,
        {
            "upheld_complaints_threshold": "5",
            "upheld_complaints_window_days": "60",
            "kpi_consecutive_misses": "2",
        },
    )
    assert response.status_code == 302
    assert contract.escalation_policy.upheld_complaints_threshold == 5


def test_the_pending_list_shows_only_the_officers_organisation_with_constant_queries(sign_in):
    officer = OfficerFactory()
    mine = [proposal_for(commissioner=officer.commissioner) for _ in range(2)]
    proposal_for()
    client = sign_in(officer)
    page = client.get(reverse("escalation:pending"))
    assert [p.pk for p in page.context["proposals"]] == [p.pk for p in mine]

    few = count_queries(client.get, reverse("escalation:pending"))
    for _ in range(18):
        proposal_for(commissioner=officer.commissioner)
    many = count_queries(client.get, reverse("escalation:pending"))
    assert few == many > 0


def test_providers_cannot_open_the_pending_list(sign_in):
    client = sign_in(ProviderAdminFactory())
    assert client.get(reverse("escalation:pending")).status_code == 403


def test_the_contracts_own_officers_open_every_escalation_page(sign_in):
    proposal = proposal_for()
    contract = proposal.contract
    client = sign_in(officer_of(contract))
    for url in [
        reverse("escalation:contract", args=[contract.pk]),
        reverse("escalation:confirm", args=[contract.pk, proposal.pk]),
        reverse("escalation:override", args=[contract.pk, proposal.pk]),
        reverse("escalation:thresholds", args=[contract.pk]),
        reverse("escalation:record_step", args=[contract.pk]),
        reverse("escalation:pending"),
    ]:
        assert client.get(url).status_code == 200, url


def test_a_decided_proposal_can_no_longer_be_opened(sign_in):
    proposal = proposal_for()
    officer = officer_of(proposal.contract)
    proposal_confirm(proposal=proposal, actor=officer)
    url = reverse("escalation:override", args=[proposal.contract_id, proposal.pk])
    assert sign_in(officer).get(url).status_code == 404


def test_the_officer_records_termination_on_the_page_only_with_continuity(sign_in):
    contract = ContractFactory(escalation_level=3)
    client = sign_in(officer_of(contract))
    url = reverse("escalation:record_step", args=[contract.pk])
    page = client.post(url, {"level": "4", "reason": "Service unsafe"})
    html = page.content.decode()
    assert "Choose how the service will continue" in html
    assert "Service unsafe" in html
    contract.refresh_from_db()
    assert contract.escalation_level == 3

    response = client.post(
        url, {"level": "4", "reason": "Service unsafe", "continuity": "reprocure"}
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.escalation_level == 4


def test_the_escalation_page_makes_the_same_queries_for_few_and_many_decisions(sign_in):
    contract = ContractFactory()
    # Only the safeguarding trigger, so each upheld complaint makes exactly one proposal.
    EscalationPolicy.objects.create(contract=contract, upheld_complaints_threshold=100)
    officer = officer_of(contract)
    client = sign_in(officer)
    url = reverse("escalation:contract", args=[contract.pk])

    def decide(n):
        for i in range(n):
            UpheldComplaintFactory(contract=contract, category=ComplaintCategory.SAFEGUARDING)
            [proposal] = evaluate_triggers(contract=contract)
            if i % 2:
                proposal_override(proposal=proposal, actor=officer, reason="Handled")
            else:
                proposal_confirm(proposal=proposal, actor=officer)
                contract.refresh_from_db()
                escalation_step_record(contract=contract, actor=officer, level=0, reason="Fixed")
        UpheldComplaintFactory(contract=contract, category=ComplaintCategory.SAFEGUARDING)
        evaluate_triggers(contract=contract)

    decide(2)
    few = count_queries(client.get, url)
    EscalationProposal.objects.filter(status=ProposalStatus.PENDING).update(
        status=ProposalStatus.OVERRIDDEN
    )
    decide(18)
    assert count_queries(client.get, url) == few > 0
