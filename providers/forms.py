from django import forms

from core.forms import GovukFormMixin

from .models import ProviderOrganisation


class ProviderDetailsForm(GovukFormMixin, forms.ModelForm):
    website = forms.URLField(
        required=False, assume_scheme="https", help_text="For example, https://www.example.org.uk"
    )

    class Meta:
        model = ProviderOrganisation
        fields = ["name", "size_band", "address", "postcode", "website", "capability_statement"]
        labels = {
            "name": "Organisation name",
            "size_band": "Size",
            "capability_statement": "What your organisation does",
        }
        help_texts = {
            "postcode": "For example, M1 1AE",
            "capability_statement": "Commissioners read this when they look for providers "
            "(up to 2,000 characters)",
        }
        widgets = {
            "size_band": forms.RadioSelect,
            "address": forms.Textarea(attrs={"rows": 3}),
            "capability_statement": forms.Textarea(attrs={"rows": 6}),
        }
