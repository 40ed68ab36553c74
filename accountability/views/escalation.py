"""Escalation pages: the officers' ladder per contract, their pending proposals, and the
providers' steps with the improvement plans they owe."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView

from commissioning.models import Contract
from core.permissions import Action
from core.views import RecordAccessMixin, ServiceFormMixin

from ..choices import EscalationLevel, ProposalStatus
from ..forms_escalation import (
    ImprovementPlanForm,
    ProposalConfirmForm,
    ProposalOverrideForm,
    StepRecordForm,
    ThresholdsForm,
)
from ..models import EscalationProposal, EscalationStep
from ..permissions import (
    contract_escalation_policy,
    escalation_proposal_policy,
    escalation_step_policy,
)
from ..selectors_escalation import (
    contract_escalation,
    pending_proposals_for,
    provider_escalation_steps,
)
from ..services import escalation as escalation_services


class ContractEscalationView(RecordAccessMixin, DetailView):
    """The contract's place on the ladder, what the triggers propose, and what was decided."""

    template_name = "escalation/contract.html"
    policy = contract_escalation_policy
    pk_url_kwarg = "contract_id"
    context_object_name = "contract"

    def get_object(self, queryset=None):
        return super().get_object(Contract.objects.select_related("commissioner", "provider"))

    def get_context_data(self, **kwargs):
        contract = self.object
        return super().get_context_data(
            **kwargs,
            **contract_escalation(contract),
            thresholds=escalation_services.escalation_policy_for(contract),
            level_label=EscalationLevel(contract.escalation_level).label,
            can_decide=contract_escalation_policy.can(self.request.user, contract, Action.CHANGE),
        )


class ContractFormView(RecordAccessMixin, ServiceFormMixin, FormView):
    """A decision form on one contract, returning to its escalation page."""

    template_name = "escalation/form.html"
    policy = contract_escalation_policy
    action = Action.CHANGE
    pk_url_kwarg = "contract_id"
    heading = ""
    submit_label = "Continue"

    def contract(self):
        return self.get_object()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            contract=self.contract(),
            heading=self.heading,
            submit_label=self.submit_label,
        )

    def get_success_url(self):
        return reverse("escalation:contract", args=[self.contract().pk])


class ThresholdsView(ContractFormView):
    form_class = ThresholdsForm
    heading = "Change the escalation thresholds"
    submit_label = "Save thresholds"
    success_message = "Escalation thresholds saved"

    def get_initial(self):
        thresholds = escalation_services.escalation_policy_for(self.get_object())
        return {name: getattr(thresholds, name) for name in escalation_services.THRESHOLD_FIELDS}

    def perform(self, form):
        escalation_services.escalation_policy_update(
            contract=self.get_object(), actor=self.request.user, **form.cleaned_data
        )


class StepRecordView(ContractFormView):
    form_class = StepRecordForm
    heading = "Record an escalation decision"
    submit_label = "Record decision"
    success_message = "Decision recorded. The provider has been told by email."

    def perform(self, form):
        escalation_services.escalation_step_record(
            contract=self.get_object(),
            actor=self.request.user,
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
            plan_due_on=form.cleaned_data["plan_due_on"],
            continuity=form.cleaned_data["continuity"],
        )


class ProposalFormView(ContractFormView):
    policy = escalation_proposal_policy
    pk_url_kwarg = "proposal_id"

    def get_object(self, queryset=None):
        return super().get_object(
            EscalationProposal.objects.filter(
                contract_id=self.kwargs["contract_id"], status=ProposalStatus.PENDING
            ).select_related("contract")
        )

    def contract(self):
        return self.get_object().contract

    def get_context_data(self, **kwargs):
        proposal = self.get_object()
        return super().get_context_data(
            **kwargs,
            proposal=proposal,
            proposed_label=EscalationLevel(proposal.proposed_level).label,
        )


class ProposalConfirmView(ProposalFormView):
    form_class = ProposalConfirmForm
    submit_label = "Confirm escalation"
    success_message = "Escalation confirmed. The provider has been told by email."

    @property
    def heading(self):
        return f"Confirm escalation to {EscalationLevel(self.get_object().proposed_level).label}"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "level": self.get_object().proposed_level}

    def perform(self, form):
        escalation_services.proposal_confirm(
            proposal=self.get_object(),
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
            plan_due_on=form.cleaned_data.get("plan_due_on"),
            continuity=form.cleaned_data.get("continuity", ""),
        )


class ProposalOverrideView(ProposalFormView):
    form_class = ProposalOverrideForm
    heading = "Do not escalate"
    submit_label = "Record decision not to escalate"
    success_message = "Proposal overridden. The contract stays at its level."

    def perform(self, form):
        escalation_services.proposal_override(
            proposal=self.get_object(),
            actor=self.request.user,
            reason=form.cleaned_data["reason"],
        )


class PendingProposalListView(LoginRequiredMixin, ListView):
    """The commissioner's proposals awaiting an officer, oldest first."""

    template_name = "escalation/pending_list.html"
    context_object_name = "proposals"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_commissioner_user:
            raise PermissionDenied("Only commissioning officers decide escalation.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return pending_proposals_for(commissioner_id=self.request.user.commissioner_id)


class ProviderEscalationListView(LoginRequiredMixin, ListView):
    """The provider's contracts' escalation steps, with the improvement plans they owe."""

    template_name = "escalation/provider_list.html"
    context_object_name = "steps"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_provider_user:
            raise PermissionDenied("Only providers' users see their escalations here.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return provider_escalation_steps(provider_id=self.request.user.provider_id)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, today=escalation_services.db_today(), plan_level=2
        )


class ImprovementPlanSubmitView(RecordAccessMixin, ServiceFormMixin, FormView):
    template_name = "escalation/plan_form.html"
    form_class = ImprovementPlanForm
    policy = escalation_step_policy
    action = Action.CHANGE
    pk_url_kwarg = "step_id"
    success_message = "Improvement plan sent to the commissioner"

    def get_object(self, queryset=None):
        return super().get_object(
            EscalationStep.objects.select_related("contract__commissioner", "improvement_plan")
        )

    def get_context_data(self, **kwargs):
        step = self.get_object()
        return super().get_context_data(
            **kwargs,
            step=step,
            is_overdue=step.plan_due_on is not None
            and escalation_services.db_today() > step.plan_due_on,
        )

    def perform(self, form):
        escalation_services.improvement_plan_submit(
            step=self.get_object(), actor=self.request.user, text=form.cleaned_data["text"]
        )

    def get_success_url(self):
        return reverse("escalation:provider_list")
