"""The form of staff's page that corrects a provider's kind, legal form or size band
(providers.views_staff)."""

from django import forms

from core.forms import GovukFormMixin

from .choices import LegalForm, ProviderKind, SizeBand
from .models import ProviderOrganisation


class ProviderDetailsForm(GovukFormMixin, forms.Form):
    provider = forms.CharField(
        label="Provider's name",
        help_text="As registered",
        max_length=200,
        error_messages={"required": "Enter the provider's name"},
    )
    kind = forms.ChoiceField(
        label="Kind of organisation",
        choices=ProviderKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of organisation it is"},
    )
    legal_form = forms.ChoiceField(
        label="Legal form",
        choices=LegalForm.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the organisation's legal form"},
    )
    size_band = forms.ChoiceField(
        label="Size",
        choices=SizeBand.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how many staff the organisation has"},
    )
    reason = forms.CharField(
        label="Why are the details being corrected?",
        help_text="Kept in the audit log with the change, for example the register entry checked",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason"},
    )

    def clean_provider(self):
        name = self.cleaned_data["provider"].strip()
        self.record = ProviderOrganisation.objects.filter(name__iexact=name).first()
        if self.record is None:
            raise forms.ValidationError(f"No provider is registered as {name}")
        return self.record.name
