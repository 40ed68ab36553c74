"""Contract pages: the public list and detail (open data, no sign-in), each commissioner's
contract register for its officers (with a CSV download), and bidders' feedback on their
bids once a lot has been decided."""

import csv

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.views import View
from django.views.generic import DetailView, ListView

from core.views import RecordAccessMixin

from ..models import Bid
from ..permissions import bid_feedback_policy, commissioner_policy
from ..selectors_contracts import (
    contract_detail,
    contract_register,
    contracts_public,
    register_headings,
    register_rows,
)
from ..selectors_evaluation import bid_feedback

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ContractListView(ListView):
    template_name = "contracts/list.html"
    context_object_name = "contracts"
    paginate_by = 50

    def get_queryset(self):
        return contracts_public()


class ContractDetailView(DetailView):
    template_name = "contracts/detail.html"
    context_object_name = "contract"

    def get_queryset(self):
        return contract_detail()

    def get_context_data(self, **kwargs):
        from accountability.selectors_public import contract_accountability

        return super().get_context_data(**kwargs, **contract_accountability(self.object))


class ContractRegisterView(RecordAccessMixin, DetailView):
    """A commissioner's own contracts, for its officers, with the Transparency Code's fields."""

    policy = commissioner_policy
    template_name = "contracts/register.html"
    context_object_name = "commissioner"
    paginate_by = 100

    def get_context_data(self, **kwargs):
        page = Paginator(contract_register(commissioner=self.object), self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        return super().get_context_data(page_obj=page, contracts=page.object_list, **kwargs)


class ContractRegisterCsvView(RecordAccessMixin, View):
    policy = commissioner_policy

    def get(self, request, *args, **kwargs):
        commissioner = self.get_object()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="contract-register-{commissioner.identifier}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(register_headings())
        contracts = contract_register(commissioner=commissioner).iterator(chunk_size=500)
        for row in register_rows(contracts):
            writer.writerow([_csv_safe(cell) for cell in row])
        return response


def _csv_safe(cell: str) -> str:
    # A leading apostrophe stops a title like "=HYPERLINK(...)" running as a formula.
    return f"'{cell}" if cell.startswith(FORMULA_PREFIXES) else cell


class BidFeedbackView(RecordAccessMixin, DetailView):
    """A bidder's feedback on its own bid, once the lot has been decided."""

    policy = bid_feedback_policy
    pk_url_kwarg = "bid_id"
    template_name = "contracts/feedback.html"
    context_object_name = "bid"

    def get_object(self, queryset=None):
        return super().get_object(Bid.objects.select_related("lot__tender__commissioner"))

    def get_context_data(self, **kwargs):
        return super().get_context_data(feedback=bid_feedback(self.object), **kwargs)
