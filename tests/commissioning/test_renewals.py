"""Officers decide what happens at a contract's end: extend it with an option, or not."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from commissioning.choices import ContractStatus
from commissioning.models import ContractExtension, RenewalDecision, RenewalRecommendation
from commissioning.services.renewals import renewal_decide
from core.errors import DomainError
from core.models import AuditEntry
from tests.factories import (
    KpiFactory,
    KpiResultFactory,
    OfficerFactory,
    ProviderAdminFactory,
    RenewalDecisionFactory,
    StaffFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def officer_of(renewal):
    return OfficerFactory(commissioner=renewal.contract.commissioner)


# --- the decision -------------------------------------------------------------------------


def test_extending_uses_the_first_option_and_moves_the_end_date():
    renewal = RenewalDecisionFactory(contract__extension_options_remaining=[12, 6])
    old_end = renewal.contract.end_date
    officer = officer_of(renewal)

    renewal_decide(renewal=renewal, actor=officer, decision="extend", reason="")

    contract = renewal.contract
    contract.refresh_from_db()
    renewal.refresh_from_db()
    assert contract.end_date == old_end + relativedelta(months=12)
    assert contract.extension_options_remaining == [6]
    assert contract.status == ContractStatus.EXTENDED
    assert renewal.status == RenewalDecision.Status.DECIDED
    assert (renewal.decision, renewal.decided_by) == ("extend", officer)
    extension = ContractExtension.objects.get()
    assert (extension.previous_end_date, extension.new_end_date, extension.months) == (
        old_end,
        contract.end_date,
        12,
    )
    assert extension.renewal == renewal
    assert AuditEntry.objects.filter(action="renewal.decide").exists()


def test_re_procuring_leaves_the_contract_to_run_to_its_end():
    renewal = RenewalDecisionFactory(recommendation="reprocure")
    end = renewal.contract.end_date

    renewal_decide(renewal=renewal, actor=officer_of(renewal), decision="reprocure", reason="")

    renewal.contract.refresh_from_db()
    assert renewal.contract.end_date == end
    assert renewal.contract.status == ContractStatus.ACTIVE
    assert not ContractExtension.objects.exists()


def test_departing_from_the_recommendation_needs_a_reason():
    renewal = RenewalDecisionFactory()
    with pytest.raises(DomainError) as refused:
        renewal_decide(renewal=renewal, actor=officer_of(renewal), decision="in_house", reason="")
    assert "reason" in refused.value.field_errors
    renewal.refresh_from_db()
    assert renewal.status == RenewalDecision.Status.OPEN


def test_a_contract_with_no_option_left_cannot_be_extended():
    renewal = RenewalDecisionFactory(
        contract__extension_options_remaining=[], recommendation="reprocure"
    )
    with pytest.raises(DomainError) as refused:
        renewal_decide(
            renewal=renewal, actor=officer_of(renewal), decision="extend", reason="Good value"
        )
    assert "no extension option left" in refused.value.field_errors["decision"][0]
    assert not ContractExtension.objects.exists()


def test_a_decision_is_made_once():
    renewal = RenewalDecisionFactory()
    officer = officer_of(renewal)
    renewal_decide(renewal=renewal, actor=officer, decision="extend", reason="")
    with pytest.raises(DomainError, match="already been decided"):
        renewal_decide(renewal=renewal, actor=officer, decision="extend", reason="")
    assert ContractExtension.objects.count() == 1


def test_another_commissioners_officer_cannot_decide():
    renewal = RenewalDecisionFactory()
    with pytest.raises(DomainError):
        renewal_decide(renewal=renewal, actor=OfficerFactory(), decision="extend", reason="")


# --- pages --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    renewal = RenewalDecisionFactory()
    for url in [reverse("renewals:list"), reverse("renewals:detail", args=[renewal.pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_another_organisations_officer_finds_no_such_renewal(sign_in):
    renewal = RenewalDecisionFactory()
    client = sign_in(OfficerFactory())
    url = reverse("renewals:detail", args=[renewal.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "extend"}).status_code == 404
    assert renewal.contract.title not in client.get(reverse("renewals:list")).text


def test_providers_cannot_see_the_renewal_list(sign_in):
    client = sign_in(ProviderAdminFactory())
    assert client.get(reverse("renewals:list")).status_code == 403


def test_staff_may_read_a_renewal_but_not_decide_it(sign_in):
    renewal = RenewalDecisionFactory()
    client = sign_in(StaffFactory())
    url = reverse("renewals:detail", args=[renewal.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Record decision" not in response.text
    assert client.post(url, {"decision": "extend"}).status_code == 403


def test_officers_see_open_renewals_by_due_date_with_the_overdue_flagged(sign_in):
    later = RenewalDecisionFactory(due_on=timezone.localdate() + timedelta(days=20))
    overdue = RenewalDecisionFactory(
        contract__commissioner=later.contract.commissioner,
        due_on=timezone.localdate() - timedelta(days=2),
    )
    RenewalDecisionFactory(
        contract__commissioner=later.contract.commissioner, status="decided", decision="extend"
    )
    response = sign_in(officer_of(later)).get(reverse("renewals:list"))

    rows = response.context["renewals"]
    assert list(rows) == [overdue, later]
    assert response.text.count("Overdue") == 1


def test_the_renewal_list_takes_the_same_queries_for_2_or_20_renewals(sign_in):
    first = RenewalDecisionFactory()
    officer = officer_of(first)
    client = sign_in(officer)
    url = reverse("renewals:list")
    RenewalDecisionFactory(contract__commissioner=first.contract.commissioner)
    two = count_queries(client.get, url)
    for _ in range(18):
        RenewalDecisionFactory(contract__commissioner=first.contract.commissioner)
    twenty = count_queries(client.get, url)
    assert 0 < two == twenty


def test_the_decision_page_shows_the_recommendation_reasons_and_performance(sign_in):
    renewal = RenewalDecisionFactory()
    kpi = KpiFactory(contract=renewal.contract, name="Visits on time")
    KpiResultFactory(kpi=kpi, rating="met", value="97.00")
    response = sign_in(officer_of(renewal)).get(reverse("renewals:detail", args=[renewal.pk]))
    assert response.status_code == 200
    assert "Extend the contract" in response.text
    assert renewal.recommendation_reasons in response.text
    assert "Visits on time" in response.text
    assert "97.00" in response.text
    assert "The contract has not been extended" in response.text
    assert response.context["can_decide"] is True


def test_an_officer_extends_a_contract_from_the_decision_page(sign_in):
    renewal = RenewalDecisionFactory()
    url = reverse("renewals:detail", args=[renewal.pk])
    response = sign_in(officer_of(renewal)).post(url, {"decision": "extend", "reason": ""})
    assert response.status_code == 302
    page = sign_in(officer_of(renewal)).get(url)
    assert "Renewal decision recorded" in page.text
    assert "12 months" in page.text
    assert ContractExtension.objects.filter(contract=renewal.contract).exists()


def test_a_different_decision_without_a_reason_is_shown_on_the_field_with_the_choice_kept(
    sign_in,
):
    renewal = RenewalDecisionFactory()
    url = reverse("renewals:detail", args=[renewal.pk])
    response = sign_in(officer_of(renewal)).post(url, {"decision": "decommission", "reason": ""})
    assert response.status_code == 200
    assert "Error:" in response.text
    assert "Enter why you are not following the recommendation" in response.text
    assert response.context["form"]["decision"].value() == "decommission"
    renewal.refresh_from_db()
    assert renewal.status == RenewalDecision.Status.OPEN


def test_decision_choices_are_the_recommendations():
    assert {"extend", "reprocure", "in_house", "decommission"} == set(RenewalRecommendation.values)


# --- demo data ----------------------------------------------------------------------------


def test_the_demo_has_renewals_open_overdue_decided_and_a_contract_expired(settings):
    from django.core.management import call_command

    from commissioning import demo_renewals
    from commissioning.models import Contract
    from core.models import JobRun

    call_command("seed_demo", verbosity=0)
    # seed_demo has loaded it already; loading again adds nothing.
    assert demo_renewals.seed() == 0

    decided = dict(
        RenewalDecision.objects.filter(status="decided").values_list("decision", "contract")
    )
    assert set(decided) == {"extend", "reprocure"}
    assert RenewalDecision.objects.filter(status="open", escalated_on__isnull=False).exists()
    assert Contract.objects.filter(status=ContractStatus.EXPIRED).count() == 1
    assert Contract.objects.filter(status=ContractStatus.EXTENDED).count() == 1
    assert JobRun.objects.filter(job="contract_renewals", status="succeeded").count() >= 2
    assert demo_renewals.seed() == 0
