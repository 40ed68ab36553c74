"""`/api/v1/tenders/{tender_id}/evaluation/`: the panel's work on a tender's opened bids.

The same rules as the evaluation pages: the tender is fetched through `tender_policy` for
evaluating (another council's tender is missing, 404; an officer of the council who is not on
the panel is refused, 403); nothing of the bids is readable until they were opened at closing
(409) and the member has declared no conflict of interest (403, as the pages refuse a member
with a conflict); declarations, scores and moderated scores go through the evaluation
services, whose refusals of the tender's state are 409.

    GET  evaluation/                       the evaluation as the caller sees it
    POST evaluation/declaration/           declare whether you have a conflict of interest
    GET  evaluation/bids/                  the opened bids, with their contents
    GET  evaluation/bids/{id}/             one opened bid
    GET  evaluation/bids/{id}/documents/{document_id}/   one of its documents, opened

Bids and their documents are named by their public ids (UUIDs), never their sequence ids.
    GET  evaluation/bids/{id}/scores/      the panel's scores of the bid (for moderation)
    POST evaluation/bids/{id}/scores/      record your score on one criterion
    POST evaluation/bids/{id}/moderation/  record the panel's moderated score on one criterion
"""

from contextlib import contextmanager
from functools import cached_property

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import ApiViewMixin, PolicyViewSet
from core.errors import DomainError, IllegalTransition, NotPermitted
from core.permissions import Action

from .. import sealing
from ..choices import CriterionKind, TenderStatus
from ..models import Bid, BidDocument, PanelMember, Score, Tender
from ..permissions import bid_policy, tender_policy
from ..selectors_evaluation import member_of, panel_bids, panel_of
from ..services.evaluation import conflict_declare, moderation_record, score_record
from .filters_bids import PanelBidFilter
from .serializers_bids import (
    DeclarationInputSerializer,
    EvaluationSerializer,
    ModeratedScoreSerializer,
    ModerationInputSerializer,
    PanelBidSerializer,
    PanelMemberSerializer,
    ScoreInputSerializer,
    ScoreSerializer,
)

READ = "evaluations:read"
WRITE = "evaluations:write"
# What commissioning.sealing says to anyone asking for a bid's contents before opening.
BIDS_SEALED = "Bids stay sealed until the submission deadline has passed and the tender is closed."


@contextmanager
def evaluation_errors(criterion=None):
    """The evaluation services refuse a bad value with field errors (400) and the tender's or
    score's state without (409: not yet in evaluation, already moderated, still to score,
    already declared). Scoring price by hand is a bad choice of criterion (400)."""
    try:
        yield
    except DomainError as error:
        if type(error) is not DomainError or error.field_errors:
            raise
        if criterion is not None and criterion.kind == CriterionKind.PRICE:
            raise DomainError(error.message, field_errors={"criterion": [error.message]}) from error
        raise IllegalTransition(error.message) from error


class TenderEvaluationMixin(ApiViewMixin):
    """Fetches the tender in the URL for evaluating, through its policy, before anything."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.tender  # noqa: B018 - 404 or 403 before anything else is read

    @cached_property
    def tender(self) -> Tender:
        return tender_policy.get_for(
            self.request.user,
            self.kwargs["tender_pk"],
            Action.EVALUATE,
            Tender.objects.select_related("sealing_key"),
        )

    @cached_property
    def panel(self) -> list[PanelMember]:
        return panel_of(self.tender)

    @cached_property
    def member(self) -> PanelMember:
        # tender_policy's EVALUATE rule has checked the caller is on the panel.
        return member_of(self.panel, self.request.user)

    def get_serializer_context(self):
        if getattr(self, "swagger_fake_view", False):
            return super().get_serializer_context()
        return {**super().get_serializer_context(), "tender": self.tender}


class EvaluationViewSet(TenderEvaluationMixin, PolicyViewSet):
    """A tender's evaluation, for its panel."""

    policy = tender_policy
    serializer_class = EvaluationSerializer
    pagination_class = None
    filter_backends = []
    required_scopes = {"retrieve": READ, "declare": WRITE, "*": READ}

    @extend_schema(summary="The tender's evaluation, as a panel member sees it")
    def retrieve(self, request, *args, **kwargs):
        tender, member = self.tender, self.member
        data = {
            "tender": tender,
            "status": tender.status,
            "bids_opened_at": tender.bids_opened_at,
            "criteria": tender.criteria.all(),
            "panel": self.panel,
            "you": member,
            "may_read_bids": tender.bids_opened_at is not None and member.may_score,
            "may_score": member.may_score and tender.status == TenderStatus.EVALUATION,
        }
        return Response(self.get_serializer(data).data)

    @extend_schema(
        summary="Declare whether you have a conflict of interest",
        description="Made once the tender has closed, before reading any bid. A declared "
        "conflict cannot be taken back, and its member takes no further part.",
        request=DeclarationInputSerializer,
        responses=PanelMemberSerializer,
    )
    def declare(self, request, *args, **kwargs):
        serializer = DeclarationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with evaluation_errors():
            member = conflict_declare(
                tender=self.tender,
                actor=request.user,
                has_conflict=serializer.validated_data["has_conflict"],
                details=serializer.validated_data.get("details", ""),
            )
        member.user = request.user
        return Response(PanelMemberSerializer(member, context={"request": request}).data)


class EvaluationBidViewSet(
    TenderEvaluationMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet
):
    """The tender's opened bids, for panel members who declared no conflict of interest."""

    policy = bid_policy
    serializer_class = PanelBidSerializer
    filterset_class = PanelBidFilter
    # By public id in URLs, and never ordered by id (a cursor would carry it).
    ordering = ("submitted_at",)
    ordering_fields = ("submitted_at",)
    required_scopes = {
        "list": READ,
        "retrieve": READ,
        "scores": READ,
        "document": READ,
        "score": WRITE,
        "moderation": WRITE,
        "*": READ,
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Bid.objects.none()
        tender, member = self.tender, self.member
        if tender.bids_opened_at is None:
            raise IllegalTransition(BIDS_SEALED)
        if member.declared_at is None:
            raise NotPermitted(
                "Declare whether you have a conflict of interest before you read the bids."
            )
        if member.has_conflict:
            raise NotPermitted(
                "You declared a conflict of interest on this tender, so you cannot read or "
                "score its bids."
            )
        visible = bid_policy.visible_to(self.request.user).values("pk")
        return panel_bids(tender, self.request.user).filter(pk__in=visible)

    def get_object(self):
        bid = super().get_object()
        bid.tender = self.tender
        return bid

    @extend_schema(summary="The opened bids, with their contents")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One opened bid, with its contents")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="One of the bid's documents, opened",
        description="The document's bytes, decrypted, with its content type and name.",
        parameters=[
            OpenApiParameter(
                "document_id",
                OpenApiTypes.UUID,
                OpenApiParameter.PATH,
                description="The document's public id.",
            )
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def document(self, request, *args, document_id=None, **kwargs):
        bid = self.get_object()
        document = get_object_or_404(BidDocument, public_id=document_id, bid=bid)
        name = sealing.open_bytes(self.tender, document.sealed_name).decode()
        response = HttpResponse(
            sealing.open_bytes(self.tender, document.sealed_content),
            content_type=document.content_type,
        )
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        summary="The panel's scores of this bid",
        description="Every evaluator's score and justification, leaving out anyone who "
        "declared a conflict: what the panel moderates from.",
        responses=ScoreSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def scores(self, request, *args, **kwargs):
        bid = self.get_object()
        conflicted = PanelMember.objects.filter(tender=self.tender, has_conflict=True).values(
            "user_id"
        )
        scores = (
            Score.objects.filter(bid=bid)
            .exclude(evaluator_id__in=conflicted)
            .select_related("evaluator")
            .order_by("criterion_id", "evaluator__full_name", "id")
        )
        return Response(ScoreSerializer(scores, many=True).data)

    @extend_schema(
        summary="Record your score of this bid on one criterion",
        description="A score from 0 to 5 with its justification, on a quality or social value "
        "criterion, while the tender is in evaluation. Sending it again changes it, until the "
        "panel has moderated that criterion for the bid.",
        request=ScoreInputSerializer,
        responses={200: ScoreSerializer},
    )
    @scores.mapping.post
    def score(self, request, *args, **kwargs):
        bid = self.get_object()
        serializer = ScoreInputSerializer(data=request.data, context={"tender": self.tender})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with evaluation_errors(data["criterion"]):
            score = score_record(
                bid=bid,
                criterion=data["criterion"],
                actor=request.user,
                score=data["score"],
                justification=data["justification"],
            )
        score.evaluator = request.user
        return Response(ScoreSerializer(score).data, status=status.HTTP_200_OK)

    @extend_schema(
        summary="Record the panel's moderated score of this bid on one criterion",
        description="Once every panel member without a conflict has scored the criterion for "
        "this bid; it may be revised while the tender is in evaluation.",
        request=ModerationInputSerializer,
        responses=ModeratedScoreSerializer,
    )
    @action(detail=True, methods=["post"])
    def moderation(self, request, *args, **kwargs):
        bid = self.get_object()
        serializer = ModerationInputSerializer(data=request.data, context={"tender": self.tender})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with evaluation_errors(data["criterion"]):
            moderated = moderation_record(
                bid=bid,
                criterion=data["criterion"],
                actor=request.user,
                score=data["score"],
                rationale=data["rationale"],
            )
        moderated.moderated_by = request.user
        return Response(ModeratedScoreSerializer(moderated).data)
