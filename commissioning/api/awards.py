"""`/api/v1/awards/`: award decisions, public to read; made by the commissioner's officers.

Reading: the lot, its tender and commissioner, the winning provider, the value (the winning
bid's opened price), the decision's date and the standstill's end. Never a losing bid's price
and never any scores: those stay in the evaluation and the bidders' own feedback.

Making: `POST /api/v1/awards/` with the lot, the bid (or null to not award) and a reason when
one is needed, through `award_make`: the same checks as the award page (the tender is in
evaluation, every bid moderated, an officer of the commissioner without a conflict).
"""

from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from core.api.views import PolicyViewSet

from ..choices import TenderStatus
from ..models import Lot
from ..permissions import award_policy, bids_visible_to, tenders_visible_to
from ..selectors_evaluation import public_awards
from ..services.awards import award_make
from .bids import state_errors_as_conflicts
from .filters_bids import AwardFilter
from .serializers_bids import AwardInputSerializer, AwardSerializer


@extend_schema_view(
    list=extend_schema(summary="Award decisions"),
    retrieve=extend_schema(summary="One award decision"),
)
class AwardViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Award decisions on lots: public facts, readable without a key."""

    policy = award_policy
    queryset = public_awards()
    serializer_class = AwardSerializer
    filterset_class = AwardFilter
    ordering = ("-id",)
    ordering_fields = ("id", "decided_at")
    anonymous_actions = ("list", "retrieve")
    required_scopes = {"list": None, "retrieve": None, "create": "awards:write"}
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(
        summary="Decide a lot: award it, or not",
        description="Awards the lot to `bid` (the top-ranked bid, or another with a reason), "
        "or with `bid` null and a reason does not award it. Starts the 8 working day "
        "standstill. 409 when the tender is not in evaluation, the lot was already decided "
        "or a bid is not yet fully moderated.",
        request=AwardInputSerializer,
        responses={201: AwardSerializer},
    )
    def create(self, request, *args, **kwargs):
        user = request.user
        # Lots of published tenders are public; a draft's are its own officers' only.
        lots = Lot.objects.filter(
            ~Q(tender__status=TenderStatus.DRAFT) | Q(tender__in=tenders_visible_to(user))
        ).select_related("tender")
        serializer = AwardInputSerializer(
            data=request.data, lots=lots, bids=bids_visible_to(user).select_related("provider")
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with state_errors_as_conflicts(lambda error: True):
            award = award_make(
                lot=data["lot"],
                actor=user,
                bid=data.get("bid"),
                reason=data.get("reason", ""),
            )
        award = self.get_queryset().get(pk=award.pk)
        return Response(self.get_serializer(award).data, status=status.HTTP_201_CREATED)
