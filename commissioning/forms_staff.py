"""The form of staff's page that corrects a contract's value (commissioning.views.staff)."""

import re

from django import forms

from core.errors import DomainError
from core.forms import GovukFormMixin

from .models import Contract
from .services.contracts import contract_value_check

REFERENCE = re.compile(r"^(?:CM-C-)?0*(\d{1,12})$", re.IGNORECASE)


class ContractValueForm(GovukFormMixin, forms.Form):
    contract = forms.CharField(
        label="Contract reference",
        help_text="For example, CM-C-000123",
        max_length=20,
        error_messages={"required": "Enter the contract's reference"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "spellcheck": "false"}),
    )
    value = forms.CharField(
        label="The correct value, in pounds",
        help_text="For example, 230000 or 230000.50",
        max_length=30,
        error_messages={"required": "Enter the contract's correct value"},
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "decimal"}),
    )
    reason = forms.CharField(
        label="Why is the value being corrected?",
        help_text="Kept in the audit log with the change, for example the variation that set it",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason"},
    )

    def clean_contract(self):
        match = REFERENCE.match(self.cleaned_data["contract"].strip())
        record = (
            Contract.objects.select_related("provider", "commissioner")
            .filter(pk=int(match.group(1)))
            .first()
            if match
            else None
        )
        if record is None:
            raise forms.ValidationError("No contract has this reference")
        self.record = record
        return record.reference

    def clean_value(self):
        try:
            return contract_value_check(self.cleaned_data["value"])
        except DomainError as error:
            raise forms.ValidationError(error.field_errors["value"]) from error
