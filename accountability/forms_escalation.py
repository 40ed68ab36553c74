"""Forms for escalation decisions, thresholds and improvement plans. They parse shapes; the
services in accountability.services.escalation apply the rules (reasons, dates, options)."""

from django import forms

from core.forms import GovukFormMixin

from .choices import ContinuityOption, EscalationLevel

DATE_FORMATS = ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %m %Y"]
DATE_HINT = "For example, 27/3/2027"
CONTINUITY_CHOICES = [(value, label) for value, label in ContinuityOption.choices if value]
PUBLIC_REASON_HINT = "This is published on the contract's public page. Leave out personal details."


def plan_due_field():
    return forms.DateField(
        label="Improvement plan due by",
        required=False,
        input_formats=DATE_FORMATS,
        help_text=f"The provider must send its improvement plan by this date. {DATE_HINT}",
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"class": "govuk-input--width-10"}),
        error_messages={"invalid": "Enter the due date as a real date, for example 27/3/2027"},
    )


def continuity_field():
    return forms.ChoiceField(
        label="How will the service continue?",
        required=False,
        choices=CONTINUITY_CHOICES,
        widget=forms.RadioSelect,
    )


class ProposalConfirmForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Leave empty to publish the trigger's reason. {PUBLIC_REASON_HINT}",
    )
    plan_due_on = plan_due_field()
    continuity = continuity_field()

    def __init__(self, *args, level: int, **kwargs):
        super().__init__(*args, **kwargs)
        if level != EscalationLevel.PERFORMANCE_NOTICE:
            del self.fields["plan_due_on"]
        if level != EscalationLevel.TERMINATION:
            del self.fields["continuity"]
        else:
            self.fields["reason"].label = "Reason for terminating the contract"
            self.fields["reason"].help_text = PUBLIC_REASON_HINT


class ProposalOverrideForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why are you not escalating the contract?",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept in the contract's record for your organisation; not published.",
    )


class StepRecordForm(GovukFormMixin, forms.Form):
    level = forms.TypedChoiceField(
        label="New level",
        choices=EscalationLevel.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a level"},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=PUBLIC_REASON_HINT,
    )
    plan_due_on = plan_due_field()
    continuity = continuity_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "plan_due_on"
        ].help_text = f"Only for a performance notice. {self.fields['plan_due_on'].help_text}"
        self.fields["continuity"].label = "How will the service continue? (termination only)"


class ThresholdsForm(GovukFormMixin, forms.Form):
    upheld_complaints_threshold = forms.IntegerField(
        label="Upheld complaints that propose escalation",
        min_value=1,
        max_value=100,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter a number of upheld complaints",
            "invalid": "Enter the number of upheld complaints as a whole number, like 3",
            "min_value": "Enter a number of upheld complaints from 1 to 100",
            "max_value": "Enter a number of upheld complaints from 1 to 100",
        },
    )
    upheld_complaints_window_days = forms.IntegerField(
        label="Within how many days",
        min_value=1,
        max_value=730,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        error_messages={
            "required": "Enter the window in days",
            "invalid": "Enter the window as a whole number of days, like 90",
            "min_value": "Enter a window from 1 to 730 days",
            "max_value": "Enter a window from 1 to 730 days",
        },
    )
    escalate_on_upheld_safeguarding = forms.BooleanField(
        label="Propose escalation on any upheld safeguarding complaint", required=False
    )
    kpi_consecutive_misses = forms.IntegerField(
        label="Consecutive missed KPI periods that propose escalation",
        min_value=1,
        max_value=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
        error_messages={
            "required": "Enter a number of consecutive periods",
            "invalid": "Enter the number of periods as a whole number, like 2",
            "min_value": "Enter a number of consecutive periods from 1 to 12",
            "max_value": "Enter a number of consecutive periods from 1 to 12",
        },
    )


class ImprovementPlanForm(GovukFormMixin, forms.Form):
    text = forms.CharField(
        label="Your improvement plan",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="What you will change, by when, and how the commissioner can check it.",
    )
