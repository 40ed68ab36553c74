"""The public tender pages: anyone can find and read opportunities, and download their
documents; providers ask questions from here."""

import os

from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from commissioning.views.bids import annotate_lots_for_bidder
from core.choices import Region
from core.dbclock import db_now
from core.views import RecordAccessMixin, ServiceFormMixin

from ..choices import MINIMUM_TENDER_PERIOD_DAYS, Procedure, TenderStatus
from ..filters import TenderFilter
from ..forms_public import ClarificationAskForm
from ..models import Tender
from ..permissions import ASK, public_tender_policy
from ..selectors import (
    bids_received,
    own_unanswered_clarifications,
    public_tender_detail,
    public_tender_document,
    public_tender_list,
)
from ..services import clarifications as clarification_services


def money_label(value) -> str:
    """£1,250,000, or £12,500.50 when there are pence."""
    text = f"£{value:,.2f}"
    return text.removesuffix(".00")


def moment_label(moment) -> str:
    """A moment as GOV.UK writes it: "5:00pm on 3 March 2026", in the service's time zone."""
    if moment is None:
        return "Not set"
    local = timezone.localtime(moment)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return (
        f"{hour}:{local.minute:02d}{suffix} on {local.day} {MONTHS[local.month - 1]} {local.year}"
    )


REGIONS = dict(Region.choices)
PROCEDURES = dict(Procedure.choices)
STATUSES = dict(TenderStatus.choices)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class TenderListView(TemplateView):
    template_name = "tenders/list.html"

    def get_context_data(self, **kwargs):
        filterset = TenderFilter(self.request.GET, queryset=public_tender_list())
        # An invalid filter shows its error and no rows, rather than rows it did not narrow.
        rows = filterset.qs if filterset.is_valid() else Tender.objects.none()
        page = Paginator(rows, filterset.rows_per_page).get_page(self.request.GET.get("page"))
        tenders = list(page.object_list)
        # Formatted here once, not by template filters: with 100 rows a page, the filters'
        # locale lookups cost more than the database does.
        detail_url = reverse("tenders:detail", args=[0]).removesuffix("0/")
        for tender in tenders:
            tender.url = f"{detail_url}{tender.pk}/"
            tender.value_label = money_label(tender.estimated_value)
            tender.closes_label = moment_label(tender.submission_deadline)
            tender.region_label = REGIONS.get(tender.region, tender.region)
            tender.procedure_label = PROCEDURES.get(tender.procedure, tender.procedure)
            tender.status_label = STATUSES.get(tender.status, tender.status)
        return super().get_context_data(
            **kwargs,
            form=filterset.form,
            page_obj=page,
            tenders=tenders,
            page_numbers=page.paginator.get_elided_page_range(page.number, on_each_side=1),
        )


class TenderDetailView(TemplateView):
    template_name = "tenders/detail.html"

    def get_context_data(self, **kwargs):
        tender = public_tender_detail(self.kwargs["pk"])
        if tender is None:
            raise Http404
        user = self.request.user
        open_for_questions = clarification_services.questions_open(tender, now=db_now())
        is_provider = getattr(user, "is_provider_user", False)
        return super().get_context_data(
            **kwargs,
            tender=tender,
            # Each lot knows whether this user may bid on it, or already has.
            lots=annotate_lots_for_bidder(user, tender.lots.all()),
            minimum_period_days=MINIMUM_TENDER_PERIOD_DAYS.get(tender.procedure),
            bids_received=bids_received(tender),
            questions_open=open_for_questions,
            can_ask=open_for_questions and public_tender_policy.can(user, tender, ASK),
            invite_sign_in=open_for_questions and not user.is_authenticated,
            own_questions=(
                list(own_unanswered_clarifications(tender, provider_id=user.provider_id))
                if is_provider
                else []
            ),
        )


def tender_document_download(request, pk, document_pk):
    """Anyone may download a published tender's documents, as the type they were checked as."""
    document = public_tender_document(tender_pk=pk, pk=document_pk)
    if document is None:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=os.path.basename(document.file.name),
        content_type=document.content_type,
    )


class ClarificationAskView(RecordAccessMixin, ServiceFormMixin, FormView):
    """A provider's question about a published tender. Others may not see who asked."""

    template_name = "tenders/ask.html"
    form_class = ClarificationAskForm
    policy = public_tender_policy
    action = ASK
    success_message = (
        "Your question has been sent. The answer will be published on this page for every "
        "provider, without saying who asked."
    )

    def get_context_data(self, **kwargs):
        tender = self.get_object()
        return super().get_context_data(
            **kwargs,
            tender=tender,
            questions_open=clarification_services.questions_open(tender),
        )

    def perform(self, form):
        clarification_services.clarification_ask(
            tender=self.get_object(), actor=self.request.user, **form.cleaned_data
        )

    def get_success_url(self):
        return reverse("tenders:detail", args=[self.get_object().pk])
