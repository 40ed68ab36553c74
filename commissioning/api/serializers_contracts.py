"""Contracts, their KPIs and KPI returns, reviews, renewal decisions and extensions in the API.

Output serializers show a contract's public facts to anyone (as the public contract pages do)
and its management details only to its parties; input serializers parse what a client sends
and leave every rule to the services.
"""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import StrictSerializer

from ..choices import ReportingFrequency
from ..models import (
    Contract,
    ContractExtension,
    ContractReview,
    Kpi,
    KpiResult,
    RenewalDecision,
    RenewalRecommendation,
)
from ..permissions import is_contract_party

MAX_KPIS = 50


# --- references ---------------------------------------------------------------------------


class ContractCommissionerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    identifier = serializers.CharField()


class ContractProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    size_band = serializers.CharField()
    size_band_label = serializers.CharField(source="get_size_band_display")
    is_vcse = serializers.BooleanField()


class ContractTenderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()


class ContractLotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()


# --- KPIs ---------------------------------------------------------------------------------


class KpiSerializer(serializers.ModelSerializer):
    class Meta:
        model = Kpi
        fields = ["id", "name", "target", "unit", "higher_is_better", "reporting_frequency"]
        read_only_fields = fields


class LatestResultSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    value = serializers.DecimalField(max_digits=12, decimal_places=2)
    rating = serializers.CharField()


class KpiWithLatestSerializer(KpiSerializer):
    """A KPI with its latest result, as the public contract page shows it. The view prefetches
    the results newest first into `latest_results`."""

    latest_result = serializers.SerializerMethodField()

    class Meta(KpiSerializer.Meta):
        fields = [*KpiSerializer.Meta.fields, "latest_result"]
        read_only_fields = fields

    @extend_schema_field(LatestResultSerializer(allow_null=True))
    def get_latest_result(self, kpi):
        results = getattr(kpi, "latest_results", None)
        if results is None:
            results = list(kpi.results.order_by("-period_start")[:1])
        return LatestResultSerializer(results[0]).data if results else None


# --- contracts ----------------------------------------------------------------------------


class ContractManagementSerializer(serializers.Serializer):
    """What the contract's parties (and staff) see beyond the public facts."""

    review_frequency_months = serializers.IntegerField()
    renewal_notice_months = serializers.IntegerField()
    next_review_on = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()


class ContractSerializer(serializers.ModelSerializer):
    """A contract's public facts, as the contract register and public pages show them; plus
    `management`, for the contract's parties only (null for everyone else)."""

    reference = serializers.CharField(read_only=True)
    commissioner = ContractCommissionerSerializer(read_only=True)
    provider = ContractProviderSerializer(read_only=True)
    tender = ContractTenderSerializer(read_only=True)
    lot = ContractLotSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    escalation_label = serializers.SerializerMethodField()
    kpis = KpiSerializer(many=True, read_only=True)
    management = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "reference",
            "title",
            "commissioner",
            "provider",
            "tender",
            "lot",
            "value",
            "start_date",
            "end_date",
            "extension_options_remaining",
            "notice_period_days",
            "status",
            "status_label",
            "escalation_level",
            "escalation_label",
            "partners",
            "kpis",
            "management",
            "updated_at",
        ]
        read_only_fields = fields

    def get_escalation_label(self, contract) -> str:
        # Imported here: accountability depends on commissioning, not the other way round.
        from accountability.choices import EscalationLevel

        return EscalationLevel(contract.escalation_level).label

    @extend_schema_field(ContractManagementSerializer(allow_null=True))
    def get_management(self, contract):
        request = self.context.get("request")
        if request is None or not is_contract_party(request.user, contract):
            return None
        return ContractManagementSerializer(contract).data


class ContractDetailSerializer(ContractSerializer):
    kpis = KpiWithLatestSerializer(many=True, read_only=True)


class ContractKpiInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200)
    target = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("-9999999999.99"),
        max_value=Decimal("9999999999.99"),
    )
    unit = serializers.CharField(max_length=50)
    higher_is_better = serializers.BooleanField(default=True)
    reporting_frequency = serializers.ChoiceField(
        choices=ReportingFrequency.choices, default=ReportingFrequency.QUARTERLY
    )


class ContractCreateSerializer(StrictSerializer):
    """The contract for an awarded lot, once its standstill is over (contract_create)."""

    award = serializers.IntegerField(
        min_value=1, help_text="The id of the award (the lot's award decision)."
    )
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    notice_period_days = serializers.IntegerField(min_value=0, max_value=3650)
    kpis = ContractKpiInputSerializer(many=True, required=False, max_length=MAX_KPIS)


# --- KPI returns --------------------------------------------------------------------------


class KpiReturnSerializer(serializers.ModelSerializer):
    """A provider's return: its figure for one KPI and period, rated against the target;
    `is_late` when it came after its due date."""

    kpi = serializers.PrimaryKeyRelatedField(read_only=True)
    kpi_name = serializers.CharField(source="kpi.name", read_only=True)
    rating_label = serializers.CharField(source="get_rating_display", read_only=True)
    is_late = serializers.SerializerMethodField()

    class Meta:
        model = KpiResult
        fields = [
            "id",
            "kpi",
            "kpi_name",
            "period_start",
            "period_end",
            "value",
            "rating",
            "rating_label",
            "due_on",
            "submitted_at",
            "is_late",
        ]
        read_only_fields = fields

    def get_is_late(self, result) -> bool:
        # As selectors_kpis.ReturnRow.is_late judges it.
        return result.due_on is not None and result.submitted_at.date() > result.due_on


class KpiReturnSubmitSerializer(StrictSerializer):
    kpi = serializers.PrimaryKeyRelatedField(
        queryset=Kpi.objects.none(), help_text="The id of one of the contract's KPIs."
    )
    period_start = serializers.DateField(
        help_text="The first day of an ended reporting period of the KPI."
    )
    value = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("-9999999999.99"),
        max_value=Decimal("9999999999.99"),
    )

    def __init__(self, *args, contract=None, **kwargs):
        super().__init__(*args, **kwargs)
        if contract is not None:
            self.fields["kpi"].queryset = Kpi.objects.filter(contract=contract).select_related(
                "contract"
            )


# --- reviews ------------------------------------------------------------------------------


class ContractReviewSerializer(serializers.ModelSerializer):
    rating_label = serializers.CharField(source="get_rating_display", read_only=True)
    signed_off_by = serializers.CharField(
        source="signed_off_by.full_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ContractReview
        fields = [
            "id",
            "contract",
            "period_start",
            "period_end",
            "due_on",
            "rating",
            "rating_label",
            "kpis_met",
            "kpis_near_miss",
            "kpis_missed",
            "kpi_returns_missing",
            "complaints_received",
            "complaints_upheld",
            "escalation_triggers_fired",
            "social_value_committed",
            "social_value_delivered",
            "comments",
            "signed_off_by",
            "signed_off_at",
            "created_at",
        ]
        read_only_fields = fields


class ReviewSignOffSerializer(StrictSerializer):
    comments = serializers.CharField(max_length=20000, allow_blank=True)
    social_value_delivered = serializers.CharField(max_length=20000, allow_blank=True)


# --- renewal decisions and extensions -------------------------------------------------------


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractExtension
        fields = ["id", "renewal", "previous_end_date", "new_end_date", "months", "approved_at"]
        read_only_fields = fields


class RenewalDecisionSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    # Blank until the officer decides.
    decision = serializers.ChoiceField(
        choices=RenewalRecommendation.choices, allow_blank=True, read_only=True
    )
    decided_by = serializers.CharField(
        source="decided_by.full_name", read_only=True, allow_null=True, default=None
    )
    extension = serializers.SerializerMethodField()

    class Meta:
        model = RenewalDecision
        fields = [
            "id",
            "contract",
            "end_date",
            "opened_on",
            "due_on",
            "recommendation",
            "recommendation_reasons",
            "status",
            "status_label",
            "decision",
            "decision_reason",
            "decided_by",
            "decided_at",
            "reminders_sent",
            "escalated_on",
            "extension",
        ]
        read_only_fields = fields

    @extend_schema_field(ExtensionSerializer(allow_null=True))
    def get_extension(self, renewal):
        try:
            extension = renewal.extension
        except ContractExtension.DoesNotExist:
            return None
        return ExtensionSerializer(extension).data


class RenewalDecideSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=RenewalRecommendation.choices)
    reason = serializers.CharField(
        max_length=5000,
        allow_blank=True,
        required=False,
        default="",
        help_text="Required when the decision is not the recommendation.",
    )
