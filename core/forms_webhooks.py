"""The webhook pages' forms. core.webhooks checks everything again (including the address
the URL resolves to); these give the pages their fields and first messages."""

from django import forms

from .forms import GovukFormMixin
from .models import WebhookEvent
from .webhooks import UnsafeWebhookUrl, check_url


class WebhookEndpointForm(GovukFormMixin, forms.Form):
    url = forms.CharField(
        label="Where should we send events?",
        help_text="An https:// address on the public internet, for example "
        "https://example.org/civicmarkets/webhooks",
        max_length=2000,
        error_messages={
            "required": "Enter the URL to send events to",
            "max_length": "The URL must be 2,000 characters or fewer",
        },
    )
    events = forms.MultipleChoiceField(
        label="Which events should we send?",
        help_text="Select all that apply.",
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event"},
    )
    description = forms.CharField(
        label="What is it for? (optional)",
        help_text="For example, “Bid tool” or “Finance system”",
        max_length=100,
        required=False,
        error_messages={"max_length": "Description must be 100 characters or fewer"},
    )

    def clean_url(self):
        """Says at once, beside the other fields' errors, if the URL cannot be used."""
        url = self.cleaned_data["url"].strip()
        try:
            check_url(url)
        except UnsafeWebhookUrl as refused:
            raise forms.ValidationError(refused.message) from None
        return url


class WebhookConfirmForm(GovukFormMixin, forms.Form):
    """The "are you sure?" steps (delete); nothing to fill in."""
