"""Officers' pages for handling complaints, and providers' read-only view of forwarded ones."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from accounts.choices import COMMISSIONER_ROLES
from accounts.models import User
from core.errors import DomainError
from core.permissions import Action, is_platform_staff
from core.views import RecordAccessMixin, ServiceFormMixin

from ..choices import ComplaintStatus
from ..forms_handling import (
    AssignForm,
    NoteForm,
    OmbudsmanOutcomeForm,
    OmbudsmanReferralForm,
    QueueFilterForm,
    ResponseForm,
)
from ..models import Complaint
from ..permissions import complaint_policy, sees_personal_data
from ..selectors_handling import (
    complaint_for_handling,
    complaint_queue,
    contracts_with_complaints_for,
    forwarded_complaints,
)
from ..services import handling as services


class OfficerOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_commissioner_user:
            raise PermissionDenied("Only commissioning officers handle complaints.")
        return super().dispatch(request, *args, **kwargs)


class ProviderOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_provider_user:
            raise PermissionDenied("Only providers' users see the complaints forwarded to them.")
        return super().dispatch(request, *args, **kwargs)


class ComplaintQueueView(OfficerOnlyMixin, ListView):
    template_name = "handling/queue.html"
    context_object_name = "complaints"
    paginate_by = 25

    def get_queryset(self):
        self.today = services.db_today()
        self.filter_form = QueueFilterForm(
            self.request.GET or None, contracts=contracts_with_complaints_for(self.request.user)
        )
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return complaint_queue(user=self.request.user, today=self.today, filters=filters)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, filter_form=self.filter_form, today=self.today, form=None
        )


class ForwardedComplaintListView(ProviderOnlyMixin, ListView):
    template_name = "handling/forwarded_list.html"
    context_object_name = "complaints"
    paginate_by = 25

    def get_queryset(self):
        return forwarded_complaints(user=self.request.user, today=services.db_today())


class ComplaintPageMixin(RecordAccessMixin):
    policy = complaint_policy

    def get_object(self, queryset=None):
        if not hasattr(self, "_today"):
            self._today = services.db_today()
        return super().get_object(
            complaint_for_handling(self.restricted_queryset(), today=self._today)
        )

    def restricted_queryset(self):
        return Complaint.objects.all()


class ComplaintDetailView(ComplaintPageMixin, DetailView):
    """The officer's page for one complaint: who complained (to those who may know), what
    happened so far, notes, responses, and the actions its status allows."""

    template_name = "handling/detail.html"
    context_object_name = "complaint"

    def restricted_queryset(self):
        # Providers read forwarded complaints on their own page, without officers' notes.
        if self.request.user.is_authenticated and self.request.user.is_provider_user:
            return Complaint.objects.none()
        return Complaint.objects.all()

    def get_context_data(self, **kwargs):
        complaint = self.object
        user = self.request.user
        can_handle = complaint_policy.can(user, complaint, Action.CHANGE)
        status = complaint.status
        return super().get_context_data(
            **kwargs,
            can_handle=can_handle,
            shows_personal_data=sees_personal_data(user, complaint),
            shows_notes=can_handle or is_platform_staff(user),
            can_acknowledge=can_handle and status == ComplaintStatus.RECEIVED,
            can_start_investigation=can_handle and status == ComplaintStatus.ACKNOWLEDGED,
            can_respond=can_handle and status == ComplaintStatus.INVESTIGATING,
            can_close=can_handle and status == ComplaintStatus.RESPONDED,
            can_forward=can_handle
            and complaint.forwarded_to_provider_at is None
            and status != ComplaintStatus.CLOSED,
            can_refer=can_handle and services.can_refer_to_ombudsman(complaint, self._today),
            can_record_ombudsman_outcome=can_handle
            and bool(complaint.ombudsman)
            and not complaint.ombudsman_outcome,
            note_form=NoteForm(),
        )


class ForwardedComplaintDetailView(ComplaintPageMixin, DetailView):
    template_name = "handling/forwarded_detail.html"
    context_object_name = "complaint"

    def restricted_queryset(self):
        user = self.request.user
        if not (user.is_authenticated and user.is_provider_user):
            return Complaint.objects.none()
        return Complaint.objects.filter(forwarded_to_provider_at__isnull=False)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, shows_personal_data=sees_personal_data(self.request.user, self.object)
        )


class ComplaintActionView(ComplaintPageMixin, View):
    """A POST-only step on a complaint; a refusal comes back as a message on its page."""

    action = Action.CHANGE
    success_message = ""

    def post(self, request, *args, **kwargs):
        complaint = self.get_object()
        try:
            self.perform(complaint)
        except DomainError as error:
            for problem in [error.message] + [p for ps in error.field_errors.values() for p in ps]:
                messages.error(request, problem)
        else:
            messages.success(request, self.success_message)
        return HttpResponseRedirect(reverse("handling:detail", args=[complaint.pk]))


class AcknowledgeView(ComplaintActionView):
    success_message = "Complaint acknowledged"

    def perform(self, complaint):
        services.complaint_acknowledge(complaint=complaint, actor=self.request.user)


class StartInvestigationView(ComplaintActionView):
    success_message = "Investigation started"

    def perform(self, complaint):
        services.complaint_start_investigation(complaint=complaint, actor=self.request.user)


class CloseView(ComplaintActionView):
    success_message = "Complaint closed"

    def perform(self, complaint):
        services.complaint_close(complaint=complaint, actor=self.request.user)


class ForwardView(ComplaintActionView):
    success_message = "Complaint forwarded to the provider"

    def perform(self, complaint):
        services.complaint_forward_to_provider(complaint=complaint, actor=self.request.user)


class ComplaintFormView(ComplaintPageMixin, ServiceFormMixin, FormView):
    """A question page for one step on a complaint (respond, assign, note, ombudsman)."""

    template_name = "handling/child_form.html"
    action = Action.CHANGE
    heading = ""
    submit_label = "Save"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            complaint=self.get_object(),
            heading=self.heading,
            submit_label=self.submit_label,
        )

    def get_success_url(self):
        return reverse("handling:detail", args=[self.get_object().pk])


class RespondView(ComplaintFormView):
    form_class = ResponseForm
    heading = "Respond to the complaint"
    submit_label = "Send the response"
    success_message = "Response sent"

    def perform(self, form):
        services.complaint_respond(
            complaint=self.get_object(), actor=self.request.user, **form.cleaned_data
        )


class AssignView(ComplaintFormView):
    form_class = AssignForm
    heading = "Assign the complaint"
    submit_label = "Assign"
    success_message = "Complaint assigned"

    def get_form_kwargs(self):
        colleagues = User.objects.filter(
            commissioner_id=self.get_object().commissioner_id,
            role__in=COMMISSIONER_ROLES,
            is_active=True,
        ).order_by("full_name")
        return {**super().get_form_kwargs(), "colleagues": colleagues}

    def perform(self, form):
        services.complaint_assign(
            complaint=self.get_object(),
            actor=self.request.user,
            assignee=form.cleaned_data["assignee"],
        )


class AddNoteView(ComplaintFormView):
    form_class = NoteForm
    heading = "Add an internal note"
    submit_label = "Add the note"
    success_message = "Note added"

    def perform(self, form):
        services.complaint_add_note(
            complaint=self.get_object(), actor=self.request.user, text=form.cleaned_data["text"]
        )


class ReferToOmbudsmanView(ComplaintFormView):
    form_class = OmbudsmanReferralForm
    heading = "Record a referral to the ombudsman"
    submit_label = "Record the referral"
    success_message = "Referral to the ombudsman recorded"

    def perform(self, form):
        services.complaint_refer_to_ombudsman(
            complaint=self.get_object(), actor=self.request.user, **form.cleaned_data
        )


class OmbudsmanOutcomeView(ComplaintFormView):
    form_class = OmbudsmanOutcomeForm
    heading = "Record the ombudsman's decision"
    submit_label = "Record the decision"
    success_message = "The ombudsman's decision is recorded"

    def perform(self, form):
        services.complaint_record_ombudsman_outcome(
            complaint=self.get_object(), actor=self.request.user, **form.cleaned_data
        )
