"""Forms for officers handling complaints. They parse shapes; the services apply the rules."""

from django import forms

from accounts.models import User
from core.forms import GovukFormMixin

from .choices import (
    ComplaintCategory,
    ComplaintOutcome,
    ComplaintStatus,
    Ombudsman,
    OmbudsmanOutcome,
)

DATE_HELP = "For example, 27/3/2027"
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class QueueFilterForm(GovukFormMixin, forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *ComplaintStatus.choices], required=False, label="Status"
    )
    stage = forms.TypedChoiceField(
        choices=[("", "Any stage"), ("1", "Stage 1"), ("2", "Stage 2")],
        coerce=int,
        empty_value=None,
        required=False,
        label="Stage",
    )
    category = forms.ChoiceField(
        choices=[("", "Any category"), *ComplaintCategory.choices], required=False, label="Category"
    )
    assigned = forms.ChoiceField(
        choices=[("", "Anyone or no one"), ("me", "Assigned to me"), ("unassigned", "Unassigned")],
        required=False,
        label="Assigned to",
    )
    contract = forms.ModelChoiceField(
        queryset=None, required=False, label="Contract", empty_label="Any contract"
    )
    overdue = forms.BooleanField(required=False, label="Only overdue complaints")

    def __init__(self, *args, contracts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts


class ResponseForm(GovukFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        choices=ComplaintOutcome.choices,
        widget=forms.RadioSelect,
        label="Outcome",
        error_messages={
            "required": "Select whether the complaint is upheld, partly upheld or not upheld"
        },
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
        label="Response to the complainant",
        help_text="What you found and why. The complainant reads this on their tracking page.",
        error_messages={"required": "Enter the response to send to the complainant"},
    )
    remedy = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="What will be done to put things right",
        help_text="Needed when the complaint is upheld or partly upheld",
    )


class NoteForm(GovukFormMixin, forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        label="Add an internal note",
        help_text="Only your organisation sees notes: never the complainant or the provider",
        error_messages={"required": "Enter the note"},
    )


class AssignForm(GovukFormMixin, forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Who should handle this complaint?",
        empty_label="Choose a colleague",
        error_messages={"required": "Choose an officer of your own organisation"},
    )

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = colleagues


class OmbudsmanReferralForm(GovukFormMixin, forms.Form):
    ombudsman = forms.ChoiceField(
        choices=Ombudsman.choices,
        widget=forms.RadioSelect,
        label="Which ombudsman?",
        error_messages={"required": "Select the ombudsman"},
    )
    referred_on = forms.DateField(
        input_formats=DATE_FORMATS,
        label="Date of the referral",
        help_text=DATE_HELP,
        error_messages={
            "required": "Enter the date of the referral",
            "invalid": "Enter the date of the referral as a real date, like 27/3/2027",
        },
    )


class OmbudsmanOutcomeForm(GovukFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        choices=[c for c in OmbudsmanOutcome.choices if c[0]],
        widget=forms.RadioSelect,
        label="The ombudsman's decision",
        error_messages={"required": "Select the ombudsman's decision"},
    )
    decided_on = forms.DateField(
        input_formats=DATE_FORMATS,
        label="Date of the decision",
        help_text=DATE_HELP,
        error_messages={
            "required": "Enter the date of the decision",
            "invalid": "Enter the date of the decision as a real date, like 27/3/2027",
        },
    )
