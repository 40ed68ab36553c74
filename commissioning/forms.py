from django import forms

from core.forms import GovukFormMixin

from .models import CommissionerOrganisation


class CommissionerDetailsForm(GovukFormMixin, forms.ModelForm):
    website = forms.URLField(
        required=False, assume_scheme="https", help_text="For example, https://www.example.gov.uk"
    )

    class Meta:
        model = CommissionerOrganisation
        fields = ["name", "region", "website", "contact_email"]
        labels = {"name": "Organisation name", "contact_email": "Contact email address"}
        help_texts = {
            "contact_email": "Providers and citizens see this on your public notices",
        }
