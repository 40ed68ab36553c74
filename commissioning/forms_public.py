"""Forms on the public tender pages and the officer's clarification pages."""

from django import forms

from core.forms import GovukFormMixin


class TenderFilterForm(GovukFormMixin, forms.Form):
    """The sidebar's filters; commissioning.filters.TenderFilter declares its fields."""


class LeanSelect(forms.Select):
    """A select rendered without a template per option, for pages where speed matters."""

    template_name = "tenders/widgets/select.html"

    def __init__(self, attrs=None, choices=()):
        # GovukFormMixin knows widgets by their type's name, and this one's is its own.
        super().__init__({"class": "govuk-select govuk-!-width-full", **(attrs or {})}, choices)


class ClarificationAskForm(GovukFormMixin, forms.Form):
    question = forms.CharField(
        label="Your question",
        help_text="Every provider will see your question and its answer, but not who asked it. "
        "Do not include your organisation's name.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Enter your question",
            "max_length": "Your question must be 4,000 characters or fewer",
        },
    )


class ClarificationAnswerForm(GovukFormMixin, forms.Form):
    answer = forms.CharField(
        label="Your answer",
        help_text="Answer for every provider: the question is published with it, without "
        "saying who asked.",
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Enter your answer",
            "max_length": "Your answer must be 8,000 characters or fewer",
        },
    )
    publish = forms.BooleanField(
        label="Publish this answer to everyone now",
        help_text="Leave this unticked to save the answer and publish it later.",
        required=False,
        initial=True,
    )
