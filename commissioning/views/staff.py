"""Staff's page that corrects a contract's recorded value, with a reason
(services.contracts.contract_value_correct)."""

from core.views_staff import StaffFlow

from ..forms_staff import ContractValueForm
from ..services.contracts import contract_value_correct


class ContractValueFlow(StaffFlow):
    slug = "contract_value"
    title = "Correct a contract's value"
    intro = (
        "Use this to put right a value recorded wrongly. The value before and after, and "
        "your reason, are kept in the audit log; the public contract pages and the open data "
        "show the corrected value."
    )
    form_class = ContractValueForm
    check_button = "Correct the value"
    prefill = {"contract": "contract"}

    def rows(self, form):
        contract = form.record
        return [
            ("Contract", f"{contract.reference}: {contract.title}"),
            ("Provider", contract.provider.name),
            ("Value now", f"£{contract.value:,}"),
            ("Correct value", f"£{form.cleaned_data['value']:,}"),
            ("Reason", form.cleaned_data["reason"]),
        ]

    def perform(self, form, *, actor):
        contract = contract_value_correct(
            contract=form.record,
            actor=actor,
            value=form.cleaned_data["value"],
            reason=form.cleaned_data["reason"],
        )
        return "Value corrected", f"{contract.reference} is now worth £{contract.value:,}"
