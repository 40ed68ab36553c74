"""Renewal decisions: the officers' list of open decisions and the page to decide one."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, ListView

from core.dbclock import db_now
from core.permissions import Action
from core.views import RecordAccessMixin, ServiceFormMixin

from ..forms_renewals import RenewalDecisionForm
from ..models import RenewalDecision
from ..permissions import renewal_policy
from ..selectors_renewals import open_renewals_for, renewal_page
from ..services import renewals as renewal_services


def _today():
    return timezone.localtime(db_now()).date()


class RenewalListView(LoginRequiredMixin, ListView):
    """The commissioner's open renewal decisions by due date, overdue ones flagged."""

    template_name = "renewals/list.html"
    context_object_name = "renewals"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_commissioner_user:
            raise PermissionDenied("Only commissioning officers decide contract renewals.")
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return open_renewals_for(commissioner_id=self.request.user.commissioner_id)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, today=_today())


class RenewalDecisionView(RecordAccessMixin, ServiceFormMixin, FormView):
    """The recommendation and its reasons, the contract's performance and extensions, and
    the decision form while the decision is open."""

    template_name = "renewals/detail.html"
    form_class = RenewalDecisionForm
    policy = renewal_policy
    success_message = "Renewal decision recorded"

    def get_object(self, queryset=None):
        return super().get_object(
            RenewalDecision.objects.select_related(
                "contract", "contract__provider", "contract__commissioner", "decided_by"
            )
        )

    def can_decide(self) -> bool:
        renewal = self.get_object()
        return renewal.status == RenewalDecision.Status.OPEN and renewal_policy.can(
            self.request.user, renewal, Action.CHANGE
        )

    def post(self, request, *args, **kwargs):
        renewal = self.get_object()
        if not renewal_policy.can(request.user, renewal, Action.CHANGE):
            raise PermissionDenied(renewal_policy.refusals[Action.CHANGE])
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {"decision": self.get_object().recommendation}

    def get_context_data(self, **kwargs):
        renewal = self.get_object()
        return super().get_context_data(
            **kwargs,
            renewal=renewal,
            contract=renewal.contract,
            can_decide=self.can_decide(),
            overdue=renewal.status == RenewalDecision.Status.OPEN and renewal.due_on < _today(),
            **renewal_page(renewal),
        )

    def perform(self, form):
        renewal_services.renewal_decide(
            renewal=self.get_object(),
            actor=self.request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )

    def get_success_url(self):
        return reverse("renewals:detail", args=[self.get_object().pk])
