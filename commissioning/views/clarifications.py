"""The officer's clarification pages: every question on a tender, and answering one."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, FormView

from core.permissions import Action
from core.views import RecordAccessMixin, ServiceFormMixin

from ..choices import TenderStatus
from ..forms_public import ClarificationAnswerForm
from ..models import Clarification
from ..permissions import tender_policy
from ..selectors import tender_clarifications_for_officer
from ..services import clarifications as clarification_services


class TenderClarificationListView(RecordAccessMixin, DetailView):
    template_name = "clarifications/list.html"
    context_object_name = "tender"
    policy = tender_policy
    action = Action.CHANGE
    pk_url_kwarg = "tender_id"

    def get_context_data(self, **kwargs):
        tender = self.object
        return super().get_context_data(
            **kwargs,
            clarifications=tender_clarifications_for_officer(tender),
            can_answer=tender.status == TenderStatus.PUBLISHED,
        )


class ClarificationAnswerView(RecordAccessMixin, ServiceFormMixin, FormView):
    template_name = "clarifications/answer.html"
    form_class = ClarificationAnswerForm
    policy = tender_policy
    action = Action.CHANGE
    pk_url_kwarg = "tender_id"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        clarification = self.get_clarification()
        if clarification.published_at is not None:
            messages.info(request, "That answer is already published.")
            return HttpResponseRedirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_clarification(self) -> Clarification:
        if not hasattr(self, "_clarification"):
            self._clarification = get_object_or_404(
                Clarification, tender=self.get_object(), pk=self.kwargs["pk"]
            )
        return self._clarification

    def get_initial(self):
        return {"answer": self.get_clarification().answer, "publish": True}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, tender=self.get_object(), clarification=self.get_clarification()
        )

    def perform(self, form):
        clarification = clarification_services.clarification_answer(
            clarification=self.get_clarification(), actor=self.request.user, **form.cleaned_data
        )
        self.success_message = (
            "Your answer has been published to every provider"
            if clarification.published_at
            else "Your answer has been saved. It is not published yet."
        )

    def get_success_url(self):
        return reverse("clarifications:list", args=[self.get_object().pk])
