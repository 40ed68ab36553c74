"""Platform staff correct a contract's recorded value on their own pages (question, check
your answers, confirmation), with a reason; the audit log keeps the value before and after.
The admin only shows the contract, and links here."""

from decimal import Decimal

import pytest

from commissioning.models import Contract
from commissioning.services.contracts import contract_value_correct
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry
from tests.factories import ContractFactory, ManagerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def value_of(contract) -> Decimal:
    return Contract.objects.get(pk=contract.pk).value


def test_staff_correct_a_contracts_value_with_a_reason(sign_in):
    contract = ContractFactory(value=Decimal("230000.00"))
    staff = StaffFactory()
    client = sign_in(staff)

    admin_page = client.get(f"/admin/commissioning/contract/{contract.pk}/change/")
    link = f"/staff/contract_value/?contract={contract.reference}"
    assert link in admin_page.content.decode()
    question = client.get(link).content.decode()
    assert f'value="{contract.reference}"' in question

    answers = {
        "contract": contract.reference,
        "value": "£203,000",
        "reason": "Typed 230,000 for 203,000: see variation 2.",
    }
    assert client.post("/staff/contract_value/", answers).url == "/staff/contract_value/check/"
    check = client.get("/staff/contract_value/check/").content.decode()
    assert "£230,000.00" in check and "£203,000.00" in check
    assert value_of(contract) == Decimal("230000.00")

    done = client.post("/staff/contract_value/check/", follow=True).content.decode()

    assert "Value corrected" in done
    assert value_of(contract) == Decimal("203000.00")
    entry = AuditEntry.objects.get(action="contract.value_corrected")
    assert (entry.actor, entry.object_id) == (staff, str(contract.pk))
    assert entry.before == {"value": "230000.00"}
    assert entry.after == {
        "value": "203000.00",
        "reason": "Typed 230,000 for 203,000: see variation 2.",
    }
    # The confirmation is shown once; the answers are gone.
    assert client.get("/staff/contract_value/done/").url == "/dashboard/"
    assert client.get("/staff/contract_value/check/").url == "/staff/contract_value/"


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"value": "1,0,0.001"}, "at most 2 decimal places"),
        ({"value": "a lot"}, "Enter the contract&#x27;s value in pounds"),
        ({"value": "0"}, "must be more than £0"),
        ({"value": "1e400"}, "must be less than £1,000,000,000,000"),
        ({"value": "NaN"}, "Enter the contract&#x27;s value in pounds"),
        ({"contract": "CM-C-999999"}, "No contract has this reference"),
        ({"contract": "drop table"}, "No contract has this reference"),
        ({"reason": ""}, "Enter the reason"),
    ],
)
def test_bad_answers_are_named_and_nothing_changes(sign_in, answers, message):
    contract = ContractFactory(value=Decimal("230000.00"))
    data = {"contract": contract.reference, "value": "1", "reason": "Typo", **answers}
    response = sign_in(StaffFactory()).post("/staff/contract_value/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert message in page
    assert value_of(contract) == Decimal("230000.00")


def test_a_value_that_is_already_recorded_is_refused_on_the_check_page(sign_in):
    contract = ContractFactory(value=Decimal("230000.00"))
    client = sign_in(StaffFactory())
    client.post(
        "/staff/contract_value/",
        {"contract": contract.reference, "value": "230000", "reason": "Check"},
    )
    page = client.post("/staff/contract_value/check/").content.decode()
    assert "already £230,000.00" in page
    assert not AuditEntry.objects.filter(action="contract.value_corrected").exists()


def test_only_staff_correct_values():
    contract = ContractFactory(value=Decimal("230000.00"))
    manager = ManagerFactory(commissioner=contract.commissioner)
    with pytest.raises(NotPermitted):
        contract_value_correct(contract=contract, actor=manager, value="1", reason="Cheaper")
    with pytest.raises(DomainError):
        contract_value_correct(contract=contract, actor=StaffFactory(), value="1", reason=" ")
    assert value_of(contract) == Decimal("230000.00")
