"""Forms for the panel's declarations, scores and moderation, award decisions and contracts.

They check what was typed; the services check the rules. Every error is a sentence that says
what to do, for the GOV.UK error summary."""

from django import forms

from core.forms import WIDGET_CLASSES, GovukFormMixin

from .choices import QUALITY_SCALE, ReportingFrequency

SCALE_CHOICES = [(str(score), f"{score} – {meaning}") for score, meaning in QUALITY_SCALE.items()]
DATE_FORMATS = ["%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%Y-%m-%d"]
DATE_HINT = "For example, 1/4/2026"
NOT_AWARDED = "none"
KPI_ROWS = 3
KPI_PARTS = ("name", "target", "unit", "direction", "frequency")


def _style_added_fields(form) -> None:
    """GovukFormMixin styles the fields a form has when it is built; these forms add fields
    per criterion or KPI row afterwards, so those get their GOV.UK classes here."""
    for name, field in form.fields.items():
        css = WIDGET_CLASSES.get(form[name].widget_type)
        classes = field.widget.attrs.get("class", "").split()
        if css and css not in classes:
            field.widget.attrs["class"] = " ".join([css, *classes])


def _score_field(label: str, required_message: str, **kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=SCALE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": required_message},
        **kwargs,
    )


def _text_field(label: str, required_message: str, *, rows: int = 4, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        widget=forms.Textarea(attrs={"rows": rows}),
        max_length=8000,
        error_messages={"required": required_message},
        **kwargs,
    )


class DeclarationForm(GovukFormMixin, forms.Form):
    has_conflict = forms.TypedChoiceField(
        label="Do you have a conflict of interest with any of these bidders?",
        choices=[("no", "No"), ("yes", "Yes")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text="For example, you work or used to work for one, or a close friend or family "
        "member does, or you have money in one",
        error_messages={"required": "Select yes if you have a conflict of interest"},
    )
    details = forms.CharField(
        label="If yes, describe the conflict",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("has_conflict") and not cleaned.get("details", "").strip():
            self.add_error("details", "Describe your conflict of interest")
        return cleaned


class BidScoresForm(GovukFormMixin, forms.Form):
    """One score and justification per quality and social value criterion of the bid."""

    def __init__(self, *args, criteria, **kwargs):
        self.criteria = list(criteria)
        super().__init__(*args, **kwargs)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = _score_field(
                f"Score for {criterion.title}",
                f"Choose a score for {criterion.title.lower()}",
                help_text=f"Weight {criterion.weight}%",
            )
            self.fields[f"justification_{criterion.pk}"] = _text_field(
                f"Why this score for {criterion.title}?",
                f"Explain your score for {criterion.title.lower()}",
            )
        _style_added_fields(self)

    def scores(self) -> list[tuple]:
        """(criterion, score, justification) for each criterion, after validation."""
        return [
            (
                criterion,
                self.cleaned_data[f"score_{criterion.pk}"],
                self.cleaned_data[f"justification_{criterion.pk}"],
            )
            for criterion in self.criteria
        ]

    def groups(self):
        return [
            (criterion, self[f"score_{criterion.pk}"], self[f"justification_{criterion.pk}"])
            for criterion in self.criteria
        ]


class ModerationForm(GovukFormMixin, forms.Form):
    score = _score_field("The panel's agreed score", "Choose the score the panel agreed")
    rationale = _text_field(
        "Why the panel agreed this score",
        "Explain how the panel agreed this score",
        help_text="The bidder sees this in its feedback",
    )


class AwardForm(GovukFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label="Who should this lot be awarded to?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who to award this lot to, or not to award it"},
    )
    reason = _text_field(
        "Reason for the decision",
        "",
        required=False,
        help_text="Required if you choose a bid other than the top-ranked one, or not to award "
        "the lot. Bidders may see it.",
    )

    def __init__(self, *args, ranking, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            (
                str(row.bid.public_id),
                f"{row.rank_label}: {row.bid.provider.name}, {row.total} points",
            )
            for row in ranking.rows
        ] + [(NOT_AWARDED, "Do not award this lot")]
        if ranking.top and not self.is_bound:
            self.initial.setdefault("decision", str(ranking.top.bid.public_id))
        self.ranking = ranking

    def chosen_row(self):
        """The ranked bid chosen, or None for "do not award"."""
        decision = self.cleaned_data["decision"]
        if decision == NOT_AWARDED:
            return None
        return next(row for row in self.ranking.rows if str(row.bid.public_id) == decision)


class ContractForm(GovukFormMixin, forms.Form):
    start_date = forms.DateField(
        label="Start date",
        input_formats=DATE_FORMATS,
        help_text=DATE_HINT,
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"class": "govuk-input--width-10"}),
        error_messages={
            "required": "Enter the date the contract starts",
            "invalid": "Enter the start date as a real date, for example 1/4/2026",
        },
    )
    end_date = forms.DateField(
        label="End date",
        input_formats=DATE_FORMATS,
        help_text=f"The last day of the initial term, before any extension. {DATE_HINT}",
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"class": "govuk-input--width-10"}),
        error_messages={
            "required": "Enter the date the contract ends",
            "invalid": "Enter the end date as a real date, for example 31/3/2028",
        },
    )
    notice_period_days = forms.IntegerField(
        label="Notice period, in days",
        min_value=0,
        max_value=3650,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "class": "govuk-input--width-4", "spellcheck": "false"}
        ),
        error_messages={
            "required": "Enter the notice period in days",
            "invalid": "Enter the notice period as a whole number of days, like 90",
            "min_value": "The notice period cannot be negative",
            "max_value": "The notice period must be 3650 days or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number in range(1, KPI_ROWS + 1):
            self.fields[f"kpi_{number}_name"] = forms.CharField(
                label="Name", required=False, max_length=200
            )
            self.fields[f"kpi_{number}_target"] = forms.DecimalField(
                label="Target",
                required=False,
                max_digits=12,
                decimal_places=2,
                widget=forms.TextInput(
                    attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}
                ),
                error_messages={
                    "invalid": f"Enter the target of KPI {number} as a number, like 95",
                    "max_digits": f"The target of KPI {number} must be less than 10,000,000,000",
                    "max_decimal_places": f"The target of KPI {number} can have at most 2 "
                    "decimal places",
                },
            )
            self.fields[f"kpi_{number}_unit"] = forms.CharField(
                label="Unit",
                required=False,
                max_length=50,
                help_text="For example, %, days or people",
                widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
            )
            self.fields[f"kpi_{number}_direction"] = forms.ChoiceField(
                label="Is a higher figure better?",
                choices=[("higher", "Yes, higher is better"), ("lower", "No, lower is better")],
                widget=forms.RadioSelect,
                initial="higher",
                required=False,
            )
            self.fields[f"kpi_{number}_frequency"] = forms.ChoiceField(
                label="Reported",
                choices=ReportingFrequency.choices,
                initial=ReportingFrequency.QUARTERLY,
                required=False,
            )
        _style_added_fields(self)

    def main_fields(self):
        return [self["start_date"], self["end_date"], self["notice_period_days"]]

    def kpi_rows(self):
        return [
            (number, [self[f"kpi_{number}_{part}"] for part in KPI_PARTS])
            for number in range(1, KPI_ROWS + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", "The end date must be after the start date")
        for number in range(1, KPI_ROWS + 1):
            if not self._kpi_started(number):
                continue
            if not (cleaned.get(f"kpi_{number}_name") or "").strip():
                self.add_error(f"kpi_{number}_name", f"Enter the name of KPI {number}")
            if cleaned.get(f"kpi_{number}_target") is None and not self.has_error(
                f"kpi_{number}_target"
            ):
                self.add_error(f"kpi_{number}_target", f"Enter the target of KPI {number}")
            if not (cleaned.get(f"kpi_{number}_unit") or "").strip():
                self.add_error(f"kpi_{number}_unit", f"Enter the unit of KPI {number}")
        return cleaned

    def _kpi_started(self, number: int) -> bool:
        return any(
            (self.data.get(self.add_prefix(f"kpi_{number}_{part}")) or "").strip()
            for part in ("name", "target", "unit")
        )

    def kpis(self) -> list[dict]:
        return [
            {
                "name": self.cleaned_data[f"kpi_{number}_name"].strip(),
                "target": self.cleaned_data[f"kpi_{number}_target"],
                "unit": self.cleaned_data[f"kpi_{number}_unit"].strip(),
                "higher_is_better": self.cleaned_data[f"kpi_{number}_direction"] != "lower",
                "reporting_frequency": self.cleaned_data[f"kpi_{number}_frequency"]
                or ReportingFrequency.QUARTERLY,
            }
            for number in range(1, KPI_ROWS + 1)
            if self._kpi_started(number)
        ]
