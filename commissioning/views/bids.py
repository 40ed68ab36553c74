"""Providers' pages for their sealed bids: the list, the form on a lot, the confirmation, the
bid itself, changing and withdrawing it.

Every bid page fetches the bid through `bid_policy` narrowed to the user's own provider, so
another provider, an officer or staff get 404 whatever the tender's state: these pages show
contents, and only the bidder reads its own contents before the bids are opened.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.views.generic import DetailView, FormView, ListView

from core.dbclock import db_now
from core.permissions import Action
from core.views import RecordAccessMixin, ServiceFormMixin

from .. import sealing
from ..choices import BidStatus, CriterionKind, PartnerKind
from ..forms_bids import NAMED_PARTNER_ROWS, BidForm, WithdrawBidForm
from ..models import Bid, Lot
from ..permissions import (
    BID,
    BIDDING_REFUSAL,
    bid_policy,
    bids_visible_to,
    is_bidder,
    lot_bidding_policy,
)
from ..selectors import bid_document_entries
from ..services import bids as bid_services


def own_bids(user):
    """The user's organisation's bids, with what their pages show."""
    return (
        bids_visible_to(user)
        .filter(provider_id=user.provider_id)
        .select_related("tender", "tender__commissioner", "lot")
    )


def own_live_bid(user, lot) -> Bid | None:
    return own_bids(user).filter(lot=lot, status=BidStatus.SUBMITTED).first()


def annotate_lots_for_bidder(user, lots, *, now=None) -> list:
    """For templates/bids/_bid_on_lot.html on the public tender page: sets `can_bid` (a
    provider's user, and the tender open for bids) and `own_bid` (their live bid or None) on
    each lot, in one query."""
    lots = list(lots)
    bidder = is_bidder(user)
    now = now or db_now()
    own = {}
    if bidder and lots:
        own = {
            bid.lot_id: bid
            for bid in Bid.objects.filter(
                provider_id=user.provider_id, lot__in=lots, status=BidStatus.SUBMITTED
            )
        }
    for lot in lots:
        lot.can_bid = bidder and bid_services.closed_refusal(lot.tender, now=now) is None
        lot.own_bid = own.get(lot.pk)
    return lots


def answer_criteria(tender):
    return list(tender.criteria.exclude(kind=CriterionKind.PRICE).order_by("id"))


class ProviderOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_bidder(request.user):
            raise PermissionDenied(BIDDING_REFUSAL)
        return super().dispatch(request, *args, **kwargs)


class YourBidsView(ProviderOnlyMixin, ListView):
    template_name = "bids/bid_list.html"
    context_object_name = "bids"

    def get_queryset(self):
        return own_bids(self.request.user).order_by("-updated_at", "-id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, now=db_now())


class BidCreateView(RecordAccessMixin, ServiceFormMixin, FormView):
    """The bid form on one lot. It is submitted in one step, so uploaded files are never
    held between pages; the confirmation page that follows is the provider's receipt."""

    template_name = "bids/bid_form.html"
    form_class = BidForm
    policy = lot_bidding_policy
    action = BID
    pk_url_kwarg = "lot_id"

    def get_object(self, queryset=None):
        return super().get_object(Lot.objects.select_related("tender", "tender__commissioner"))

    def get_form_kwargs(self):
        lot = self.get_object()
        return {
            **super().get_form_kwargs(),
            "criteria": answer_criteria(lot.tender),
            "provider": self.request.user.provider,
        }

    def get_context_data(self, **kwargs):
        lot = self.get_object()
        existing = own_live_bid(self.request.user, lot)
        refusal = bid_services.eligibility_refusal(
            provider=self.request.user.provider, lot=lot, now=db_now()
        )
        return super().get_context_data(
            **kwargs,
            lot=lot,
            tender=lot.tender,
            existing_bid=existing,
            refusal=refusal,
            show_form=existing is None and refusal is None,
            files_not_kept=bool(self.request.FILES),
        )

    def perform(self, form):
        self.bid = bid_services.bid_submit(
            lot=self.get_object(), actor=self.request.user, **form.service_arguments()
        )

    def get_success_url(self):
        return reverse("bids:submitted", args=[self.bid.public_id])


class OwnBidMixin(RecordAccessMixin):
    policy = bid_policy
    pk_url_kwarg = "public_id"

    def get_object(self, queryset=None):
        return super().get_object(own_bids(self.request.user))


class BidSubmittedView(OwnBidMixin, DetailView):
    template_name = "bids/bid_submitted.html"
    context_object_name = "bid"

    def get_context_data(self, **kwargs):
        contents = sealing.own_bid_contents(self.object, self.request.user.provider)
        return super().get_context_data(**kwargs, documents=contents.get("documents", []))


class BidDetailView(OwnBidMixin, DetailView):
    template_name = "bids/bid_detail.html"
    context_object_name = "bid"

    def get_context_data(self, **kwargs):
        bid = self.object
        contents = sealing.own_bid_contents(bid, self.request.user.provider)
        answers = contents["answers"]
        return super().get_context_data(
            **kwargs,
            price=contents["price"],
            answers=[(c, answers.get(str(c.pk), "")) for c in answer_criteria(bid.tender)],
            partners=[_partner_row(p) for p in contents["partners"]],
            documents=[bid_services.document_label(d) for d in contents.get("documents", [])],
            can_change=bid_policy.can(self.request.user, bid, Action.CHANGE)
            and bid_services.bid_is_changeable(bid, now=db_now()),
        )


def _partner_row(partner: dict) -> tuple[str, str]:
    if "provider_id" in partner:
        return partner["name"], "Registered provider"
    return partner["name"], PartnerKind(partner["kind"]).label


class ChangeableBidMixin(OwnBidMixin):
    """Changing and withdrawing: the bidder's own live bid, before the deadline."""

    action = Action.CHANGE

    def get_object(self, queryset=None):
        bid = super().get_object(queryset)
        if not hasattr(self, "_checked"):
            self._checked = True
            if bid.status != BidStatus.SUBMITTED:
                raise PermissionDenied("This bid was withdrawn: it can no longer be changed.")
            refusal = bid_services.closed_refusal(bid.tender, now=db_now())
            if refusal:
                raise PermissionDenied(refusal)
        return bid

    def get_context_data(self, **kwargs):
        bid = self.get_object()
        return super().get_context_data(**kwargs, bid=bid, tender=bid.tender, lot=bid.lot)

    def get_success_url(self):
        return reverse("bids:detail", args=[self.get_object().public_id])


class BidChangeView(ChangeableBidMixin, ServiceFormMixin, FormView):
    template_name = "bids/bid_form.html"
    form_class = BidForm
    success_message = "Your bid has been changed and sealed again"

    def _contents(self):
        if not hasattr(self, "_own_contents"):
            self._own_contents = sealing.own_bid_contents(
                self.get_object(), self.request.user.provider
            )
        return self._own_contents

    def get_form_kwargs(self):
        bid = self.get_object()
        return {
            **super().get_form_kwargs(),
            "criteria": answer_criteria(bid.tender),
            "provider": self.request.user.provider,
            "documents": bid_document_entries(
                self.get_object(), self._contents().get("documents", [])
            ),
            "named_rows": max(
                NAMED_PARTNER_ROWS,
                len([p for p in self._contents()["partners"] if "provider_id" not in p]),
            ),
        }

    def get_initial(self):
        contents = self._contents()
        initial = {
            "price": contents["price"],
            "partners": [p["provider_id"] for p in contents["partners"] if "provider_id" in p],
        }
        initial.update({f"answer_{pk}": text for pk, text in contents["answers"].items()})
        named = [p for p in contents["partners"] if "provider_id" not in p]
        for row, partner in enumerate(named, start=1):
            initial[f"partner_{row}_name"] = partner["name"]
            initial[f"partner_{row}_kind"] = partner["kind"]
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, changing=True, show_form=True, files_not_kept=bool(self.request.FILES)
        )

    def perform(self, form):
        bid_services.bid_update(
            bid=self.get_object(), actor=self.request.user, **form.service_arguments()
        )


class BidWithdrawView(ChangeableBidMixin, ServiceFormMixin, FormView):
    template_name = "bids/bid_withdraw.html"
    form_class = WithdrawBidForm
    success_message = "Your bid has been withdrawn"

    def perform(self, form):
        bid_services.bid_withdraw(bid=self.get_object(), actor=self.request.user)
