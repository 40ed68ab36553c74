"""Tender amendments in the API: `GET /api/v1/tenders/{id}/amendments/` (anyone, for a tender
they can see) and `POST` (the tender's officers, scope tenders:write), through the same
`tender_amend` service as the officer's page."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from core.api.filters import IsoDateTimeFilter
from core.api.serializers import StrictSerializer
from core.api.views import PolicyViewSet
from core.permissions import Action

from ..models import TenderAmendment
from ..ocds import build
from ..permissions import api_tender_policy
from ..services.amendments import ESTIMATED_VALUE_MAX, RATIONALE_MAX, tender_amend


class AmendmentChangeSerializer(serializers.Serializer):
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class TenderAmendmentSerializer(serializers.ModelSerializer):
    tender = serializers.IntegerField(source="tender_id", read_only=True)
    changes = serializers.DictField(child=AmendmentChangeSerializer())
    ocds_release_id = serializers.SerializerMethodField()

    class Meta:
        model = TenderAmendment
        fields = ["id", "tender", "rationale", "changes", "amended_at", "ocds_release_id"]
        read_only_fields = fields

    def get_ocds_release_id(self, amendment) -> str:
        """The OCDS release (tag tenderAmendment) that publishes this amendment."""
        ocid = self.context.get("ocid") or build.ocid_for(amendment.tender)
        return f"{ocid}-amendment-{amendment.pk}"


class TenderAmendmentInputSerializer(StrictSerializer):
    rationale = serializers.CharField(max_length=RATIONALE_MAX)
    submission_deadline = serializers.DateTimeField(required=False)
    clarification_deadline = serializers.DateTimeField(required=False)
    description = serializers.CharField(required=False, max_length=20000)
    estimated_value = serializers.DecimalField(
        required=False, max_digits=14, decimal_places=2, min_value=0, max_value=ESTIMATED_VALUE_MAX
    )


class TenderAmendmentFilter(django_filters.FilterSet):
    amended_since = IsoDateTimeFilter(
        field_name="amended_at", lookup_expr="gte", help_text="Amended at or after (ISO 8601)"
    )

    class Meta:
        model = TenderAmendment
        fields = ["amended_since"]


@extend_schema_view(
    list=extend_schema(summary="A tender's amendments, newest first"),
    create=extend_schema(
        summary="Amend a published tender",
        request=TenderAmendmentInputSerializer,
        responses={201: TenderAmendmentSerializer},
    ),
)
class TenderAmendmentViewSet(mixins.ListModelMixin, PolicyViewSet):
    """Amendments to a published tender: a later deadline, a corrected description, a revised
    value, each with its reason. Each is published in OCDS as a `tenderAmendment` release."""

    policy = api_tender_policy
    serializer_class = TenderAmendmentSerializer
    filterset_class = TenderAmendmentFilter
    ordering = ("-amended_at", "-id")
    anonymous_actions = ("list",)
    required_scopes = {"list": None, "create": "tenders:write"}

    def tender(self, action=Action.VIEW):
        return self.policy.get_for(self.request.user, self.kwargs["tender_id"], action)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TenderAmendment.objects.none()
        return TenderAmendment.objects.filter(tender=self.tender())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "tender_id" in self.kwargs and not getattr(self, "swagger_fake_view", False):
            context["ocid"] = build.ocid_for(self.tender())
        return context

    def create(self, request, tender_id=None):
        tender = self.tender(Action.CHANGE)
        data = TenderAmendmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        amendment = tender_amend(tender=tender, actor=request.user, **data.validated_data)
        context = {"ocid": build.ocid_for(tender)}
        return Response(
            TenderAmendmentSerializer(amendment, context=context).data,
            status=status.HTTP_201_CREATED,
        )
