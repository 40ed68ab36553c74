"""Tenders and commissioners in the API.

Anyone reads published tenders (and every later state); a commissioner's officers also read
their own drafts, and change their own tenders through the same services as the pages:
drafting, lots, criteria, the panel, publishing, cancelling, closing and evaluation. Providers
ask questions and officers answer them through the clarification services."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from core.api.views import PolicyViewSet
from core.permissions import Action, is_platform_staff

from ..models import Clarification, EvaluationCriterion, Lot, Tender
from ..permissions import api_tender_policy, public_commissioner_policy
from ..selectors import (
    api_tender_list_rows,
    api_tender_rows,
    public_tenders,
    tender_clarifications_for_officer,
)
from ..services import clarifications as clarification_services
from ..services import tenders as tender_services
from .filters_tenders import (
    CommissionerApiFilter,
    TenderApiFilter,
    TenderOrdering,
    with_sort_keys,
)
from .serializers_tenders import (
    AnswerInputSerializer,
    AskedClarificationSerializer,
    AskInputSerializer,
    CancelInputSerializer,
    CommissionerSerializer,
    CriterionInputSerializer,
    DocumentInputSerializer,
    DocumentSerializer,
    LotInputSerializer,
    LotSerializer,
    OfficerClarificationSerializer,
    PanelMemberInputSerializer,
    TenderCriterionSerializer,
    TenderDraftInputSerializer,
    TenderListItemSerializer,
    TenderPanelMemberSerializer,
    TenderSerializer,
)

READ, WRITE = "tenders:read", "tenders:write"
# A provider asking about a tender is a step towards its bid.
ASK_SCOPE = "bids:write"


class CommissionerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """The public bodies and communities that commission services: their public facts, and
    how many tenders each has published. Anyone may read them."""

    policy = public_commissioner_policy
    serializer_class = CommissionerSerializer
    filterset_class = CommissionerApiFilter
    ordering = ("name", "id")
    ordering_fields = ("name", "updated_at")
    anonymous_actions = ("list", "retrieve")
    required_scopes = {"*": None}

    def get_queryset(self):
        published = (
            public_tenders()
            .filter(commissioner=OuterRef("pk"))
            .order_by()
            .values("commissioner")
            .annotate(n=Count("id"))
            .values("n")
        )
        return self.visible_queryset().annotate(
            published_tenders=Coalesce(Subquery(published, output_field=IntegerField()), 0)
        )


@extend_schema_view(
    list=extend_schema(summary="Tenders: published ones, and your organisation's drafts"),
    retrieve=extend_schema(summary="A tender with its lots, criteria and published answers"),
)
class TenderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Tenders, from draft to contract. Anyone sees those that were published; officers also
    see their own organisation's drafts. The number of bids appears only after closing."""

    policy = api_tender_policy
    queryset = Tender.objects.all()
    serializer_class = TenderSerializer
    filterset_class = TenderApiFilter
    filter_backends = [DjangoFilterBackend, TenderOrdering]
    ordering = ("-id",)
    ordering_fields = ("published_at", "submission_deadline", "estimated_value", "updated_at")
    anonymous_actions = ("list", "retrieve")
    required_scopes = {
        "list": READ,
        "retrieve": READ,
        "clarifications": READ,
        "ask": ASK_SCOPE,
        "*": WRITE,
    }
    record_actions = {
        "partial_update": Action.CHANGE,
        "lots": Action.CHANGE,
        "remove_lot": Action.CHANGE,
        "criteria": Action.CHANGE,
        "remove_criterion": Action.CHANGE,
        "panel": Action.CHANGE,
        "documents": Action.CHANGE,
        "publish": Action.CHANGE,
        "cancel": Action.CHANGE,
        "close": Action.CHANGE,
        "start_evaluation": Action.CHANGE,
        "clarifications": Action.CHANGE,
        "answer": Action.CHANGE,
    }

    def get_serializer_class(self):
        if self.action == "list":
            return TenderListItemSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        user = self.request.user
        sees_drafts = is_platform_staff(user) or getattr(user, "is_commissioner_user", False)
        rows = api_tender_list_rows if self.action == "list" else api_tender_rows
        return with_sort_keys(rows(self.visible_queryset()), drafts=sees_drafts)

    def _rendered(self, tender, *, code=status.HTTP_200_OK):
        """The tender as it is now, read again with everything its representation shows."""
        fresh = self.get_queryset().get(pk=tender.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def _input(self, serializer_class, **kwargs):
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    # --- drafting -------------------------------------------------------------------------

    @extend_schema(request=TenderDraftInputSerializer, responses={201: TenderSerializer})
    def create(self, request):
        """Start a draft tender for your organisation."""
        fields = self._input(TenderDraftInputSerializer)
        tender = tender_services.tender_create_draft(actor=request.user, **fields)
        return self._rendered(tender, code=status.HTTP_201_CREATED)

    @extend_schema(request=TenderDraftInputSerializer, responses=TenderSerializer)
    def partial_update(self, request, pk=None):
        """Change a draft: only the fields sent change."""
        tender = self.get_object()
        changes = self._input(TenderDraftInputSerializer, partial=True)
        tender_services.tender_update_draft(tender=tender, actor=request.user, **changes)
        return self._rendered(tender)

    @extend_schema(request=LotInputSerializer, responses={201: LotSerializer})
    @action(detail=True, methods=["post"])
    def lots(self, request, pk=None):
        """Add a lot to a draft; lots are numbered in order."""
        tender = self.get_object()
        lot = tender_services.lot_add(
            tender=tender, actor=request.user, **self._input(LotInputSerializer)
        )
        return Response(LotSerializer(lot).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("lot_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=r"lots/(?P<lot_id>[0-9]+)")
    def remove_lot(self, request, pk=None, lot_id=None):
        """Remove a lot from a draft."""
        tender = self.get_object()
        lot = get_object_or_404(Lot.objects.select_related("tender"), tender=tender, pk=lot_id)
        tender_services.lot_remove(lot=lot, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=CriterionInputSerializer, responses={201: TenderCriterionSerializer})
    @action(detail=True, methods=["post"])
    def criteria(self, request, pk=None):
        """Add an evaluation criterion to a draft; the weights must come to 100%."""
        tender = self.get_object()
        criterion = tender_services.criterion_add(
            tender=tender, actor=request.user, **self._input(CriterionInputSerializer)
        )
        return Response(TenderCriterionSerializer(criterion).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("criterion_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=r"criteria/(?P<criterion_id>[0-9]+)")
    def remove_criterion(self, request, pk=None, criterion_id=None):
        """Remove an evaluation criterion from a draft."""
        tender = self.get_object()
        criterion = get_object_or_404(
            EvaluationCriterion.objects.select_related("tender"), tender=tender, pk=criterion_id
        )
        tender_services.criterion_remove(criterion=criterion, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=PanelMemberInputSerializer, responses={201: TenderPanelMemberSerializer})
    @action(detail=True, methods=["post"])
    def panel(self, request, pk=None):
        """Add a colleague to the evaluation panel (before evaluation starts)."""
        tender = self.get_object()
        member = self._input(PanelMemberInputSerializer)["member"]
        panel_member = tender_services.panel_member_add(
            tender=tender, actor=request.user, member=member
        )
        return Response(
            TenderPanelMemberSerializer(panel_member).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=DocumentInputSerializer, responses={201: DocumentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request, pk=None):
        """Upload a tender document (multipart/form-data), before the tender closes. Its type
        is judged by its content, not its name."""
        tender = self.get_object()
        fields = self._input(DocumentInputSerializer)
        document = tender_services.tender_document_add(
            tender=tender, actor=request.user, title=fields["title"], uploaded_file=fields["file"]
        )
        return Response(
            DocumentSerializer(document, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    # --- moving through the state machine ---------------------------------------------------

    @extend_schema(request=None, responses=TenderSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a draft. What stops it comes back as 400, by field."""
        tender = tender_services.tender_publish(tender=self.get_object(), actor=request.user)
        return self._rendered(tender)

    @extend_schema(request=CancelInputSerializer, responses=TenderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the tender, giving the reason (published with it)."""
        tender = self.get_object()
        reason = self._input(CancelInputSerializer)["reason"]
        tender = tender_services.tender_cancel(tender=tender, actor=request.user, reason=reason)
        return self._rendered(tender)

    @extend_schema(request=None, responses=TenderSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a tender whose submission deadline has passed, opening its bids to the panel
        (the platform also does this on its own shortly after the deadline)."""
        tender = tender_services.tender_close(tender=self.get_object(), actor=request.user)
        return self._rendered(tender)

    @extend_schema(request=None, responses=TenderSerializer)
    @action(detail=True, methods=["post"], url_path="start-evaluation")
    def start_evaluation(self, request, pk=None):
        """Start evaluating a closed tender's bids."""
        tender = tender_services.tender_start_evaluation(
            tender=self.get_object(), actor=request.user
        )
        return self._rendered(tender)

    # --- clarifications -------------------------------------------------------------------

    @extend_schema(
        summary="Every question on the tender (its officers only)",
        request=None,
        responses=OfficerClarificationSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def clarifications(self, request, pk=None):
        """The tender's questions, unanswered first, with the provider that asked: for its
        officers. Everyone else reads the published answers in the tender itself."""
        questions = tender_clarifications_for_officer(self.get_object())
        return Response(OfficerClarificationSerializer(questions, many=True).data)

    @extend_schema(
        summary="Ask a question about a published tender (providers)",
        request=AskInputSerializer,
        responses={201: AskedClarificationSerializer},
    )
    @clarifications.mapping.post
    def ask(self, request, pk=None):
        """Ask the commissioner a question before the clarification deadline. The answer is
        published to every provider; who asked is never shown."""
        tender = self.get_object()
        question = self._input(AskInputSerializer)["question"]
        clarification = clarification_services.clarification_ask(
            tender=tender, actor=request.user, question=question
        )
        return Response(
            AskedClarificationSerializer(clarification).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=AnswerInputSerializer,
        responses=OfficerClarificationSerializer,
        parameters=[OpenApiParameter("clarification_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"clarifications/(?P<clarification_id>[0-9]+)/answer",
    )
    def answer(self, request, pk=None, clarification_id=None):
        """Answer a question; published at once to every provider unless `publish` is false."""
        tender = self.get_object()
        clarification = get_object_or_404(
            Clarification.objects.select_related("tender"), tender=tender, pk=clarification_id
        )
        fields = self._input(AnswerInputSerializer)
        clarification = clarification_services.clarification_answer(
            clarification=clarification, actor=request.user, **fields
        )
        clarification = tender_clarifications_for_officer(tender).get(pk=clarification.pk)
        return Response(OfficerClarificationSerializer(clarification).data)
