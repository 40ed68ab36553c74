"""What the API shows of tenders and commissioners, and what it accepts to change a tender.

Output serializers render rows from `selectors.api_tender_rows`; input serializers only parse
and check shapes (types, lengths, ranges, ids that exist): the services apply the rules."""

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework import serializers

from accounts.models import User
from core.api.serializers import StrictInputMixin, StrictSerializer
from core.permissions import is_platform_staff

from ..choices import CriterionKind, LotReservation
from ..models import (
    Clarification,
    CommissionerOrganisation,
    CpvCode,
    EvaluationCriterion,
    Lot,
    PanelMember,
    Tender,
    TenderDocument,
)
from ..services.clarifications import ANSWER_MAX, QUESTION_MAX
from ..services.tenders import DRAFT_FIELDS

# --- output -------------------------------------------------------------------------------


class OptionalUrlField(serializers.URLField):
    """A URL the record may not have: null rather than "" (which is not a URI)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


class CpvSerializer(serializers.ModelSerializer):
    class Meta:
        model = CpvCode
        fields = ["code", "description"]


class TenderCommissionerSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissionerOrganisation
        fields = ["id", "name", "identifier"]


class CommissionerSerializer(serializers.ModelSerializer):
    website = OptionalUrlField()
    published_tenders = serializers.IntegerField(
        read_only=True, help_text="How many tenders it has published"
    )
    tenders_url = serializers.SerializerMethodField()

    class Meta:
        model = CommissionerOrganisation
        fields = [
            "id",
            "name",
            "kind",
            "identifier",
            "region",
            "website",
            "published_tenders",
            "tenders_url",
            "updated_at",
        ]
        read_only_fields = fields

    def get_tenders_url(self, commissioner) -> str:
        url = f"{reverse('api-tender-list')}?commissioner={commissioner.pk}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class LotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lot
        fields = ["id", "number", "title", "description", "estimated_value", "reservation"]
        read_only_fields = fields


class TenderCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EvaluationCriterion
        fields = ["id", "kind", "title", "guidance", "weight"]
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = TenderDocument
        fields = ["id", "title", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, document) -> str:
        url = reverse("tenders:document", args=[document.tender_id, document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class PublishedClarificationSerializer(serializers.ModelSerializer):
    """A question and its published answer. Who asked is never shown."""

    class Meta:
        model = Clarification
        fields = ["id", "question", "answer", "published_at"]
        read_only_fields = fields


class TenderSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    commissioner = TenderCommissionerSerializer(read_only=True)
    main_cpv = CpvSerializer(read_only=True, allow_null=True)
    additional_cpvs = CpvSerializer(many=True, read_only=True)
    lots = LotSerializer(many=True, read_only=True)
    criteria = TenderCriterionSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    clarifications = PublishedClarificationSerializer(
        many=True, read_only=True, source="published_clarifications"
    )
    social_value_exemption_reason = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="Why social value carries less than 10% of the marks: shown only to the "
        "commissioner's own users (null for everyone else)",
    )
    bids_received = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="How many bids it received: null until the tender has closed",
    )

    class Meta:
        model = Tender
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "status",
            "commissioner",
            "main_cpv",
            "additional_cpvs",
            "region",
            "procedure",
            "estimated_value",
            "contract_term_months",
            "extension_option_months",
            "clarification_deadline",
            "submission_deadline",
            "published_at",
            "closed_at",
            "cancellation_reason",
            "social_value_exemption_reason",
            "bids_received",
            "lots",
            "criteria",
            "documents",
            "clarifications",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, tender):
        data = super().to_representation(tender)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        own = is_platform_staff(user) if user is not None else False
        own = own or getattr(user, "commissioner_id", None) == tender.commissioner_id
        if not own:
            # The officers' internal justification, not shown on the public page either.
            data["social_value_exemption_reason"] = None
        return data


class TenderPanelMemberSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="user_id", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = PanelMember
        fields = ["id", "member", "full_name", "declared_at"]
        read_only_fields = fields


class AskingProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OfficerClarificationSerializer(serializers.ModelSerializer):
    """Every question on a tender, for its officers, who may know which provider asked."""

    asked_by_provider = AskingProviderSerializer(read_only=True)
    published = serializers.SerializerMethodField()

    class Meta:
        model = Clarification
        fields = [
            "id",
            "question",
            "asked_at",
            "asked_by_provider",
            "answer",
            "published",
            "published_at",
        ]
        read_only_fields = fields

    def get_published(self, clarification) -> bool:
        return clarification.published_at is not None


class AskedClarificationSerializer(serializers.ModelSerializer):
    """The asking provider's view of its own question."""

    class Meta:
        model = Clarification
        fields = ["id", "question", "asked_at", "published_at"]
        read_only_fields = fields


# --- input --------------------------------------------------------------------------------


class TenderDraftInputSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A draft's fields, as the officer's form takes them; the service validates the rest."""

    main_cpv = serializers.PrimaryKeyRelatedField(
        queryset=CpvCode.objects.all(), allow_null=True, required=False
    )
    extension_option_months = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=120),
        max_length=10,
        required=False,
        help_text="Each extension option, in months: [12, 12] for a 2+1+1 contract",
    )

    class Meta:
        model = Tender
        fields = list(DRAFT_FIELDS)
        extra_kwargs = {
            "clarification_deadline": {"required": False},
            "submission_deadline": {"required": False},
        }

    def validate(self, attrs):
        attrs = super().validate(attrs)
        clarification = attrs.get("clarification_deadline")
        submission = attrs.get("submission_deadline")
        if clarification and submission and clarification >= submission:
            raise serializers.ValidationError(
                {
                    "clarification_deadline": [
                        "Clarifications must close before the submission deadline"
                    ]
                }
            )
        return attrs


class LotInputSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    estimated_value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    reservation = serializers.ChoiceField(
        choices=LotReservation.choices, required=False, allow_blank=True, default=""
    )


class CriterionInputSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=CriterionKind.choices)
    title = serializers.CharField(max_length=200)
    weight = serializers.IntegerField(min_value=1, max_value=100)
    guidance = serializers.CharField(required=False, allow_blank=True, default="")


class PanelMemberInputSerializer(StrictSerializer):
    member = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        help_text="The id of a colleague in the tender's organisation",
    )


class DocumentInputSerializer(StrictSerializer):
    title = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Default: the file name",
    )
    file = serializers.FileField(
        help_text="PDF, Word, Excel, OpenDocument, CSV, text, PNG or JPEG, up to 10 MB"
    )


class CancelInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=4000, help_text="Why the tender is cancelled")


class AskInputSerializer(StrictSerializer):
    question = serializers.CharField(max_length=QUESTION_MAX)


class AnswerInputSerializer(StrictSerializer):
    answer = serializers.CharField(max_length=ANSWER_MAX)
    publish = serializers.BooleanField(
        default=True, help_text="Publish to every provider now (false keeps a draft answer)"
    )


# --- the list's items ---------------------------------------------------------------------
# A list page carries up to 200 tenders; DRF's field-by-field rendering of the full nested
# representation cost several times the database work (bench/bench_api.py). List items are
# the summary an integrator scans (the detail adds criteria, documents and answers), rendered
# straight from the row by one function; the declared fields describe the same shape to the
# schema, and a test checks that the two agree.


def _datetime(value, zone) -> str | None:
    """As DRF renders datetimes (in the site's time zone, ISO 8601, UTC as "Z"), without its
    per-value time-zone lookups: the rows come from PostgreSQL, always aware."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _money(value) -> str | None:
    # numeric(14, 2) arrives with its two places: "125000.00", as DRF's DecimalField renders.
    return None if value is None else str(value)


class LotSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    estimated_value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    reservation = serializers.ChoiceField(choices=LotReservation.choices)


class TenderListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Tender._meta.get_field("status").choices)
    commissioner = TenderCommissionerSerializer(read_only=True)
    main_cpv = CpvSerializer(read_only=True, allow_null=True)
    region = serializers.ChoiceField(choices=Tender._meta.get_field("region").choices)
    procedure = serializers.ChoiceField(choices=Tender._meta.get_field("procedure").choices)
    estimated_value = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, allow_null=True
    )
    contract_term_months = serializers.IntegerField(read_only=True, allow_null=True)
    extension_option_months = serializers.ListField(
        child=serializers.IntegerField(), read_only=True
    )
    clarification_deadline = serializers.DateTimeField(read_only=True, allow_null=True)
    submission_deadline = serializers.DateTimeField(read_only=True, allow_null=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    bids_received = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="How many bids it received: null until the tender has closed",
    )
    lots = LotSummarySerializer(many=True, read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    url = serializers.URLField(read_only=True, help_text="The tender's full record")

    def to_representation(self, row):
        """`row` is a dict from selectors.api_tender_list_rows."""
        zone = self._zone
        return {
            "id": row["id"],
            "reference": f"CM-T-{row['id']:06d}",
            "title": row["title"],
            "description": row["description"],
            "status": row["status"],
            "commissioner": {
                "id": row["commissioner_id"],
                "name": row["commissioner_name"],
                "identifier": row["commissioner_identifier"],
            },
            "main_cpv": (
                {"code": row["cpv_code"], "description": row["cpv_description"]}
                if row["cpv_code"]
                else None
            ),
            "region": row["region"],
            "procedure": row["procedure"],
            "estimated_value": _money(row["estimated_value"]),
            "contract_term_months": row["contract_term_months"],
            "extension_option_months": list(row["extension_option_months"] or []),
            "clarification_deadline": _datetime(row["clarification_deadline"], zone),
            "submission_deadline": _datetime(row["submission_deadline"], zone),
            "published_at": _datetime(row["published_at"], zone),
            "closed_at": _datetime(row["closed_at"], zone),
            "bids_received": row["bids_received"],
            "lots": [lot for lot in row["lot_summaries"] if lot is not None],
            "updated_at": _datetime(row["updated_at"], zone),
            "url": f"{self._list_url}{row['id']}/",
        }

    @cached_property
    def _zone(self):
        return timezone.get_current_timezone()

    @cached_property
    def _list_url(self) -> str:
        # A detail's address is the list's plus "<id>/" (the router's trailing slash): one
        # reverse() per page, not per row.
        path = reverse("api-tender-list")
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
