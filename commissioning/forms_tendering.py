"""Forms for officers drafting a tender. They parse and check shapes; the services apply the
platform's rules (deadlines, weights, the state machine)."""

from django import forms

from core.forms import GovukFormMixin

from .choices import CriterionKind, LotReservation, Procedure
from .models import CpvCode, Tender

DATETIME_HELP = "For example, 14/03/2027 12:00"


class ExtensionOptionsField(forms.CharField):
    """Extension options as officers write them: "12, 12" for two one-year options."""

    def to_python(self, value):
        text = (super().to_python(value) or "").replace("+", ",")
        parts = [p.strip() for p in text.split(",") if p.strip()]
        try:
            months = [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(
                "Enter each extension option in months, separated by commas, like 12, 12"
            ) from None
        if any(m < 1 or m > 120 for m in months):
            raise forms.ValidationError("Each extension option must be between 1 and 120 months")
        return months


class TenderDraftForm(GovukFormMixin, forms.ModelForm):
    main_cpv = forms.ModelChoiceField(
        queryset=CpvCode.objects.all(),
        label="Main service category",
        help_text="The CPV code that best describes the service",
        empty_label="Choose a category",
    )
    procedure = forms.ChoiceField(
        choices=Procedure.choices, widget=forms.RadioSelect, label="Procedure"
    )
    extension_option_months = ExtensionOptionsField(
        required=False,
        label="Extension options (months)",
        help_text="Leave empty for none. For a 2+1+1 contract, enter 12, 12",
    )
    clarification_deadline = forms.DateTimeField(
        label="Clarification deadline",
        help_text=f"Providers can ask questions until then. {DATETIME_HELP}",
        input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        required=False,
    )
    submission_deadline = forms.DateTimeField(
        label="Submission deadline",
        help_text=f"Bids close then. {DATETIME_HELP}",
        input_formats=["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        required=False,
    )

    class Meta:
        model = Tender
        fields = [
            "title",
            "description",
            "main_cpv",
            "region",
            "procedure",
            "estimated_value",
            "contract_term_months",
            "extension_option_months",
            "clarification_deadline",
            "submission_deadline",
            "social_value_exemption_reason",
        ]
        labels = {
            "estimated_value": "Estimated total value, in pounds",
            "contract_term_months": "Initial contract term (months)",
            "social_value_exemption_reason": "Why social value carries less than 10% (if it does)",
        }
        help_texts = {
            "description": "What the service is, who it is for, and what success looks like",
            "social_value_exemption_reason": "Leave empty if social value carries at least 10% "
            "of the marks",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "social_value_exemption_reason": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("clarification_deadline", "submission_deadline"):
            self.fields[name].widget.format = "%d/%m/%Y %H:%M"
        if self.instance.pk:
            self.initial["extension_option_months"] = ", ".join(
                str(m) for m in self.instance.extension_option_months
            )

    def clean(self):
        cleaned = super().clean()
        clarification = cleaned.get("clarification_deadline")
        submission = cleaned.get("submission_deadline")
        if clarification and submission and clarification >= submission:
            self.add_error(
                "clarification_deadline",
                "Clarifications must close before the submission deadline",
            )
        return cleaned

    def _post_clean(self):
        # The service validates the model; the form must not write to the instance it edits.
        pass


class LotForm(GovukFormMixin, forms.Form):
    title = forms.CharField(max_length=200, label="Lot title")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Description"
    )
    estimated_value = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, label="Estimated value, in pounds"
    )
    reservation = forms.ChoiceField(
        choices=LotReservation.choices,
        widget=forms.RadioSelect,
        required=False,
        label="Who may bid",
        initial=LotReservation.NONE,
    )


class CriterionForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=CriterionKind.choices, widget=forms.RadioSelect, label="Kind of criterion"
    )
    title = forms.CharField(
        max_length=200, label="Title", help_text="For example, Safeguarding and quality of care"
    )
    guidance = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Guidance for bidders",
        help_text="What a strong answer shows",
    )
    weight = forms.IntegerField(min_value=1, max_value=100, label="Weight (%)")


class PanelMemberForm(GovukFormMixin, forms.Form):
    member = forms.ModelChoiceField(
        queryset=None, label="Evaluator", empty_label="Choose a colleague"
    )

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = colleagues


class TenderDocumentForm(GovukFormMixin, forms.Form):
    title = forms.CharField(
        max_length=200,
        required=False,
        label="Document title",
        help_text="Leave empty to use the file name",
    )
    file = forms.FileField(
        label="Upload a file", help_text="PDF, Word, Excel, OpenDocument, CSV or text, up to 10 MB"
    )


class CancelForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Why are you cancelling this tender?",
        help_text="Providers and the public see this reason",
        required=False,
    )
