"""The renewal decision form. It parses the choice; renewal_decide applies the rules (a reason
when departing from the recommendation, an extension option left to use)."""

from django import forms

from core.forms import GovukFormMixin

from .models import RenewalRecommendation


class RenewalDecisionForm(GovukFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="What happens at the end of the contract?",
        choices=RenewalRecommendation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happens at the end of the contract"},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required if you do not follow the recommendation.",
    )
