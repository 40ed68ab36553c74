"""KPI returns: providers see what they owe and submit figures; officers see a contract's KPIs."""

from datetime import date

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView

from core.dbclock import db_now
from core.views import RecordAccessMixin, ServiceFormMixin

from ..forms_kpis import KpiReturnForm
from ..models import Contract, Kpi
from ..permissions import SUBMIT_RETURN, contract_kpis_policy, is_bidder, kpi_return_policy
from ..selectors_kpis import contract_kpis, provider_returns, return_row
from ..services import kpis as kpi_services


def db_today() -> date:
    return timezone.localdate(db_now())


class ProviderReturnsView(LoginRequiredMixin, TemplateView):
    """The provider's KPI returns on its live contracts: due, missing, submitted and late."""

    template_name = "kpis/provider_returns.html"

    def get_context_data(self, **kwargs):
        if not is_bidder(self.request.user):
            raise PermissionDenied("Only a provider's users submit KPI returns.")
        return super().get_context_data(
            **kwargs,
            due_days=settings.KPI_RETURN_DUE_WORKING_DAYS,
            **provider_returns(provider_id=self.request.user.provider_id, today=db_today()),
        )


class KpiReturnSubmitView(RecordAccessMixin, ServiceFormMixin, FormView):
    template_name = "kpis/submit.html"
    form_class = KpiReturnForm
    policy = kpi_return_policy
    action = SUBMIT_RETURN
    pk_url_kwarg = "kpi_id"
    success_message = "KPI return submitted"

    def get_object(self, queryset=None):
        return super().get_object(Kpi.objects.select_related("contract"))

    def row(self):
        if not hasattr(self, "_row"):
            try:
                period_start = date.fromisoformat(self.kwargs["period_start"])
            except ValueError:
                raise Http404 from None
            self._row = return_row(
                kpi=self.get_object(), period_start=period_start, today=db_today()
            )
            if self._row is None:
                raise Http404
        return self._row

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.row()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, kpi=self.get_object(), row=self.row())

    def perform(self, form):
        self.result = kpi_services.kpi_return_submit(
            kpi=self.get_object(),
            actor=self.request.user,
            period_start=self.row().period_start,
            value=form.cleaned_data["value"],
        )
        self.success_message = (
            f"KPI return submitted: {self.result.value} {self.get_object().unit}, "
            f"rated {self.result.get_rating_display()}"
        )

    def get_success_url(self):
        return reverse("kpis:provider_returns")


class ContractKpisView(RecordAccessMixin, DetailView):
    """The commissioner's view of a contract's KPIs: each period's figure, rating, lateness."""

    template_name = "kpis/contract.html"
    policy = contract_kpis_policy
    pk_url_kwarg = "contract_id"
    context_object_name = "contract"

    def get_object(self, queryset=None):
        return super().get_object(Contract.objects.select_related("provider", "commissioner"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, kpis=contract_kpis(contract=self.object, today=db_today())
        )
