"""Officers' evaluation pages: the overview of a tender's evaluation, panel members'
declarations of interest, scoring and moderation, award decisions and making contracts.

A panel member reads no bid before declaring no conflict of interest; one who declared a
conflict reads none at all. Pages fetch the tender through tender_policy (evaluating needs a
panel member, awarding and contracting any of the commissioner's officers) and the bids
through bid_policy, so nothing here decides who may do what by itself.
"""

import calendar
from datetime import date, timedelta
from functools import cached_property
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from core.dbclock import db_now
from core.errors import DomainError
from core.permissions import Action
from core.views import RecordAccessMixin, ServiceFormMixin

from .. import sealing
from ..choices import QUALITY_SCALE, AwardStatus, BidStatus, CriterionKind, TenderStatus
from ..forms_evaluation import (
    AwardForm,
    BidScoresForm,
    ContractForm,
    DeclarationForm,
    ModerationForm,
)
from ..models import Award, Bid, BidDocument, ModeratedScore, Score
from ..permissions import bid_policy, tender_policy
from ..selectors_evaluation import (
    PRICE_FORMULA,
    TIE_BREAK_RULE,
    bidders_of,
    lot_ranking,
    member_of,
    missing_scorers,
    moment,
    panel_of,
    scores_for_moderation,
    tender_rankings,
)
from ..services.awards import award_make
from ..services.contracts import contract_create
from ..services.evaluation import conflict_declare, moderation_record, score_record


class TenderPageMixin(RecordAccessMixin):
    """A page about one tender: anonymous visitors are sent to sign in, then the tender is
    fetched through its policy before anything else happens (404 or 403)."""

    policy = tender_policy

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.tender  # noqa: B018 - the policy's 404 or 403 comes before any form handling
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def tender(self):
        return self.get_object()

    @cached_property
    def panel(self):
        return panel_of(self.tender)

    @cached_property
    def member(self):
        return member_of(self.panel, self.request.user)

    def overview_url(self) -> str:
        return reverse("evaluation:overview", args=[self.tender.pk])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tender=self.tender, member=self.member, overview_url=self.overview_url(), **kwargs
        )


class ClearedPanelMemberMixin(TenderPageMixin):
    """Pages that show a bid's contents: only for panel members who declared no conflict."""

    action = Action.EVALUATE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        member = self.member
        if member.declared_at is None:
            messages.info(request, "Declare whether you have a conflict of interest first")
            return HttpResponseRedirect(reverse("evaluation:declaration", args=[self.tender.pk]))
        if member.has_conflict:
            raise PermissionDenied(
                "You declared a conflict of interest on this tender, so you cannot read or "
                "score its bids."
            )
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def bid(self) -> Bid:
        bid = bid_policy.get_for(
            self.request.user,
            self.kwargs["bid_id"],
            queryset=Bid.objects.filter(
                tender=self.tender, status=BidStatus.SUBMITTED
            ).select_related("provider", "lot"),
        )
        bid.tender = self.tender
        return bid

    @cached_property
    def contents(self) -> dict:
        return sealing.open_bid_contents(self.bid)

    def get_context_data(self, **kwargs):
        return super().get_context_data(bid=self.bid, **kwargs)


def _weights_by_kind(criteria) -> dict:
    weights = {kind: 0 for kind in CriterionKind.values}
    for criterion in criteria:
        weights[criterion.kind] += criterion.weight
    return weights


class EvaluationOverviewView(TenderPageMixin, TemplateView):
    template_name = "evaluation/overview.html"

    def get_context_data(self, **kwargs):
        tender, user, member = self.tender, self.request.user, self.member
        in_evaluation = tender.status == TenderStatus.EVALUATION
        # A panel member reads nothing of the bids until they have declared no conflict.
        may_read_bids = tender.bids_opened_at is not None and (member is None or member.may_score)
        criteria = list(tender.criteria.all())
        now = db_now()
        can_decide = tender_policy.can(user, tender, Action.CHANGE) and not (
            member and member.has_conflict
        )
        lots = []
        for ranking in tender_rankings(tender, panel=self.panel) if may_read_bids else []:
            award = ranking.award
            lots.append(
                {
                    "ranking": ranking,
                    "can_award": can_decide and in_evaluation and award is None,
                    "standstill_ends": moment(award.standstill_ends_at)
                    if award and award.standstill_ends_at
                    else "",
                    "can_make_contract": can_decide
                    and award is not None
                    and award.status == AwardStatus.STANDSTILL
                    and award.standstill_ends_at <= now,
                }
            )
        ineligible = {}
        if may_read_bids:
            for bid in (
                Bid.objects.filter(tender=tender, status=BidStatus.INELIGIBLE)
                .select_related("provider")
                .order_by("lot_id", "id")
            ):
                ineligible.setdefault(bid.lot_id, []).append(bid)
        for item in lots:
            item["ineligible"] = ineligible.get(item["ranking"].lot.pk, [])
        return super().get_context_data(
            panel=self.panel,
            criteria=criteria,
            weights=_weights_by_kind(criteria),
            lots=lots,
            may_read_bids=may_read_bids,
            can_declare=member is not None
            and tender.status in (TenderStatus.CLOSED, TenderStatus.EVALUATION)
            and not member.has_conflict,
            can_score=member is not None and member.may_score and in_evaluation,
            price_formula=PRICE_FORMULA,
            tie_break_rule=TIE_BREAK_RULE,
            **kwargs,
        )


class DeclarationView(TenderPageMixin, ServiceFormMixin, FormView):
    template_name = "evaluation/declaration.html"
    form_class = DeclarationForm
    action = Action.EVALUATE
    success_message = "Your declaration of interests has been recorded"

    def get_context_data(self, **kwargs):
        bidders = bidders_of(self.tender) if self.tender.bids_opened_at else []
        return super().get_context_data(bidders=bidders, **kwargs)

    def perform(self, form):
        conflict_declare(
            tender=self.tender,
            actor=self.request.user,
            has_conflict=form.cleaned_data["has_conflict"],
            details=form.cleaned_data["details"],
        )

    def get_success_url(self):
        return self.overview_url()


class BidScoreView(ClearedPanelMemberMixin, ServiceFormMixin, FormView):
    template_name = "evaluation/score.html"
    form_class = BidScoresForm

    @cached_property
    def criteria(self):
        return list(self.tender.criteria.exclude(kind=CriterionKind.PRICE))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "criteria": self.criteria}

    def get_initial(self):
        initial = {}
        for score in Score.objects.filter(bid=self.bid, evaluator=self.request.user):
            initial[f"score_{score.criterion_id}"] = str(score.score)
            initial[f"justification_{score.criterion_id}"] = score.justification
        return initial

    def get_context_data(self, **kwargs):
        answers = self.contents.get("answers") or {}
        documents = [
            (document, sealing.open_bytes(self.tender, document.sealed_name).decode())
            for document in BidDocument.objects.filter(bid=self.bid).order_by("id")
        ]
        if "form" not in kwargs:
            kwargs["form"] = self.get_form()
        groups = [
            (criterion, answers.get(str(criterion.pk), ""), score, justification)
            for criterion, score, justification in kwargs["form"].groups()
        ]
        return super().get_context_data(
            groups=groups,
            documents=documents,
            partners=self.contents.get("partners") or [],
            moderated=set(
                ModeratedScore.objects.filter(bid=self.bid).values_list("criterion_id", flat=True)
            ),
            **kwargs,
        )

    def perform(self, form):
        with transaction.atomic():
            for criterion, score, justification in form.scores():
                try:
                    score_record(
                        bid=self.bid,
                        criterion=criterion,
                        actor=self.request.user,
                        score=score,
                        justification=justification,
                    )
                except DomainError as error:
                    # The form has a pair of fields per criterion; point the error at its own.
                    raise DomainError(
                        error.message,
                        field_errors={
                            f"{field}_{criterion.pk}": problems
                            for field, problems in error.field_errors.items()
                        },
                    ) from error
        self.success_message = f"Your scores for {self.bid.provider.name} have been saved"

    def get_success_url(self):
        return self.overview_url()


class BidDocumentView(ClearedPanelMemberMixin, View):
    """A bid's document, decrypted, for a panel member to read."""

    def get(self, request, *args, **kwargs):
        document = get_object_or_404(BidDocument, public_id=kwargs["document_id"], bid=self.bid)
        name = sealing.open_bytes(self.tender, document.sealed_name).decode()
        response = HttpResponse(
            sealing.open_bytes(self.tender, document.sealed_content),
            content_type=document.content_type,
        )
        response["Content-Disposition"] = _attachment(name)
        response["Cache-Control"] = "private, no-store"
        return response


def _attachment(name: str) -> str:
    safe = "".join(ch for ch in name if ch.isalnum() or ch in " ._-").strip() or "document"
    return f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(name)}"


class ModerationView(ClearedPanelMemberMixin, ServiceFormMixin, FormView):
    template_name = "evaluation/moderate.html"
    form_class = ModerationForm

    @cached_property
    def criterion(self):
        return get_object_or_404(
            self.tender.criteria.exclude(kind=CriterionKind.PRICE), pk=self.kwargs["criterion_id"]
        )

    def get_initial(self):
        moderated = ModeratedScore.objects.filter(bid=self.bid, criterion=self.criterion).first()
        if moderated is None:
            return {}
        return {"score": str(moderated.score), "rationale": moderated.rationale}

    def get_context_data(self, **kwargs):
        answers = self.contents.get("answers") or {}
        return super().get_context_data(
            criterion=self.criterion,
            answer=answers.get(str(self.criterion.pk), ""),
            scores=[
                (score, QUALITY_SCALE.get(score.score, ""))
                for score in scores_for_moderation(bid=self.bid, criterion=self.criterion)
            ],
            missing=missing_scorers(bid=self.bid, criterion=self.criterion),
            **kwargs,
        )

    def perform(self, form):
        moderation_record(
            bid=self.bid,
            criterion=self.criterion,
            actor=self.request.user,
            score=form.cleaned_data["score"],
            rationale=form.cleaned_data["rationale"],
        )
        self.success_message = (
            f"The panel's score for {self.criterion.title} for {self.bid.provider.name} "
            "has been recorded"
        )

    def get_success_url(self):
        return self.overview_url()


class LotPageMixin(TenderPageMixin):
    action = Action.CHANGE

    @cached_property
    def lot(self):
        lot = get_object_or_404(self.tender.lots.all(), pk=self.kwargs["lot_id"])
        lot.tender = self.tender
        return lot

    @cached_property
    def award(self) -> Award | None:
        return Award.objects.filter(lot=self.lot).select_related("bid__provider").first()

    def decision_url(self) -> str:
        return reverse("evaluation:decision", args=[self.tender.pk, self.lot.pk])

    def get_context_data(self, **kwargs):
        return super().get_context_data(lot=self.lot, award=self.award, **kwargs)


class AwardView(LotPageMixin, ServiceFormMixin, FormView):
    template_name = "evaluation/award.html"
    form_class = AwardForm

    def get(self, request, *args, **kwargs):
        if self.award is not None:
            return HttpResponseRedirect(self.decision_url())
        if self.tender.status != TenderStatus.EVALUATION:
            raise PermissionDenied(
                "Lots are awarded while the tender is in evaluation: this one is "
                f"{self.tender.get_status_display().lower()}."
            )
        return super().get(request, *args, **kwargs)

    @cached_property
    def ranking(self):
        return lot_ranking(self.lot)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "ranking": self.ranking}

    def get_context_data(self, **kwargs):
        criteria = list(self.tender.criteria.all())
        return super().get_context_data(
            ranking=self.ranking,
            weights=_weights_by_kind(criteria),
            price_formula=PRICE_FORMULA,
            tie_break_rule=TIE_BREAK_RULE,
            **kwargs,
        )

    def perform(self, form):
        chosen = form.chosen_row()
        award_make(
            lot=self.lot,
            actor=self.request.user,
            bid=chosen.bid if chosen else None,
            reason=form.cleaned_data["reason"],
        )

    def get_success_url(self):
        return self.decision_url()


class DecisionView(LotPageMixin, TemplateView):
    """The award decision on a lot, with its standstill period and, after that, the way to
    the contract."""

    template_name = "evaluation/decision.html"
    action = Action.VIEW

    def get(self, request, *args, **kwargs):
        if self.award is None:
            raise Http404
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        award = self.award
        in_standstill = award.status == AwardStatus.STANDSTILL
        return super().get_context_data(
            standstill_ends=moment(award.standstill_ends_at) if award.standstill_ends_at else "",
            can_make_contract=in_standstill
            and award.standstill_ends_at <= db_now()
            and tender_policy.can(self.request.user, self.tender, Action.CHANGE),
            contract=getattr(self.lot, "contract", None)
            if award.status == AwardStatus.CONTRACTED
            else None,
            **kwargs,
        )


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


class ContractCreateView(LotPageMixin, ServiceFormMixin, FormView):
    template_name = "evaluation/contract.html"
    form_class = ContractForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        award = self.award
        if award is None or award.status == AwardStatus.NOT_AWARDED:
            raise Http404
        if award.status == AwardStatus.CONTRACTED:
            return HttpResponseRedirect(reverse("contracts:detail", args=[award.contract.pk]))
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def standstill_over(self) -> bool:
        return self.award.standstill_ends_at <= db_now()

    def get_initial(self):
        # The day after the standstill ends, for the tender's term.
        start = timezone.localtime(self.award.standstill_ends_at).date() + timedelta(days=1)
        end = _add_months(start, self.tender.contract_term_months) - timedelta(days=1)
        return {"start_date": start, "end_date": end, "notice_period_days": 90}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            standstill_over=self.standstill_over,
            standstill_ends=moment(self.award.standstill_ends_at),
            **kwargs,
        )

    def perform(self, form):
        self.contract = contract_create(
            award=self.award,
            actor=self.request.user,
            start_date=form.cleaned_data["start_date"],
            end_date=form.cleaned_data["end_date"],
            notice_period_days=form.cleaned_data["notice_period_days"],
            kpis=form.kpis(),
        )
        self.success_message = f"Contract {self.contract.reference} has been made"

    def get_success_url(self):
        return reverse("contracts:detail", args=[self.contract.pk])
