"""Officers' pages for drafting, publishing, cancelling and closing their tenders."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from core.errors import DomainError
from core.permissions import Action
from core.views import RecordAccessMixin, ServiceFormMixin

from ..choices import MINIMUM_TENDER_PERIOD_DAYS, TenderStatus
from ..forms_tendering import (
    CancelForm,
    CriterionForm,
    LotForm,
    PanelMemberForm,
    TenderDocumentForm,
    TenderDraftForm,
)
from ..models import Tender
from ..permissions import tender_policy
from ..selectors_tendering import (
    criteria_weight_total,
    officer_tender_list,
    panel_candidates,
    tender_for_management,
)
from ..services import tenders as tender_services


class OfficerOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_commissioner_user:
            raise PermissionDenied("Only commissioning officers can manage tenders.")
        return super().dispatch(request, *args, **kwargs)


class TenderListView(OfficerOnlyMixin, ListView):
    template_name = "tendering/tender_list.html"
    context_object_name = "tenders"
    paginate_by = 50

    def get_queryset(self):
        return officer_tender_list(user=self.request.user)


class TenderCreateView(OfficerOnlyMixin, ServiceFormMixin, FormView):
    template_name = "tendering/tender_form.html"
    form_class = TenderDraftForm
    success_message = "Draft saved. Add lots, criteria and the panel, then publish."

    def perform(self, form):
        self.tender = tender_services.tender_create_draft(
            actor=self.request.user, **form.cleaned_data
        )

    def get_success_url(self):
        return reverse("tendering:detail", args=[self.tender.pk])


class TenderEditView(RecordAccessMixin, ServiceFormMixin, FormView):
    template_name = "tendering/tender_form.html"
    form_class = TenderDraftForm
    policy = tender_policy
    action = Action.CHANGE
    success_message = "Draft saved"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_object()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, tender=self.get_object())

    def perform(self, form):
        tender_services.tender_update_draft(
            tender=self.get_object(), actor=self.request.user, **form.cleaned_data
        )

    def get_success_url(self):
        return reverse("tendering:detail", args=[self.get_object().pk])


class TenderDetailView(RecordAccessMixin, DetailView):
    """The officer's view of one tender: a check-your-answers summary with what is missing
    before it can be published, and the actions its status allows."""

    template_name = "tendering/tender_detail.html"
    policy = tender_policy
    context_object_name = "tender"

    def get_object(self, queryset=None):
        return super().get_object(tender_for_management(Tender.objects.all()))

    def get_context_data(self, **kwargs):
        tender = self.object
        can_change = tender_policy.can(self.request.user, tender, Action.CHANGE)
        is_draft = tender.status == TenderStatus.DRAFT
        problems = tender_services.publication_problems(tender) if is_draft else {}
        return super().get_context_data(
            **kwargs,
            can_change=can_change,
            can_edit_draft=can_change and is_draft,
            can_cancel=can_change
            and tender.status not in (TenderStatus.CONTRACTED, TenderStatus.CANCELLED),
            can_start_evaluation=can_change and tender.status == TenderStatus.CLOSED,
            # The service refuses once the deadline has passed and says why.
            can_amend=can_change and tender.status == TenderStatus.PUBLISHED,
            can_manage_panel=can_change
            and tender.status in (TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.CLOSED),
            can_add_documents=can_change
            and tender.status in (TenderStatus.DRAFT, TenderStatus.PUBLISHED),
            publication_problems=[p for ps in problems.values() for p in ps],
            show_evaluation_link=tender.status
            in (
                TenderStatus.CLOSED,
                TenderStatus.EVALUATION,
                TenderStatus.AWARDED,
                TenderStatus.CONTRACTED,
            ),
            show_clarifications_link=can_change and tender.status != TenderStatus.DRAFT,
            weight_total=criteria_weight_total(tender),
            minimum_period_days=MINIMUM_TENDER_PERIOD_DAYS[tender.procedure],
        )


class TenderChildFormView(RecordAccessMixin, ServiceFormMixin, FormView):
    """A form that adds something to a draft tender (a lot, criterion, evaluator, document)."""

    policy = tender_policy
    action = Action.CHANGE
    heading = ""
    submit_label = "Add"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            tender=self.get_object(),
            heading=self.heading,
            submit_label=self.submit_label,
        )

    def get_success_url(self):
        return reverse("tendering:detail", args=[self.get_object().pk])


class LotAddView(TenderChildFormView):
    template_name = "tendering/child_form.html"
    form_class = LotForm
    heading = "Add a lot"
    success_message = "Lot added"

    def perform(self, form):
        tender_services.lot_add(
            tender=self.get_object(), actor=self.request.user, **form.cleaned_data
        )


class CriterionAddView(TenderChildFormView):
    template_name = "tendering/child_form.html"
    form_class = CriterionForm
    heading = "Add an evaluation criterion"
    success_message = "Criterion added"

    def perform(self, form):
        tender_services.criterion_add(
            tender=self.get_object(), actor=self.request.user, **form.cleaned_data
        )


class PanelMemberAddView(TenderChildFormView):
    template_name = "tendering/child_form.html"
    form_class = PanelMemberForm
    heading = "Add an evaluator to the panel"
    success_message = "Evaluator added to the panel"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "colleagues": panel_candidates(self.get_object())}

    def perform(self, form):
        tender_services.panel_member_add(
            tender=self.get_object(), actor=self.request.user, member=form.cleaned_data["member"]
        )


class DocumentAddView(TenderChildFormView):
    template_name = "tendering/child_form.html"
    form_class = TenderDocumentForm
    heading = "Add a tender document"
    submit_label = "Upload"
    success_message = "Document added"

    def perform(self, form):
        tender_services.tender_document_add(
            tender=self.get_object(),
            actor=self.request.user,
            title=form.cleaned_data["title"],
            uploaded_file=form.cleaned_data["file"],
        )


class TenderActionView(RecordAccessMixin, View):
    """A POST-only action on a tender; a refusal comes back as a message on the tender page."""

    policy = tender_policy
    action = Action.CHANGE
    success_message = ""

    def post(self, request, *args, **kwargs):
        tender = self.get_object()
        try:
            self.perform(tender)
        except DomainError as error:
            for problem in [error.message] + [p for ps in error.field_errors.values() for p in ps]:
                messages.error(request, problem)
        else:
            if self.success_message:
                messages.success(request, self.success_message)
        return HttpResponseRedirect(self.get_success_url(tender))

    def get_success_url(self, tender):
        return reverse("tendering:detail", args=[tender.pk])


class LotRemoveView(TenderActionView):
    success_message = "Lot removed"

    def perform(self, tender):
        lot = get_object_or_404(tender.lots, pk=self.kwargs["lot_id"])
        tender_services.lot_remove(lot=lot, actor=self.request.user)


class CriterionRemoveView(TenderActionView):
    success_message = "Criterion removed"

    def perform(self, tender):
        criterion = get_object_or_404(tender.criteria, pk=self.kwargs["criterion_id"])
        tender_services.criterion_remove(criterion=criterion, actor=self.request.user)


class TenderPublishView(TenderActionView):
    def perform(self, tender):
        tender_services.tender_publish(tender=tender, actor=self.request.user)
        self.published = True

    def get_success_url(self, tender):
        if getattr(self, "published", False):
            return reverse("tendering:published", args=[tender.pk])
        return super().get_success_url(tender)


class TenderPublishedView(RecordAccessMixin, TemplateView):
    template_name = "tendering/published.html"
    policy = tender_policy

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, tender=self.get_object())


class TenderStartEvaluationView(TenderActionView):
    success_message = "Evaluation has started: the panel can now declare interests and score"

    def perform(self, tender):
        tender_services.tender_start_evaluation(tender=tender, actor=self.request.user)


class TenderCloseView(TenderActionView):
    success_message = "The tender is closed and its bids are open to the panel"

    def perform(self, tender):
        tender_services.tender_close(tender=tender, actor=self.request.user)


class TenderCancelView(TenderChildFormView):
    template_name = "tendering/child_form.html"
    form_class = CancelForm
    heading = "Cancel this tender"
    submit_label = "Cancel the tender"
    success_message = "The tender has been cancelled"

    def perform(self, form):
        tender_services.tender_cancel(
            tender=self.get_object(), actor=self.request.user, reason=form.cleaned_data["reason"]
        )
