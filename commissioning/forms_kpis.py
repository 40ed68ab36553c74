from django import forms

from core.forms import GovukFormMixin


class KpiReturnForm(GovukFormMixin, forms.Form):
    # A text input, not a number one: the service explains a figure it cannot read, and keeps
    # what was typed.
    value = forms.CharField(
        label="Your figure for the period",
        max_length=30,
        error_messages={"required": "Enter your figure for the period"},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
    )


class ReviewSignOffForm(GovukFormMixin, forms.Form):
    social_value_delivered = forms.CharField(
        label="Social value delivered in the period",
        help_text="What the provider delivered against its social value commitments.",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    comments = forms.CharField(
        label="Your conclusions from the review",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
