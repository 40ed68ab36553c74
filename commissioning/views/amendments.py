"""The officer's pages for amending a published tender: the changes and the reason (a GOV.UK
question page), check your answers (before and after), then a confirmation. The
`tender_amend` service makes the change; the API calls the same service."""

from datetime import datetime
from decimal import Decimal

from django import forms
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, FormView

from core.errors import DomainError
from core.forms import GovukFormMixin
from core.permissions import Action
from core.views import RecordAccessMixin, ServiceFormMixin

from ..choices import TenderStatus
from ..models import TenderAmendment
from ..permissions import tender_policy
from ..services.amendments import (
    AMENDABLE_FIELDS,
    LABELS,
    RATIONALE_MAX,
    amendment_problems,
    describe,
    tender_amend,
)

DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
DATETIME_HELP = "For example, 14/03/2027 12:00"
SESSION_KEY = "tender-amendment-{}"


class TenderAmendmentForm(GovukFormMixin, forms.Form):
    submission_deadline = forms.DateTimeField(
        label="Submission deadline",
        help_text=f"It can only move later. {DATETIME_HELP}",
        input_formats=DATETIME_FORMATS,
        error_messages={
            "required": "Enter the submission deadline",
            "invalid": "Enter the submission deadline as a date and time, like 14/03/2027 12:00",
        },
    )
    clarification_deadline = forms.DateTimeField(
        label="Clarification deadline",
        help_text=DATETIME_HELP,
        input_formats=DATETIME_FORMATS,
        error_messages={
            "required": "Enter the clarification deadline",
            "invalid": "Enter the clarification deadline as a date and time, like 14/03/2027 12:00",
        },
    )
    estimated_value = forms.DecimalField(
        label="Estimated total value, in pounds",
        max_digits=14,
        decimal_places=2,
        min_value=0,
        error_messages={
            "required": "Enter the estimated value",
            "invalid": "Enter the estimated value as a number, like 250000",
        },
    )
    description = forms.CharField(
        label="Description",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Enter the description"},
    )
    rationale = forms.CharField(
        label="Why are you amending the tender?",
        help_text="This is published with the amendment and sent to providers who have shown "
        "interest.",
        max_length=RATIONALE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Give the reason for the amendment",
            "max_length": f"The reason must be {RATIONALE_MAX:,} characters or fewer",
        },
    )

    def __init__(self, *args, tender, **kwargs):
        super().__init__(*args, **kwargs)
        self.tender = tender
        self.changes = {}
        for name in ("clarification_deadline", "submission_deadline"):
            self.fields[name].widget.format = "%d/%m/%Y %H:%M"

    def _changed(self, name, value) -> bool:
        current = getattr(self.tender, name)
        if name.endswith("_deadline") and current is not None and value is not None:
            # The form shows minutes: an untouched deadline comes back without its seconds.
            return value != current.replace(second=0, microsecond=0)
        if name == "description":
            return value.strip() != current
        return value != current

    def clean(self):
        cleaned = super().clean()
        self.changes = {
            name: cleaned[name]
            for name in AMENDABLE_FIELDS
            if name in cleaned and self._changed(name, cleaned[name])
        }
        for field, problems in amendment_problems(self.tender, self.changes).items():
            for problem in problems:
                self.add_error(field if field in self.fields else None, problem)
        if not self.changes and not self.errors:
            self.add_error(None, "Change at least one detail to amend the tender")
        return cleaned


def _to_session(changes: dict) -> dict:
    return {
        name: value.isoformat() if isinstance(value, datetime) else str(value)
        for name, value in changes.items()
    }


def _from_session(stored: dict) -> dict:
    changes = {}
    for name, value in stored.items():
        if name.endswith("_deadline"):
            changes[name] = datetime.fromisoformat(value)
        elif name == "estimated_value":
            changes[name] = Decimal(value)
        else:
            changes[name] = value
    return changes


class AmendableTenderMixin(RecordAccessMixin):
    policy = tender_policy
    action = Action.CHANGE
    pk_url_kwarg = "tender_id"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.get_object().status != TenderStatus.PUBLISHED:
            return HttpResponseRedirect(reverse("tendering:detail", args=[self.get_object().pk]))
        return super().dispatch(request, *args, **kwargs)


class TenderAmendView(AmendableTenderMixin, FormView):
    template_name = "commissioning/amendments/amend.html"
    form_class = TenderAmendmentForm

    def get_initial(self):
        tender = self.get_object()
        initial = {name: getattr(tender, name) for name in AMENDABLE_FIELDS}
        stored = self.request.session.get(SESSION_KEY.format(tender.pk))
        if stored:
            initial.update(_from_session(stored["changes"]), rationale=stored["rationale"])
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, tender=self.get_object())

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "tender": self.get_object()}

    def form_valid(self, form):
        tender = self.get_object()
        self.request.session[SESSION_KEY.format(tender.pk)] = {
            "changes": _to_session(form.changes),
            "rationale": form.cleaned_data["rationale"],
        }
        return HttpResponseRedirect(reverse("amendments:check", args=[tender.pk]))


class CheckForm(forms.Form):
    """Nothing to enter: the officer confirms what they checked."""


class TenderAmendCheckView(AmendableTenderMixin, ServiceFormMixin, FormView):
    template_name = "commissioning/amendments/check.html"
    form_class = CheckForm

    def stored(self):
        return self.request.session.get(SESSION_KEY.format(self.get_object().pk))

    def get(self, request, *args, **kwargs):
        if not self.stored():
            return HttpResponseRedirect(reverse("amendments:amend", args=[self.get_object().pk]))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.stored():
            return HttpResponseRedirect(reverse("amendments:amend", args=[self.get_object().pk]))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        tender = self.get_object()
        stored = self.stored()
        rows = [
            {
                "label": LABELS[name],
                "before": describe(name, getattr(tender, name)),
                "after": describe(name, value),
            }
            for name, value in _from_session(stored["changes"]).items()
        ]
        return super().get_context_data(
            **kwargs, tender=tender, rows=rows, rationale=stored["rationale"]
        )

    def perform(self, form):
        tender = self.get_object()
        stored = self.stored()
        try:
            self.amendment = tender_amend(
                tender=tender,
                actor=self.request.user,
                rationale=stored["rationale"],
                **_from_session(stored["changes"]),
            )
        except DomainError as error:
            # What was checked is no longer possible (the clock moved on): say why, whole.
            problems = [p for ps in (error.field_errors or {}).values() for p in ps]
            raise DomainError(" ".join([error.message, *problems])) from error
        del self.request.session[SESSION_KEY.format(tender.pk)]

    def get_success_url(self):
        return reverse("amendments:confirmation", args=[self.get_object().pk, self.amendment.pk])


class TenderAmendmentConfirmationView(RecordAccessMixin, DetailView):
    template_name = "commissioning/amendments/confirmation.html"
    context_object_name = "tender"
    policy = tender_policy
    action = Action.CHANGE
    pk_url_kwarg = "tender_id"

    def get_context_data(self, **kwargs):
        tender = self.object
        amendment = get_object_or_404(TenderAmendment, tender=tender, pk=self.kwargs["pk"])
        rows = [
            {
                "label": LABELS.get(name, name),
                "before": describe(name, change["before"]),
                "after": describe(name, change["after"]),
            }
            for name, change in amendment.changes.items()
        ]
        return super().get_context_data(**kwargs, amendment=amendment, rows=rows)
