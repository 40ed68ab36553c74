"""Contracts in the API: the public list and detail (open data), making a contract from an
award, and under each contract its KPIs, KPI returns, reviews, renewal decisions and
extensions.

Every write calls the service the pages call (contract_create, kpi_return_submit,
review_sign_off, renewal_decide): the same rules, audit entries and permission checks.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import ApiScope
from core.api.filters import StrictOrderingFilter as OrderingFilter
from core.api.views import PolicyViewSet
from core.permissions import Action

from ..models import (
    Award,
    Contract,
    ContractExtension,
    ContractReview,
    Kpi,
    KpiResult,
    RenewalDecision,
)
from ..permissions import (
    SIGN_OFF,
    contract_kpis_policy,
    contract_party_policy,
    contract_policy,
    contract_review_policy,
    extension_policy,
    kpi_public_policy,
    kpi_result_policy,
    renewal_policy,
    tenders_visible_to,
)
from ..services.contracts import contract_create
from ..services.kpis import kpi_return_submit
from ..services.renewals import renewal_decide
from ..services.reviews import review_sign_off
from .filters_contracts import (
    ContractFilter,
    KpiFilter,
    KpiReturnFilter,
    RenewalDecisionFilter,
    ReviewFilter,
)
from .serializers_contracts import (
    ContractCreateSerializer,
    ContractDetailSerializer,
    ContractReviewSerializer,
    ContractSerializer,
    ExtensionSerializer,
    KpiReturnSerializer,
    KpiReturnSubmitSerializer,
    KpiWithLatestSerializer,
    RenewalDecideSerializer,
    RenewalDecisionSerializer,
    ReviewSignOffSerializer,
)

READ = {"*": ApiScope.CONTRACTS_READ}
CONTRACT_PK = OpenApiParameter(
    "contract_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The contract's id."
)


def _latest_results():
    return Prefetch(
        "results", queryset=KpiResult.objects.order_by("-period_start"), to_attr="latest_results"
    )


class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Every contract, as open data: commissioner, provider (with its kind and size band),
    tender and lot, value, dates, status, extension options and escalation level. The
    contract's parties also see its `management` details. Officers make a contract from an
    award once its standstill is over."""

    policy = contract_policy
    queryset = Contract.objects.select_related(
        "commissioner", "provider", "tender", "lot"
    ).prefetch_related(Prefetch("kpis", queryset=Kpi.objects.order_by("id")))
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    ordering = ("-start_date", "-id")
    ordering_fields = ("start_date", "end_date", "value", "updated_at", "id")
    required_scopes = {"create": ApiScope.CONTRACTS_WRITE, "*": ApiScope.CONTRACTS_READ}
    anonymous_actions = ("list", "retrieve")

    def get_queryset(self):
        if getattr(self, "action", None) == "retrieve":
            return self.detail_queryset()
        return super().get_queryset()

    def detail_queryset(self):
        """The detail shows each KPI's latest result, as the public contract page does."""
        kpis = Kpi.objects.order_by("id").prefetch_related(_latest_results())
        return (
            super()
            .get_queryset()
            .prefetch_related(None)
            .prefetch_related(Prefetch("kpis", queryset=kpis))
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ContractDetailSerializer
        if self.action == "create":
            return ContractCreateSerializer
        return ContractSerializer

    def _award_for(self, award_id) -> Award:
        """The award, among those on the caller's organisation's tenders: any other id is
        answered as unknown, so awards of other organisations cannot be probed."""
        award = (
            Award.objects.filter(lot__tender__in=tenders_visible_to(self.request.user))
            .select_related("lot__tender", "bid")
            .filter(pk=award_id)
            .first()
        )
        if award is None:
            raise exceptions.ValidationError(
                {"award": ["There is no award with this id on your organisation's tenders."]}
            )
        return award

    @extend_schema(request=ContractCreateSerializer, responses={201: ContractDetailSerializer})
    def create(self, request):
        if not getattr(request.user, "is_commissioner_user", False):
            raise PermissionDenied("Only a commissioner's officers make contracts.")
        serializer = ContractCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        contract = contract_create(
            award=self._award_for(data["award"]),
            actor=request.user,
            start_date=data["start_date"],
            end_date=data["end_date"],
            notice_period_days=data["notice_period_days"],
            kpis=[dict(kpi) for kpi in data.get("kpis", [])],
        )
        contract = self.detail_queryset().get(pk=contract.pk)
        body = ContractDetailSerializer(contract, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


class ContractChildViewSet(PolicyViewSet):
    """Base for the lists under /contracts/{contract_pk}/: the contract must be one the
    caller may see through `contract_lookup_policy` (404 otherwise), and only its rows are
    listed."""

    contract_lookup_policy = contract_party_policy
    contract_field = "contract_id"
    required_scopes = READ

    @cached_property
    def contract(self) -> Contract:
        return self.contract_lookup_policy.get_for(self.request.user, self.kwargs["contract_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        return super().get_queryset().filter(**{self.contract_field: self.contract.pk})


@extend_schema(parameters=[CONTRACT_PK])
class ContractKpiViewSet(mixins.ListModelMixin, ContractChildViewSet):
    """The contract's KPIs with their latest results: public, as on the contract page."""

    policy = kpi_public_policy
    contract_lookup_policy = contract_policy
    queryset = Kpi.objects.prefetch_related(_latest_results())
    serializer_class = KpiWithLatestSerializer
    filterset_class = KpiFilter
    ordering = ("id",)
    ordering_fields = ("id", "name")
    anonymous_actions = ("list",)


@extend_schema(parameters=[CONTRACT_PK])
class ContractKpiReturnViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ContractChildViewSet
):
    """The provider's KPI returns on the contract, each rated met, near miss or missed and
    flagged when late; seen by the contract's parties. The provider submits a return for an
    ended reporting period, once."""

    policy = kpi_result_policy
    contract_field = "kpi__contract_id"
    queryset = KpiResult.objects.select_related("kpi")
    serializer_class = KpiReturnSerializer
    filterset_class = KpiReturnFilter
    ordering = ("-period_start", "-id")
    ordering_fields = ("period_start", "submitted_at", "id")
    required_scopes = {"create": ApiScope.CONTRACTS_WRITE, "*": ApiScope.CONTRACTS_READ}

    @extend_schema(request=KpiReturnSubmitSerializer, responses={201: KpiReturnSerializer})
    def create(self, request, contract_pk=None):
        serializer = KpiReturnSubmitSerializer(data=request.data, contract=self.contract)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = kpi_return_submit(
            kpi=data["kpi"],
            actor=request.user,
            period_start=data["period_start"],
            value=data["value"],
        )
        result = self.get_queryset().get(pk=result.pk)
        return Response(KpiReturnSerializer(result).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[CONTRACT_PK])
class ContractReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ContractChildViewSet):
    """The contract's periodic reviews, for the commissioner's users; its officers sign each
    review off once."""

    policy = contract_review_policy
    contract_lookup_policy = contract_kpis_policy
    queryset = ContractReview.objects.select_related("contract", "signed_off_by")
    serializer_class = ContractReviewSerializer
    filterset_class = ReviewFilter
    ordering = ("-period_end", "-id")
    ordering_fields = ("period_end", "due_on", "id")
    record_actions = {"sign_off": SIGN_OFF}
    required_scopes = {"sign_off": ApiScope.CONTRACTS_WRITE, "*": ApiScope.CONTRACTS_READ}

    @extend_schema(request=ReviewSignOffSerializer, responses=ContractReviewSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, contract_pk=None, pk=None):
        # The contract's provider knows the contract but may not sign off its reviews: 403,
        # whatever the review id, so it learns nothing about the reviews.
        if (
            getattr(request.user, "is_provider_user", False)
            and Contract.objects.filter(
                pk=contract_pk, provider_id=request.user.provider_id
            ).exists()
        ):
            raise PermissionDenied(contract_review_policy.refusals[SIGN_OFF])
        review = self.get_object()
        serializer = ReviewSignOffSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = review_sign_off(review=review, actor=request.user, **serializer.validated_data)
        review = self.get_queryset().get(pk=review.pk)
        return Response(ContractReviewSerializer(review).data)


@extend_schema(parameters=[CONTRACT_PK])
class ContractRenewalDecisionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ContractChildViewSet
):
    """The contract's renewal decisions, for the commissioner's users: the recommendation and
    its reasons, and the decision once made (with the extension it approved). Officers decide
    an open one: extend, re-procure, bring in-house or decommission."""

    policy = renewal_policy
    contract_lookup_policy = contract_kpis_policy
    queryset = RenewalDecision.objects.select_related("decided_by", "extension")
    serializer_class = RenewalDecisionSerializer
    filterset_class = RenewalDecisionFilter
    ordering = ("-end_date", "-id")
    ordering_fields = ("end_date", "due_on", "id")
    record_actions = {"decide": Action.CHANGE}
    required_scopes = {"decide": ApiScope.CONTRACTS_WRITE, "*": ApiScope.CONTRACTS_READ}

    @extend_schema(request=RenewalDecideSerializer, responses=RenewalDecisionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, contract_pk=None, pk=None):
        renewal = self.get_object()
        serializer = RenewalDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        renewal = renewal_decide(renewal=renewal, actor=request.user, **serializer.validated_data)
        renewal = self.get_queryset().get(pk=renewal.pk)
        return Response(RenewalDecisionSerializer(renewal).data)


@extend_schema(parameters=[CONTRACT_PK])
class ContractExtensionViewSet(mixins.ListModelMixin, ContractChildViewSet):
    """The contract's extensions, oldest first: each end date before and after, and the
    months of the option used. Seen by the contract's parties."""

    policy = extension_policy
    queryset = ContractExtension.objects.all()
    serializer_class = ExtensionSerializer
    filter_backends = [OrderingFilter]
    ordering = ("approved_at", "id")
    ordering_fields = ("approved_at", "id")
