"""`/api/v1/bids/`: a provider's own sealed bids, under exactly the bid pages' rules.

A provider's users list and read their organisation's bids, contents included (as the bid
page shows them to the bidder), and submit, change and withdraw them through the bid
service. Nobody else reads a bid here: a commissioner's officers and staff are refused the
list (as they are the "Your bids" page) and find every bid missing, before and after the
bids are opened; the panel reads opened bids through the evaluation endpoints.
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.views import PolicyViewSet
from core.dbclock import db_now
from core.errors import DomainError, IllegalTransition
from core.permissions import Action

from .. import sealing
from ..choices import BidStatus
from ..models import Bid, Tender
from ..permissions import BIDDING_REFUSAL, bid_policy, is_bidder, lots_visible_to_bidders
from ..selectors import with_document_public_ids
from ..services import bids as bid_services
from .filters_bids import BidFilter
from .serializers_bids import (
    BidDocumentInputSerializer,
    BidSerializer,
    BidSubmitSerializer,
    BidUpdateSerializer,
)

# A UUID as URLs carry it (lower-case hex in 8-4-4-4-12 groups).
UUID_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
BID_ID = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The bid's public id."
)


@contextmanager
def state_errors_as_conflicts(is_state_error):
    """Turns a service's refusal into 409 when `is_state_error()` (asked after the refusal)
    says the record's state caused it; any other refusal keeps its own code."""
    try:
        yield
    except DomainError as error:
        if type(error) is DomainError and not error.field_errors and is_state_error(error):
            raise IllegalTransition(error.message) from error
        raise


def _api_field_errors(error: DomainError) -> DomainError:
    """The bid service names fields as the bid form does (`answer_12`, `named_partners`);
    the API's fields are `answers.12` and `partners`."""
    if not error.field_errors:
        return error
    renamed: dict[str, list[str]] = {}
    for field, problems in error.field_errors.items():
        if field.startswith("answer_"):
            field = f"answers.{field.removeprefix('answer_')}"
        elif field == "named_partners":
            field = "partners"
        renamed.setdefault(field, []).extend(problems)
    return type(error)(error.message, field_errors=renamed)


@contextmanager
def bid_service_errors(tender_id):
    """A bid refused because bidding has closed on the tender, or because the bid was
    withdrawn or already made, is a conflict with the tender's or bid's state (409); other
    refusals (eligibility, reservations, bad contents) are 400 with the service's words."""

    def closed_or_taken(error) -> bool:
        if error.message == bid_services.ALREADY_BID:
            return True
        tender = Tender.objects.get(pk=tender_id)
        return bid_services.closed_refusal(tender, now=db_now()) is not None

    try:
        with state_errors_as_conflicts(closed_or_taken):
            yield
    except DomainError as error:
        raise _api_field_errors(error) from error


def _service_contents(data: dict) -> dict:
    return {
        "price": data["price"],
        "answers": data["answers"],
        "partners": [dict(partner) for partner in data.get("partners", [])],
    }


@extend_schema_view(
    list=extend_schema(summary="Your organisation's bids", responses=BidSerializer(many=True)),
    retrieve=extend_schema(
        summary="One of your organisation's bids, with its contents", parameters=[BID_ID]
    ),
)
class BidViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """A provider's own bids. Contents (price, answers, partners, document names) are sealed
    in the database and opened here for the bidding provider only."""

    policy = bid_policy
    queryset = Bid.objects.select_related("tender__sealing_key", "lot").prefetch_related(
        with_document_public_ids()
    )
    serializer_class = BidSerializer
    filterset_class = BidFilter
    # Bids are named by their public ids only: never ordered by id, or a cursor (which
    # carries the last row's value of the ordering) would show the sequence.
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN
    ordering = ("-submitted_at",)
    ordering_fields = ("submitted_at", "updated_at")
    record_actions = {
        "partial_update": Action.CHANGE,
        "withdraw": Action.CHANGE,
        "add_document": Action.CHANGE,
        "remove_document": Action.CHANGE,
    }
    required_scopes = {
        "list": "bids:read",
        "retrieve": "bids:read",
        "create": "bids:write",
        "partial_update": "bids:write",
        "withdraw": "bids:write",
        "add_document": "bids:write",
        "remove_document": "bids:write",
        "*": "bids:write",
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        # Only the caller's own organisation's bids: bid_policy would also show a commissioner
        # the opened bids on its tenders, which this endpoint never does.
        user = self.request.user
        if not is_bidder(user):
            return Bid.objects.none()
        return self.visible_queryset().filter(provider_id=user.provider_id)

    def list(self, request, *args, **kwargs):
        if not is_bidder(request.user):
            raise PermissionDenied(BIDDING_REFUSAL)
        return super().list(request, *args, **kwargs)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        if is_bidder(user) and not getattr(self, "swagger_fake_view", False):
            context["provider"] = user.provider
            context["now"] = db_now()
        return context

    def _respond(self, bid, code=status.HTTP_200_OK):
        bid = self.get_queryset().get(pk=bid.pk)
        return Response(self.get_serializer(bid).data, status=code)

    @extend_schema(
        summary="Submit a sealed bid for a lot",
        request=BidSubmitSerializer,
        responses={201: BidSerializer},
    )
    def create(self, request, *args, **kwargs):
        if not is_bidder(request.user):
            raise PermissionDenied(BIDDING_REFUSAL)
        lots = lots_visible_to_bidders(request.user).select_related("tender")
        serializer = BidSubmitSerializer(data=request.data, lots=lots)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with bid_service_errors(data["lot"].tender_id):
            bid = bid_services.bid_submit(
                lot=data["lot"], actor=request.user, documents=[], **_service_contents(data)
            )
        return self._respond(bid, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a live bid before the deadline",
        parameters=[BID_ID],
        description="The price and partners sent replace the bid's; each answer sent replaces "
        "the answer to its criterion; what is left out is kept, documents included.",
        request=BidUpdateSerializer,
        responses=BidSerializer,
    )
    def partial_update(self, request, *args, **kwargs):
        bid = self.get_object()
        serializer = BidUpdateSerializer(data=request.data, partial=True, context={"bid": bid})
        serializer.is_valid(raise_exception=True)
        current = sealing.own_bid_contents(bid, request.user.provider)
        changes = serializer.validated_data
        data = {
            "price": changes.get("price", current["price"]),
            # Answers are changed one criterion at a time: those not sent are kept.
            "answers": {**current["answers"], **changes.get("answers", {})},
            "partners": changes.get("partners", current["partners"]),
        }
        withdrawn = bid.status != BidStatus.SUBMITTED
        with (
            bid_service_errors(bid.tender_id),
            state_errors_as_conflicts(lambda error: withdrawn),
        ):
            bid = bid_services.bid_update(bid=bid, actor=request.user, **_service_contents(data))
        return self._respond(bid)

    def _reseal(self, bid, **documents):
        """Re-seals the bid with its own contents and a change to its documents."""
        current = sealing.own_bid_contents(bid, self.request.user.provider)
        withdrawn = bid.status != BidStatus.SUBMITTED
        with (
            bid_service_errors(bid.tender_id),
            state_errors_as_conflicts(lambda error: withdrawn),
        ):
            return bid_services.bid_update(
                bid=bid, actor=self.request.user, **_service_contents(current), **documents
            )

    @extend_schema(
        summary="Add a document to a live bid",
        parameters=[BID_ID],
        description="A multipart upload with one `file` (PDF, Word, Excel, OpenDocument, CSV, "
        "text, PNG or JPEG, judged by its contents). It is sealed with the bid; a bid has up "
        "to 10 documents.",
        request={"multipart/form-data": BidDocumentInputSerializer},
        responses={201: BidSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="documents",
        parser_classes=[MultiPartParser, FormParser],
    )
    def add_document(self, request, **kwargs):
        bid = self.get_object()
        serializer = BidDocumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            bid = self._reseal(bid, documents=[serializer.validated_data["file"]])
        except DomainError as error:
            if "documents" not in error.field_errors:
                raise
            fields = {**error.field_errors, "file": error.field_errors["documents"]}
            del fields["documents"]
            raise DomainError(error.message, field_errors=fields) from error
        return self._respond(bid, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a document from a live bid",
        parameters=[
            BID_ID,
            OpenApiParameter(
                "document_id",
                OpenApiTypes.UUID,
                OpenApiParameter.PATH,
                description="The document's public id.",
            ),
        ],
        request=None,
        responses=BidSerializer,
    )
    @action(detail=True, methods=["delete"], url_path=rf"documents/(?P<document_id>{UUID_PATTERN})")
    def remove_document(self, request, document_id=None, **kwargs):
        bid = self.get_object()
        if not bid.documents.filter(public_id=document_id).exists():
            raise Http404
        bid = self._reseal(bid, remove_documents=[document_id])
        return self._respond(bid)

    @extend_schema(
        summary="Withdraw a live bid before the deadline", parameters=[BID_ID], request=None
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, **kwargs):
        bid = self.get_object()
        with bid_service_errors(bid.tender_id):
            bid = bid_services.bid_withdraw(bid=bid, actor=request.user)
        return self._respond(bid)
