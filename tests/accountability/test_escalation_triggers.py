"""Triggers propose escalation when a failing contract crosses its thresholds; officers decide."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accountability.choices import (
    ComplaintCategory,
    ComplaintOutcome,
    EscalationTrigger,
    ProposalStatus,
)
from accountability.models import EscalationPolicy, EscalationProposal
from accountability.services import escalation
from accountability.services.escalation import (
    escalation_policy_for,
    escalation_policy_update,
    evaluate_triggers,
    evaluate_triggers_for_contracts,
    evaluate_triggers_for_due_contracts,
)
from commissioning.choices import ContractStatus
from commissioning.models import KpiRating
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry
from core.selectors import audit_chain_check
from tests.factories import (
    ContractFactory,
    KpiFactory,
    KpiResultFactory,
    OfficerFactory,
    UpheldComplaintFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def upheld(contract, count, **fields):
    return [UpheldComplaintFactory(contract=contract, **fields) for _ in range(count)]


def quarters(kpi, ratings, first=date(2026, 1, 1)):
    """Consecutive quarterly results for `kpi`, oldest first."""
    results, start = [], first
    for rating in ratings:
        end = (
            start.replace(month=start.month + 3)
            if start.month < 10
            else start.replace(year=start.year + 1, month=1)
        ) - timedelta(days=1)
        results.append(KpiResultFactory(kpi=kpi, period_start=start, period_end=end, rating=rating))
        start = end + timedelta(days=1)
    return results


def test_a_contract_gets_default_thresholds_when_first_checked():
    contract = ContractFactory()
    policy = escalation_policy_for(contract)
    assert (policy.upheld_complaints_threshold, policy.upheld_complaints_window_days) == (3, 90)
    assert policy.escalate_on_upheld_safeguarding is True
    assert policy.kpi_consecutive_misses == 2
    assert escalation_policy_for(contract).pk == policy.pk


def test_three_upheld_complaints_in_90_days_propose_enhanced_monitoring():
    contract = ContractFactory()
    complaints = upheld(contract, 3)

    [proposal] = evaluate_triggers(contract=contract)

    assert proposal.trigger == EscalationTrigger.UPHELD_COMPLAINTS
    assert proposal.proposed_level == 1
    assert proposal.status == ProposalStatus.PENDING
    assert proposal.reason == "3 upheld complaints in the last 90 days (threshold 3)"
    assert set(proposal.evidence_complaints.all()) == set(complaints)


def test_two_upheld_complaints_propose_nothing():
    contract = ContractFactory()
    upheld(contract, 2)
    assert evaluate_triggers(contract=contract) == []


def test_complaints_upheld_outside_the_window_or_not_upheld_do_not_count():
    contract = ContractFactory()
    upheld(contract, 2)
    upheld(contract, 1, responded_at=timezone.now() - timedelta(days=91))
    upheld(contract, 1, outcome=ComplaintOutcome.NOT_UPHELD)
    assert evaluate_triggers(contract=contract) == []


def test_running_the_triggers_again_makes_no_second_proposal():
    contract = ContractFactory()
    upheld(contract, 3)
    assert len(evaluate_triggers(contract=contract)) == 1
    assert evaluate_triggers(contract=contract) == []
    assert EscalationProposal.objects.filter(contract=contract).count() == 1


def test_complaints_already_decided_on_do_not_propose_again():
    contract = ContractFactory()
    upheld(contract, 3)
    [proposal] = evaluate_triggers(contract=contract)
    proposal.status = ProposalStatus.OVERRIDDEN
    proposal.save()

    assert evaluate_triggers(contract=contract) == []
    upheld(contract, 3)
    assert len(evaluate_triggers(contract=contract)) == 1


def test_one_upheld_safeguarding_complaint_proposes_escalation():
    contract = ContractFactory()
    [complaint] = upheld(contract, 1, category=ComplaintCategory.SAFEGUARDING)

    [proposal] = evaluate_triggers(contract=contract)

    assert proposal.trigger == EscalationTrigger.SAFEGUARDING
    assert proposal.reason == f"1 upheld safeguarding complaint ({complaint.reference})"
    assert list(proposal.evidence_complaints.all()) == [complaint]


def test_a_safeguarding_complaint_not_upheld_proposes_nothing():
    contract = ContractFactory()
    upheld(
        contract, 1, category=ComplaintCategory.SAFEGUARDING, outcome=ComplaintOutcome.NOT_UPHELD
    )
    assert evaluate_triggers(contract=contract) == []


def test_the_safeguarding_trigger_can_be_switched_off_per_contract():
    contract = ContractFactory()
    EscalationPolicy.objects.create(contract=contract, escalate_on_upheld_safeguarding=False)
    upheld(contract, 1, category=ComplaintCategory.SAFEGUARDING)
    assert evaluate_triggers(contract=contract) == []


def test_a_kpi_missed_in_two_consecutive_periods_proposes_escalation():
    kpi = KpiFactory(name="Visits on time")
    results = quarters(kpi, [KpiRating.MET, KpiRating.MISSED, KpiRating.MISSED])

    [proposal] = evaluate_triggers(contract=kpi.contract)

    assert proposal.trigger == EscalationTrigger.KPI_MISSES
    assert "“Visits on time” missed in the last 2 consecutive" in proposal.reason
    assert set(proposal.evidence_kpi_results.all()) == set(results[1:])


def test_a_kpi_missed_once_or_missed_then_met_proposes_nothing():
    once = KpiFactory()
    quarters(once, [KpiRating.MET, KpiRating.MISSED])
    recovered = KpiFactory(contract=once.contract)
    quarters(recovered, [KpiRating.MISSED, KpiRating.MISSED, KpiRating.MET])
    near = KpiFactory(contract=once.contract)
    quarters(near, [KpiRating.MISSED, KpiRating.NEAR_MISS])
    assert evaluate_triggers(contract=once.contract) == []


def test_misses_in_periods_with_a_gap_between_them_are_not_consecutive():
    kpi = KpiFactory()
    KpiResultFactory(kpi=kpi, period_start=date(2025, 1, 1), period_end=date(2025, 3, 31))
    KpiResultFactory(kpi=kpi, period_start=date(2025, 10, 1), period_end=date(2025, 12, 31))
    assert evaluate_triggers(contract=kpi.contract) == []


def test_every_trigger_proposes_one_level_above_the_current_capped_at_termination():
    contract = ContractFactory(escalation_level=2)
    upheld(contract, 3, category=ComplaintCategory.SAFEGUARDING)
    proposals = evaluate_triggers(contract=contract)
    assert {p.trigger for p in proposals} == {
        EscalationTrigger.UPHELD_COMPLAINTS,
        EscalationTrigger.SAFEGUARDING,
    }
    assert {p.proposed_level for p in proposals} == {3}

    top = ContractFactory(escalation_level=4)
    upheld(top, 1, category=ComplaintCategory.SAFEGUARDING)
    assert [p.proposed_level for p in evaluate_triggers(contract=top)] == [4]


def test_an_ended_contract_is_not_escalated():
    contract = ContractFactory(status=ContractStatus.EXPIRED)
    upheld(contract, 3)
    assert evaluate_triggers(contract=contract) == []


def test_checking_triggers_makes_the_same_queries_for_few_and_many_complaints_and_kpis():
    def build(n):
        contract = ContractFactory()
        EscalationPolicy.objects.create(contract=contract)
        upheld(contract, n)
        upheld(contract, n, category=ComplaintCategory.SAFEGUARDING)
        for _ in range(n):
            quarters(KpiFactory(contract=contract), [KpiRating.MISSED, KpiRating.MISSED])
        return contract

    few, many = build(2), build(12)
    # Proposals with evidence are created for both, so both do the same work.
    assert count_queries(evaluate_triggers, contract=few) == count_queries(
        evaluate_triggers, contract=many
    )
    assert count_queries(evaluate_triggers, contract=few) > 0


def test_the_daily_sweep_checks_live_contracts_with_upheld_complaints_or_missed_kpis():
    failing = ContractFactory()
    upheld(failing, 3)
    kpi = KpiFactory()
    quarters(kpi, [KpiRating.MISSED, KpiRating.MISSED])
    ended = ContractFactory(status=ContractStatus.TERMINATED)
    upheld(ended, 3)
    ContractFactory()

    assert evaluate_triggers_for_due_contracts(chunk_size=1) == 2
    assert set(EscalationProposal.objects.values_list("contract_id", flat=True)) == {
        failing.pk,
        kpi.contract_id,
    }
    assert evaluate_triggers_for_due_contracts() == 0


def _failing(n):
    """`n` live contracts on which every trigger fires."""
    contracts = []
    for _ in range(n):
        contract = ContractFactory()
        upheld(contract, 2)
        upheld(contract, 1, category=ComplaintCategory.SAFEGUARDING)
        quarters(KpiFactory(contract=contract), [KpiRating.MISSED, KpiRating.MISSED])
        contracts.append(contract)
    return contracts


def test_the_daily_sweep_makes_the_same_queries_for_2_and_8_failing_contracts_in_a_chunk():
    def sweep(n):
        contracts = _failing(n)
        made = count_queries(evaluate_triggers_for_due_contracts, chunk_size=n)
        assert EscalationProposal.objects.filter(contract__in=contracts).count() == 3 * n
        EscalationProposal.objects.update(status=ProposalStatus.OVERRIDDEN)
        for contract in contracts:
            contract.status = ContractStatus.EXPIRED
            contract.save()
        return made

    assert 0 < sweep(2) == sweep(8)
    assert audit_chain_check().intact


def test_a_chunk_is_judged_contract_by_contract_with_each_contracts_own_thresholds():
    default = ContractFactory()
    upheld(default, 3, responded_at=timezone.now() - timedelta(days=60))
    short_window = ContractFactory()
    EscalationPolicy.objects.create(contract=short_window, upheld_complaints_window_days=30)
    upheld(short_window, 3, responded_at=timezone.now() - timedelta(days=60))
    long_window = ContractFactory()
    EscalationPolicy.objects.create(contract=long_window, upheld_complaints_window_days=365)
    upheld(long_window, 3, responded_at=timezone.now() - timedelta(days=200))
    old_safeguarding = ContractFactory()
    [complaint] = upheld(
        old_safeguarding,
        1,
        category=ComplaintCategory.SAFEGUARDING,
        responded_at=timezone.now() - timedelta(days=400),
    )
    two_misses = KpiFactory(name="Two")
    quarters(two_misses, [KpiRating.MISSED, KpiRating.MISSED])
    needs_three = KpiFactory(name="Three")
    EscalationPolicy.objects.create(contract=needs_three.contract, kpi_consecutive_misses=3)
    quarters(needs_three, [KpiRating.MISSED, KpiRating.MISSED])
    three_misses = KpiFactory(name="Three again")
    EscalationPolicy.objects.create(contract=three_misses.contract, kpi_consecutive_misses=3)
    results = quarters(three_misses, [KpiRating.MET] + [KpiRating.MISSED] * 3)
    ended = ContractFactory(status=ContractStatus.TERMINATED)
    upheld(ended, 3)
    contracts = [
        default,
        short_window,
        long_window,
        old_safeguarding,
        two_misses.contract,
        needs_three.contract,
        three_misses.contract,
        ended,
    ]

    made = evaluate_triggers_for_contracts(contracts)

    reasons = {pk: [p.reason for p in proposals] for pk, proposals in made.items()}
    assert reasons == {
        default.pk: ["3 upheld complaints in the last 90 days (threshold 3)"],
        long_window.pk: ["3 upheld complaints in the last 365 days (threshold 3)"],
        old_safeguarding.pk: [f"1 upheld safeguarding complaint ({complaint.reference})"],
        two_misses.contract_id: [
            "KPI “Two” missed in the last 2 consecutive reporting periods (threshold 2)"
        ],
        three_misses.contract_id: [
            "KPI “Three again” missed in the last 3 consecutive reporting periods (threshold 3)"
        ],
    }
    [proposal] = made[three_misses.contract_id]
    assert set(proposal.evidence_kpi_results.all()) == set(results[1:])
    # Contracts without thresholds of their own were judged by the defaults, and no row was
    # written to read them.
    assert EscalationPolicy.objects.count() == 4
    assert AuditEntry.objects.filter(action="escalation.proposed").count() == 5
    assert audit_chain_check().intact
    assert evaluate_triggers_for_contracts(contracts) == {}


def test_an_open_proposal_the_check_did_not_see_does_not_stop_the_other_triggers(monkeypatch):
    contract = ContractFactory()
    upheld(contract, 3, category=ComplaintCategory.SAFEGUARDING)
    # An open proposal made by a transaction that did not lock the contract, after the
    # evaluation had read the open proposals.
    EscalationProposal.objects.create(
        contract=contract,
        trigger=EscalationTrigger.SAFEGUARDING,
        proposed_level=1,
        reason="made elsewhere",
    )
    reads = []
    real = escalation._open_triggers

    def misses_it_the_first_time(ids):
        reads.append(ids)
        return set() if len(reads) == 1 else real(ids)

    monkeypatch.setattr(escalation, "_open_triggers", misses_it_the_first_time)

    [proposal] = evaluate_triggers(contract=contract)

    assert len(reads) == 2
    assert proposal.trigger == EscalationTrigger.UPHELD_COMPLAINTS
    assert proposal.evidence_complaints.count() == 3
    assert EscalationProposal.objects.filter(contract=contract).count() == 2
    assert AuditEntry.objects.filter(action="escalation.proposed").count() == 1


def test_the_management_command_runs_the_sweep(capsys):
    upheld(ContractFactory(), 3)
    call_command("evaluate_escalation_triggers")
    assert "1 escalation proposal(s) created." in capsys.readouterr().out


def test_an_officer_changes_a_contracts_thresholds_and_it_is_audited():
    contract = ContractFactory()
    officer = OfficerFactory(commissioner=contract.commissioner)
    escalation_policy_update(
        contract=contract, actor=officer, upheld_complaints_threshold=2, kpi_consecutive_misses=3
    )
    upheld(contract, 2)
    [proposal] = evaluate_triggers(contract=contract)
    assert proposal.reason == "2 upheld complaints in the last 90 days (threshold 2)"
    entry = AuditEntry.objects.get(action="escalation.thresholds_changed")
    assert entry.after == {"upheld_complaints_threshold": 2, "kpi_consecutive_misses": 3}


def test_thresholds_out_of_range_are_refused_with_a_message_for_the_field():
    contract = ContractFactory()
    officer = OfficerFactory(commissioner=contract.commissioner)
    with pytest.raises(DomainError) as refused:
        escalation_policy_update(contract=contract, actor=officer, upheld_complaints_threshold=0)
    assert refused.value.field_errors == {
        "upheld_complaints_threshold": ["Enter a number of upheld complaints from 1 to 100"]
    }
    assert escalation_policy_for(contract).upheld_complaints_threshold == 3


def test_another_commissioners_officer_cannot_change_the_thresholds():
    contract = ContractFactory()
    with pytest.raises(NotPermitted):
        escalation_policy_update(
            contract=contract, actor=OfficerFactory(), upheld_complaints_threshold=1
        )


def test_upholding_a_safeguarding_complaint_through_handling_proposes_escalation():
    from accountability.choices import ComplaintStatus
    from accountability.services.handling import complaint_respond
    from tests.factories import ComplaintFactory

    complaint = ComplaintFactory(
        category=ComplaintCategory.SAFEGUARDING, status=ComplaintStatus.INVESTIGATING
    )
    complaint_respond(
        complaint=complaint,
        actor=OfficerFactory(commissioner=complaint.commissioner),
        outcome=ComplaintOutcome.UPHELD,
        text="We are sorry: the visit was missed.",
        remedy="Two carers on every visit.",
    )
    proposal = EscalationProposal.objects.get(contract=complaint.contract)
    assert proposal.trigger == EscalationTrigger.SAFEGUARDING
    assert list(proposal.evidence_complaints.all()) == [complaint]
