"""A commissioner's contract-management system reads what the triggers propose and decides
escalation; a provider's system reads the steps taken on its contracts and answers a
performance notice with its improvement plan. Same services, same rules as the pages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accountability.choices import (
    ComplaintCategory,
    EscalationLevel,
    EscalationTrigger,
    ProposalStatus,
)
from accountability.models import EscalationProposal, EscalationStep, ImprovementPlan
from accountability.services.escalation import escalation_step_record, evaluate_triggers
from core.models import AuditEntry
from tests.factories import (
    ContractFactory,
    OfficerFactory,
    ProviderAdminFactory,
    StaffFactory,
    UpheldComplaintFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/escalations/proposals/"
STEPS = "/api/v1/escalations/steps/"


def proposal_for(contract=None):
    contract = contract or ContractFactory()
    UpheldComplaintFactory(contract=contract, category=ComplaintCategory.SAFEGUARDING)
    [proposal] = evaluate_triggers(contract=contract)
    return proposal


def officer_of(contract):
    return OfficerFactory(commissioner=contract.commissioner)


def performance_notice(contract):
    return escalation_step_record(
        contract=contract,
        actor=officer_of(contract),
        level=EscalationLevel.PERFORMANCE_NOTICE,
        reason="Visits missed for three months",
        plan_due_on=timezone.localdate() + timedelta(days=14),
    )


# --- proposals --------------------------------------------------------------------------------


def test_officers_read_proposals_with_trigger_reason_and_evidence(api):
    proposal = proposal_for()
    proposal_for()  # another commissioner's
    api.as_key(officer_of(proposal.contract), "complaints:read")

    response = api.get(PROPOSALS)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == proposal.pk
    assert row["trigger"] == EscalationTrigger.SAFEGUARDING
    assert row["status"] == ProposalStatus.PENDING
    assert row["reason"] == proposal.reason
    assert [c["id"] for c in row["evidence_complaints"]] == [
        c.pk for c in proposal.evidence_complaints.all()
    ]
    assert row["contract"]["id"] == proposal.contract_id
    assert api.get(f"{PROPOSALS}{proposal.pk}/").json()["id"] == proposal.pk


def test_proposals_are_filtered_and_bad_filters_are_a_400(api):
    pending = proposal_for()
    officer = officer_of(pending.contract)
    other = proposal_for(ContractFactory(commissioner=pending.contract.commissioner))
    other.status = ProposalStatus.OVERRIDDEN
    other.save()
    api.as_key(officer, "complaints:read")

    def ids(query):
        return {row["id"] for row in api.get(f"{PROPOSALS}?{query}").json()["results"]}

    assert ids("status=pending") == {pending.pk}
    assert ids("status=overridden") == {other.pk}
    assert ids(f"contract={other.contract_id}") == {other.pk}
    assert ids("trigger=kpi_misses") == set()
    for query, field in [("status=maybe", "status"), ("proposed_level=9", "proposed_level")]:
        response = api.get(f"{PROPOSALS}?{query}")
        assert response.status_code == 400
        assert field in response.json()["errors"]


def test_providers_and_anonymous_clients_do_not_read_proposals(api):
    proposal = proposal_for()
    assert api.get(PROPOSALS).status_code == 401

    api.as_key(ProviderAdminFactory(provider=proposal.contract.provider), "complaints:read")
    assert api.get(PROPOSALS).json()["results"] == []
    assert api.get(f"{PROPOSALS}{proposal.pk}/").status_code == 404


def test_an_officer_confirms_a_proposal_and_the_contract_moves_up(api):
    proposal = proposal_for()
    contract = proposal.contract
    api.as_key(officer_of(contract), "complaints:read", "complaints:write")

    response = api.post(f"{PROPOSALS}{proposal.pk}/confirm/", {}, format="json")

    assert response.status_code == 201, response.json()
    step = response.json()
    assert (step["from_level"], step["level"]) == (0, 1)
    assert step["proposal"] == proposal.pk
    assert step["reason"] == proposal.reason
    contract.refresh_from_db()
    assert contract.escalation_level == 1
    assert api.get(f"{PROPOSALS}{proposal.pk}/").json()["status"] == ProposalStatus.CONFIRMED
    entry = AuditEntry.objects.get(action="escalation.step_decided")
    assert f"via API key {api.api_key.prefix}" in entry.actor_label


def test_deciding_a_proposal_twice_is_a_409(api):
    proposal = proposal_for()
    api.as_key(officer_of(proposal.contract), "complaints:write")
    assert api.post(f"{PROPOSALS}{proposal.pk}/confirm/", {}, format="json").status_code == 201

    again = api.post(f"{PROPOSALS}{proposal.pk}/override/", {"reason": "No"}, format="json")

    assert again.status_code == 409
    assert "already decided" in again.json()["detail"]


def test_escalation_confirm_by_a_non_officer_is_refused(api):
    proposal = proposal_for()
    url = f"{PROPOSALS}{proposal.pk}/confirm/"

    api.as_key(ProviderAdminFactory(provider=proposal.contract.provider), "complaints:write")
    response = api.post(url, {}, format="json")
    assert response.status_code == 403
    assert "Only the commissioner's officers" in response.json()["detail"]

    api.anonymous().force_login(StaffFactory())
    assert api.post(url, {}, format="json").status_code == 403
    api.logout()

    api.as_key(OfficerFactory(), "complaints:write")  # another commissioner's officer
    assert api.post(url, {}, format="json").status_code == 404

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PENDING


def test_confirming_needs_the_write_scope(api):
    proposal = proposal_for()
    api.as_key(officer_of(proposal.contract), "complaints:read")

    response = api.post(f"{PROPOSALS}{proposal.pk}/confirm/", {}, format="json")

    assert response.status_code == 403
    assert "complaints:write" in response.json()["detail"]


def test_overriding_needs_a_reason_and_keeps_the_level(api):
    proposal = proposal_for()
    api.as_key(officer_of(proposal.contract), "complaints:write")
    url = f"{PROPOSALS}{proposal.pk}/override/"

    assert "reason" in api.post(url, {}, format="json").json()["errors"]
    assert "reason" in api.post(url, {"reason": "  "}, format="json").json()["errors"]
    unknown = api.post(url, {"reason": "Resolved", "level": 3}, format="json")
    assert "level" in unknown.json()["errors"]
    response = api.post(url, {"reason": "The carer was replaced"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == ProposalStatus.OVERRIDDEN
    assert response.json()["decision_reason"] == "The carer was replaced"
    proposal.contract.refresh_from_db()
    assert proposal.contract.escalation_level == 0


# --- steps ------------------------------------------------------------------------------------


def test_an_officer_records_a_performance_notice_of_their_own(api):
    contract = ContractFactory()
    api.as_key(officer_of(contract), "complaints:write")
    due = (timezone.localdate() + timedelta(days=21)).isoformat()

    response = api.post(
        STEPS,
        {"contract": contract.pk, "level": 2, "reason": "Missed visits", "plan_due_on": due},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["plan_due_on"] == due
    assert response.json()["improvement_plan"] is None
    contract.refresh_from_db()
    assert contract.escalation_level == EscalationLevel.PERFORMANCE_NOTICE


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": 2, "reason": "Missed visits"}, "plan_due_on"),
        ({"level": 4, "reason": "Unsafe"}, "continuity"),
        ({"level": 0, "reason": "Back to normal"}, "level"),
        ({"level": 9, "reason": "Off the ladder"}, "level"),
        ({"level": 1}, "reason"),
        ({"level": 1, "reason": "Late", "plan_due_on": "soon"}, "plan_due_on"),
        ({"level": 1, "reason": "Late", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_step_is_a_400_naming_the_field_and_nothing_moves(api, body, field):
    contract = ContractFactory()
    api.as_key(officer_of(contract), "complaints:write")

    response = api.post(STEPS, {"contract": contract.pk, **body}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not EscalationStep.objects.exists()


def test_a_step_on_another_organisations_contract_is_refused(api):
    contract = ContractFactory()
    api.as_key(OfficerFactory(), "complaints:write")

    for contract_id in (contract.pk, 999999):
        response = api.post(
            STEPS, {"contract": contract_id, "level": 1, "reason": "Late"}, format="json"
        )
        assert response.status_code == 400
        assert "contract" in response.json()["errors"]

    api.as_key(ProviderAdminFactory(provider=contract.provider), "complaints:write")
    response = api.post(STEPS, {"contract": contract.pk, "level": 1, "reason": "Late"})
    assert response.status_code == 403
    assert not EscalationStep.objects.exists()


def test_the_provider_reads_the_steps_on_its_own_contracts(api):
    step = performance_notice(ContractFactory())
    performance_notice(ContractFactory())  # someone else's
    api.as_key(ProviderAdminFactory(provider=step.contract.provider), "complaints:read")

    [row] = api.get(STEPS).json()["results"]

    assert row["id"] == step.pk
    assert row["level"] == EscalationLevel.PERFORMANCE_NOTICE
    assert api.get(f"{STEPS}?plan_outstanding=true").json()["results"][0]["id"] == step.pk
    assert api.get(f"{STEPS}?plan_outstanding=false").json()["results"] == []
    assert api.get(f"{STEPS}?plan_outstanding=soon").status_code == 400

    api.as_key(ProviderAdminFactory(), "complaints:read")
    assert api.get(f"{STEPS}{step.pk}/").status_code == 404


def test_the_provider_submits_its_improvement_plan_once(api):
    step = performance_notice(ContractFactory())
    api.as_key(ProviderAdminFactory(provider=step.contract.provider), "complaints:write")
    url = f"{STEPS}{step.pk}/improvement-plan/"

    assert "text" in api.post(url, {"text": ""}, format="json").json()["errors"]
    response = api.post(url, {"text": "Two more carers from May"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["is_late"] is False
    again = api.post(url, {"text": "And another"}, format="json")
    assert again.status_code == 409
    assert ImprovementPlan.objects.get().text == "Two more carers from May"


def test_only_the_contracts_provider_submits_an_improvement_plan(api):
    step = performance_notice(ContractFactory())
    url = f"{STEPS}{step.pk}/improvement-plan/"

    api.as_key(officer_of(step.contract), "complaints:write")
    assert api.post(url, {"text": "A plan"}, format="json").status_code == 403
    api.as_key(ProviderAdminFactory(), "complaints:write")
    assert api.post(url, {"text": "A plan"}, format="json").status_code == 404
    assert not ImprovementPlan.objects.exists()


# --- constant queries -------------------------------------------------------------------------


def test_proposal_and_step_lists_make_the_same_queries_for_2_or_20_rows(api):
    officer = OfficerFactory()
    for _ in range(22):
        contract = ContractFactory(commissioner=officer.commissioner)
        proposal = proposal_for(contract)
        EscalationProposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.OVERRIDDEN)
        step = escalation_step_record(
            contract=contract, actor=officer, level=1, reason="Watch closely"
        )
        step.evidence_complaints.set(proposal.evidence_complaints.all())
    api.as_key(officer, "complaints:read")
    api.get(PROPOSALS)  # the key's first use is recorded once

    for url in (PROPOSALS, STEPS):
        small = count_queries(api.get, f"{url}?page_size=2")
        large = count_queries(api.get, f"{url}?page_size=20")
        assert small == large, url
        assert len(api.get(f"{url}?page_size=20").json()["results"]) == 20

    step = EscalationStep.objects.first()
    proposal = EscalationProposal.objects.first()
    assert count_queries(api.get, f"{STEPS}{step.pk}/") <= 6
    assert count_queries(api.get, f"{PROPOSALS}{proposal.pk}/") <= 6
