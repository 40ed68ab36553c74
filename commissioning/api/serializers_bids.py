"""What the API says about bids, the panel's evaluation and awards, and what it accepts.

Input serializers check the shape of a request (types, ranges, ids that exist); the services
check the rules. A bid's contents appear only where sealing lets the caller open them: its own
provider at any time (`sealing.own_bid_contents`), a cleared panel member once the bids were
opened (`sealing.open_bid_contents`). Awards carry public facts only, never scores.
"""

import uuid
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import StrictSerializer

from .. import sealing
from ..choices import QUALITY_SCALE_MAX, CriterionKind, PartnerKind
from ..models import Award, Bid, EvaluationCriterion, Lot, PanelMember, Score
from ..selectors import bid_document_entries
from ..services.bids import (
    MAX_ANSWER_CHARACTERS,
    MAX_PARTNER_NAME_CHARACTERS,
    MAX_PARTNERS,
    MAX_PRICE,
    bid_is_changeable,
)

MAX_TEXT_CHARACTERS = 10_000

# --- references to related records ------------------------------------------------------


class TenderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()


class LotRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()


class CommissionerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProviderRefSerializer(CommissionerRefSerializer):
    kind = serializers.CharField()
    size_band = serializers.CharField()


# --- a bid's contents ------------------------------------------------------------------------


PARTNER_KINDS = ", ".join(f"`{value}`" for value in PartnerKind.values)


class PartnerSerializer(serializers.Serializer):
    provider_id = serializers.IntegerField(required=False, help_text="A registered provider.")
    name = serializers.CharField()
    kind = serializers.CharField(
        required=False, help_text=f"For a partner not registered: one of {PARTNER_KINDS}."
    )


class BidDocumentEntrySerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The document's public id.")
    name = serializers.CharField()
    size = serializers.IntegerField()


class BidContentsSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=14, decimal_places=2)
    answers = serializers.DictField(
        child=serializers.CharField(), help_text="Each answer, keyed by its criterion's id."
    )
    partners = PartnerSerializer(many=True)
    documents = BidDocumentEntrySerializer(many=True)


def contents_data(bid, contents: dict) -> dict:
    return {
        "price": contents["price"],
        "answers": contents.get("answers") or {},
        "partners": contents.get("partners") or [],
        "documents": bid_document_entries(bid, contents.get("documents") or []),
    }


class PublicIdField(serializers.UUIDField):
    """A bid's public id: bids are never named by their sequence id, whose gaps would count
    the bids made in between."""

    def __init__(self, **kwargs):
        kwargs.setdefault("source", "public_id")
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", "The bid's public id.")
        super().__init__(**kwargs)


# --- the bidder's view of its bids ------------------------------------------------------


class BidSerializer(serializers.ModelSerializer):
    """A provider's own bid, with its contents opened for the provider that made it.

    The view passes `provider` (the caller's organisation) and `now` (the database clock) in
    the context."""

    id = PublicIdField()
    tender = TenderRefSerializer(read_only=True)
    lot = LotRefSerializer(read_only=True)
    reference = serializers.CharField(read_only=True)
    can_change = serializers.SerializerMethodField()
    contents = serializers.SerializerMethodField()

    class Meta:
        model = Bid
        fields = [
            "id",
            "reference",
            "tender",
            "lot",
            "status",
            "submitted_at",
            "updated_at",
            "withdrawn_at",
            "ineligible_reason",
            "can_change",
            "contents",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "ineligible_reason": {
                "help_text": "Why the bid was found not eligible for its reserved lot when the "
                "tender closed (status `ineligible`, never scored); empty otherwise"
            }
        }

    def get_can_change(self, bid) -> bool:
        return bid_is_changeable(bid, now=self.context["now"])

    @extend_schema_field(BidContentsSerializer)
    def get_contents(self, bid):
        return BidContentsSerializer(
            contents_data(bid, sealing.own_bid_contents(bid, self.context["provider"]))
        ).data


class PartnerInputSerializer(StrictSerializer):
    provider_id = serializers.IntegerField(
        required=False, min_value=1, help_text="A registered provider's id."
    )
    name = serializers.CharField(
        required=False, max_length=MAX_PARTNER_NAME_CHARACTERS, help_text="An unregistered group."
    )
    kind = serializers.CharField(
        required=False, max_length=30, help_text=f"With `name`: one of {PARTNER_KINDS}."
    )

    def validate_kind(self, value):
        if value not in PartnerKind.values:
            raise serializers.ValidationError(f"Choose one of {PARTNER_KINDS}.")
        return value

    def validate(self, attrs):
        if "provider_id" in attrs and ("name" in attrs or "kind" in attrs):
            raise serializers.ValidationError(
                "Give either a registered provider's id, or a name and kind, not both."
            )
        if "provider_id" not in attrs and "name" not in attrs:
            raise serializers.ValidationError(
                "Give a registered provider's id, or the name and kind of the group."
            )
        return attrs


class BidContentsInputSerializer(StrictSerializer):
    """What a provider writes in a bid. The service checks every criterion is answered and
    the partners exist; this checks types, ranges and that the answers are to this tender."""

    price = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_PRICE,
        help_text="In pounds, to the penny.",
    )
    answers = serializers.DictField(
        child=serializers.CharField(max_length=MAX_ANSWER_CHARACTERS, allow_blank=True),
        help_text="An answer to each quality and social value criterion, keyed by its id.",
    )
    partners = PartnerInputSerializer(many=True, required=False, max_length=MAX_PARTNERS)

    def answer_criteria(self, attrs) -> set[str]:
        raise NotImplementedError

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "answers" in attrs:
            allowed = self.answer_criteria(attrs)
            problems = {
                key: ["This is not one of this tender's quality or social value criteria."]
                for key in attrs["answers"]
                if key not in allowed
            }
            if problems:
                raise serializers.ValidationError({"answers": problems})
        return attrs


def answer_criterion_ids(tender_id) -> set[str]:
    return {
        str(pk)
        for pk in EvaluationCriterion.objects.filter(tender_id=tender_id)
        .exclude(kind=CriterionKind.PRICE)
        .values_list("pk", flat=True)
    }


class BidSubmitSerializer(BidContentsInputSerializer):
    lot = serializers.PrimaryKeyRelatedField(
        queryset=Lot.objects.none(), help_text="The lot the bid is for."
    )

    def __init__(self, *args, lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lots is not None:
            self.fields["lot"].queryset = lots

    def answer_criteria(self, attrs) -> set[str]:
        return answer_criterion_ids(attrs["lot"].tender_id)


class BidUpdateSerializer(BidContentsInputSerializer):
    """A change to a live bid: the fields sent replace the bid's; the others are kept."""

    def answer_criteria(self, attrs) -> set[str]:
        return answer_criterion_ids(self.context["bid"].tender_id)


class BidDocumentInputSerializer(StrictSerializer):
    file = serializers.FileField(help_text="The document to add, sealed with the bid.")


# --- the panel's evaluation --------------------------------------------------------------


class PanelMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.full_name")
    is_you = serializers.SerializerMethodField()

    class Meta:
        model = PanelMember
        fields = ["id", "name", "is_you", "declared_at", "has_conflict"]
        read_only_fields = fields

    def get_is_you(self, member) -> bool:
        return member.user_id == self.context["request"].user.pk


class CriterionSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="price, quality or social_value")

    class Meta:
        model = EvaluationCriterion
        fields = ["id", "kind", "title", "weight"]
        read_only_fields = fields


class EvaluationSerializer(serializers.Serializer):
    """A tender's evaluation as one panel member sees it: their declaration and what they may
    do next."""

    tender = TenderRefSerializer()
    status = serializers.CharField()
    bids_opened_at = serializers.DateTimeField(allow_null=True)
    criteria = CriterionSerializer(many=True)
    panel = PanelMemberSerializer(many=True)
    you = PanelMemberSerializer()
    may_read_bids = serializers.BooleanField()
    may_score = serializers.BooleanField()


class DeclarationInputSerializer(StrictSerializer):
    has_conflict = serializers.BooleanField(
        help_text="Whether you have a conflict of interest with any bidder."
    )
    details = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_TEXT_CHARACTERS,
        help_text="What the conflict is (required when has_conflict is true).",
    )


class ScoreSerializer(serializers.ModelSerializer):
    evaluator = serializers.CharField(source="evaluator.full_name", read_only=True)

    class Meta:
        model = Score
        fields = ["id", "criterion", "evaluator", "score", "justification", "scored_at"]
        read_only_fields = fields


class ModeratedScoreOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    criterion = serializers.IntegerField(source="criterion_id")
    score = serializers.IntegerField()
    rationale = serializers.CharField()
    moderated_at = serializers.DateTimeField()


class PanelBidSerializer(serializers.ModelSerializer):
    """An opened bid as a cleared panel member reads it: its contents, the member's own scores
    and the panel's moderated scores."""

    id = PublicIdField()
    lot = LotRefSerializer(read_only=True)
    provider = ProviderRefSerializer(read_only=True)
    contents = serializers.SerializerMethodField()
    your_scores = serializers.SerializerMethodField()
    moderated_scores = ModeratedScoreOutSerializer(many=True, read_only=True)

    class Meta:
        model = Bid
        fields = [
            "id",
            "lot",
            "provider",
            "submitted_at",
            "contents",
            "your_scores",
            "moderated_scores",
        ]
        read_only_fields = fields

    @extend_schema_field(BidContentsSerializer)
    def get_contents(self, bid):
        return BidContentsSerializer(contents_data(bid, sealing.open_bid_contents(bid))).data

    @extend_schema_field(ScoreSerializer(many=True))
    def get_your_scores(self, bid):
        scores = getattr(bid, "own_scores", [])
        return [
            {
                "id": score.pk,
                "criterion": score.criterion_id,
                "evaluator": self.context["request"].user.full_name,
                "score": score.score,
                "justification": score.justification,
                "scored_at": serializers.DateTimeField().to_representation(score.scored_at),
            }
            for score in scores
        ]


class CriterionChoiceMixin:
    """The criterion field chooses among the tender's own criteria (context["tender"])."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tender = self.context.get("tender")
        if tender is not None:
            self.fields["criterion"].queryset = EvaluationCriterion.objects.filter(tender=tender)


class ScoreInputSerializer(CriterionChoiceMixin, StrictSerializer):
    criterion = serializers.PrimaryKeyRelatedField(
        queryset=EvaluationCriterion.objects.none(),
        help_text="A quality or social value criterion of this tender.",
    )
    score = serializers.IntegerField(min_value=0, max_value=QUALITY_SCALE_MAX)
    justification = serializers.CharField(max_length=MAX_TEXT_CHARACTERS)


class ModerationInputSerializer(CriterionChoiceMixin, StrictSerializer):
    criterion = serializers.PrimaryKeyRelatedField(
        queryset=EvaluationCriterion.objects.none(),
        help_text="A quality or social value criterion of this tender.",
    )
    score = serializers.IntegerField(min_value=0, max_value=QUALITY_SCALE_MAX)
    rationale = serializers.CharField(max_length=MAX_TEXT_CHARACTERS)


class ModeratedScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    bid = serializers.UUIDField(source="bid.public_id", help_text="The bid's public id.")
    criterion = serializers.IntegerField(source="criterion_id")
    score = serializers.IntegerField()
    rationale = serializers.CharField()
    moderated_by = serializers.CharField(source="moderated_by.full_name")
    moderated_at = serializers.DateTimeField()


# --- awards ----------------------------------------------------------------------------------


class AwardSerializer(serializers.ModelSerializer):
    """An award decision's public facts. Never a losing bid's price or any bid's scores."""

    tender = serializers.SerializerMethodField()
    lot = LotRefSerializer(read_only=True)
    commissioner = serializers.SerializerMethodField()
    provider = serializers.SerializerMethodField()
    value = serializers.SerializerMethodField()

    class Meta:
        model = Award
        fields = [
            "id",
            "tender",
            "lot",
            "commissioner",
            "status",
            "provider",
            "value",
            "decided_at",
            "standstill_ends_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TenderRefSerializer)
    def get_tender(self, award):
        return TenderRefSerializer(award.lot.tender).data

    @extend_schema_field(CommissionerRefSerializer)
    def get_commissioner(self, award):
        return CommissionerRefSerializer(award.lot.tender.commissioner).data

    @extend_schema_field(ProviderRefSerializer(allow_null=True))
    def get_provider(self, award):
        if award.bid is None:
            return None
        return ProviderRefSerializer(award.bid.provider).data

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True))
    def get_value(self, award):
        """The winning bid's price, in pounds: public once the lot is awarded."""
        if award.bid is None or award.bid.opened_price is None:
            return None
        return f"{award.bid.opened_price:.2f}"


class BidByPublicIdField(serializers.SlugRelatedField):
    """A bid chosen by its public id; anything that is not a UUID is refused as one."""

    default_error_messages = {
        "does_not_exist": "There is no bid {value} that you can choose.",
        "invalid": "Enter a bid's public id, like 3f9a0c7e-51d2-4b6e-9a41-0d2c7e5f8b13.",
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="public_id", **kwargs)

    def to_internal_value(self, data):
        try:
            uuid.UUID(str(data))
        except ValueError:
            self.fail("invalid")
        return super().to_internal_value(data)


class AwardInputSerializer(StrictSerializer):
    lot = serializers.PrimaryKeyRelatedField(
        queryset=Lot.objects.none(), help_text="The lot to decide."
    )
    bid = BidByPublicIdField(
        queryset=Bid.objects.none(),
        required=False,
        allow_null=True,
        help_text="The winning bid's public id; null to decide not to award the lot (a reason "
        "is needed).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_TEXT_CHARACTERS,
        help_text="Needed to award other than the top-ranked bid, or not to award.",
    )

    def __init__(self, *args, lots=None, bids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lots is not None:
            self.fields["lot"].queryset = lots
        if bids is not None:
            self.fields["bid"].queryset = bids
