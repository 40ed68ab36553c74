"""Complaints and escalation in the API: what each caller may read, and the strict input of
every write. Input serializers parse shapes; the services apply the rules."""

from collections.abc import Mapping

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import StrictSerializer
from core.permissions import Action, is_platform_staff

from ..choices import (
    ComplaintCategory,
    ComplaintOutcome,
    ComplaintStatus,
    ContinuityOption,
    EscalationLevel,
    Ombudsman,
    OmbudsmanOutcome,
)
from ..forms_public import ContactForm, WhatWentWrongForm, WhenAndWhereForm
from ..models import (
    Complaint,
    ComplaintAttachment,
    ComplaintNote,
    ComplaintResponse,
    ComplaintStatusChange,
    EscalationProposal,
    EscalationStep,
    ImprovementPlan,
)
from ..permissions import complaint_policy, sees_personal_data
from ..selectors import contract_for_complaint
from ..services.complaints import MAX_DESCRIPTION_CHARS, tracking_path

MAX_ID = 2**31 - 1

# --- small references to related records ----------------------------------------------------


class ComplaintContractSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()


class ComplaintOrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ComplaintUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class ComplainantSerializer(serializers.Serializer):
    anonymous = serializers.BooleanField(help_text="The citizen gave no contact details.")
    name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    personal_data_removed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the retention period wiped the details, if it has."
    )


def _internal(user, complaint) -> bool:
    """Notes, history, assignment and attachments are the commissioner's working papers: the
    handling officers and staff see them, a provider reading a forwarded complaint does not."""
    return is_platform_staff(user) or complaint_policy.rules[Action.CHANGE](user, complaint)


# --- complaints: reading ---------------------------------------------------------------------


class ComplaintSerializer(serializers.ModelSerializer):
    """A complaint as its reader may see it. `complainant` is null for callers who may not see
    personal data; anonymous and anonymised complaints never carry any."""

    contract = serializers.SerializerMethodField()
    commissioner = ComplaintOrganisationSerializer()
    provider = ComplaintOrganisationSerializer()
    due_on = serializers.DateField(help_text="When the next step (acknowledge or respond) is due.")
    is_overdue = serializers.BooleanField()
    assigned_to = serializers.SerializerMethodField()
    complainant = serializers.SerializerMethodField()
    # Blank until decided: declared so the schema allows "".
    outcome = serializers.ChoiceField(
        choices=ComplaintOutcome.choices, allow_blank=True, read_only=True
    )
    ombudsman = serializers.ChoiceField(choices=Ombudsman.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "contract",
            "commissioner",
            "provider",
            "category",
            "description",
            "occurred_on",
            "location",
            "postcode",
            "is_urgent",
            "stage",
            "status",
            "outcome",
            "remedy",
            "received_at",
            "acknowledge_due_on",
            "acknowledged_at",
            "response_due_on",
            "responded_at",
            "closed_at",
            "stage2_requested_at",
            "due_on",
            "is_overdue",
            "forwarded_to_provider_at",
            "assigned_to",
            "ombudsman",
            "ombudsman_referred_on",
            "ombudsman_outcome",
            "ombudsman_outcome_on",
            "complainant",
            "updated_at",
        ]
        read_only_fields = fields

    @property
    def _user(self):
        return self.context["request"].user

    @extend_schema_field(ComplaintContractSerializer)
    def get_contract(self, complaint):
        contract = complaint.contract
        return {"id": contract.pk, "reference": contract.reference, "title": contract.title}

    @extend_schema_field(ComplaintUserSerializer(allow_null=True))
    def get_assigned_to(self, complaint):
        user = complaint.assigned_to
        if user is None or not _internal(self._user, complaint):
            return None
        return {"id": user.pk, "full_name": user.full_name}

    @extend_schema_field(ComplainantSerializer(allow_null=True))
    def get_complainant(self, complaint):
        if not sees_personal_data(self._user, complaint):
            return None
        return {
            "anonymous": complaint.is_anonymous,
            "name": complaint.complainant_name,
            "email": complaint.complainant_email,
            "phone": complaint.complainant_phone,
            "personal_data_removed_at": complaint.personal_data_removed_at,
        }


class ComplaintResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintResponse
        fields = ["stage", "outcome", "remedy", "text", "sent_at"]
        read_only_fields = fields


class ComplaintNoteSerializer(serializers.ModelSerializer):
    author = ComplaintUserSerializer()

    class Meta:
        model = ComplaintNote
        fields = ["id", "text", "author", "created_at"]
        read_only_fields = fields


class ComplaintStatusChangeSerializer(serializers.ModelSerializer):
    actor = ComplaintUserSerializer(allow_null=True)
    from_status = serializers.ChoiceField(
        choices=ComplaintStatus.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = ComplaintStatusChange
        fields = ["stage", "from_status", "to_status", "actor", "changed_at"]
        read_only_fields = fields


class ComplaintAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintAttachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at"]
        read_only_fields = fields


class ComplaintDetailSerializer(ComplaintSerializer):
    """One complaint with its responses; for its handlers and staff, also the internal notes,
    the status history and the citizen's attachments (empty lists for anyone else)."""

    responses = ComplaintResponseSerializer(many=True)
    notes = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "responses", "notes", "history", "attachments"]
        read_only_fields = fields

    def _internal_rows(self, complaint, name, serializer_class):
        if not _internal(self._user, complaint):
            return []
        return serializer_class(getattr(complaint, name).all(), many=True).data

    @extend_schema_field(ComplaintNoteSerializer(many=True))
    def get_notes(self, complaint):
        return self._internal_rows(complaint, "notes", ComplaintNoteSerializer)

    @extend_schema_field(ComplaintStatusChangeSerializer(many=True))
    def get_history(self, complaint):
        return self._internal_rows(complaint, "history", ComplaintStatusChangeSerializer)

    @extend_schema_field(ComplaintAttachmentSerializer(many=True))
    def get_attachments(self, complaint):
        return self._internal_rows(complaint, "attachments", ComplaintAttachmentSerializer)


# --- complaints: a citizen's complaint through an integrator --------------------------------


def _form_value(value):
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return str(value)
    return None  # a list or an object: the serializer field reports it


class ComplaintCreateSerializer(StrictSerializer):
    """A citizen's complaint, checked by the public form's own rules (the same forms run on
    it), so a complaint sent by an integrator is accepted or refused exactly as on the site.
    Every problem is reported at once; nothing is written unless all is well."""

    contract = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The contract's id. Give this or `contract_reference`.",
    )
    contract_reference = serializers.CharField(
        required=False,
        max_length=20,
        help_text="The contract's reference, like CM-C-000123. Give this or `contract`.",
    )
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    description = serializers.CharField(
        max_length=MAX_DESCRIPTION_CHARS, help_text="What went wrong, in the citizen's words."
    )
    occurred_on = serializers.DateField(
        required=False, allow_null=True, help_text="When it happened; today or earlier."
    )
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    postcode = serializers.CharField(required=False, allow_blank=True, max_length=10)
    contact = serializers.ChoiceField(
        choices=[(ContactForm.GIVE, "Give my details"), (ContactForm.ANONYMOUS, "Stay anonymous")],
        help_text="`give`: `name` and `email` are required and the citizen is emailed the "
        "tracking link. `anonymous`: any details sent are dropped, never stored.",
    )
    name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)

    # Each public form, and the API fields it checks (named alike).
    FORMS = (
        (WhatWentWrongForm, ("category", "description")),
        (WhenAndWhereForm, ("occurred_on", "location", "postcode")),
        (ContactForm, ("contact", "name", "email", "phone")),
    )

    def to_internal_value(self, data):
        problems: dict[str, list] = {}
        values: dict = {}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if not isinstance(error.detail, Mapping):
                raise
            problems = {name: list(messages) for name, messages in error.detail.items()}
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(problems or {"non_field_errors": ["Send an object."]})
        cleaned = self._check_with_forms(data, problems)
        contract = self._contract(data, values, problems)
        if problems:
            raise serializers.ValidationError(problems)
        return {
            "contract": contract,
            "category": cleaned["category"],
            "description": cleaned["description"],
            "occurred_on": cleaned["occurred_on"],
            "location": cleaned["location"],
            "postcode": cleaned["postcode"],
            "complainant_name": cleaned["name"].strip(),
            "complainant_email": cleaned["email"],
            "complainant_phone": cleaned["phone"],
        }

    def _check_with_forms(self, data, problems) -> dict:
        cleaned = {}
        for form_class, names in self.FORMS:
            form_data = {}
            for name in names:
                value = _form_value(data.get(name))
                form_data[name] = "" if value is None else value
            kwargs = {"today": self.context.get("today")} if form_class is WhenAndWhereForm else {}
            form = form_class(form_data, **kwargs)
            if form.is_valid():
                cleaned.update(form.cleaned_data)
                continue
            for name, messages in form.errors.items():
                # The form's words where it saw what was sent; the type error where it could not.
                if name not in problems or _form_value(data.get(name)) is not None:
                    problems[name] = list(messages)
        return cleaned

    def _contract(self, data, values, problems):
        if "contract" in problems or "contract_reference" in problems:
            return None
        given = [name for name in ("contract", "contract_reference") if data.get(name)]
        if len(given) != 1:
            problems["contract"] = [
                "Give the service's contract id in `contract` or its reference in "
                "`contract_reference`, not both"
                if given
                else "Select the service your complaint is about"
            ]
            return None
        if given == ["contract"]:
            contract = contract_for_complaint(pk=values.get("contract"))
        else:
            contract = contract_for_complaint(reference=values.get("contract_reference", ""))
        if contract is None:
            problems[given[0]] = [
                "No contract has this " + ("id" if given == ["contract"] else "reference")
            ]
        return contract


class ComplaintReceiptSerializer(serializers.Serializer):
    """What the confirmation page tells the citizen, and the private tracking link, given
    this once: only a digest of the secret is kept."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    stage = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    acknowledge_due_on = serializers.DateField()
    response_due_on = serializers.DateField()
    emailed = serializers.BooleanField(
        help_text="Whether the citizen was emailed the reference and the tracking link."
    )
    tracking_token = serializers.CharField(help_text="The secret code. Shown once only.")
    tracking_url = serializers.URLField(
        help_text="The citizen's private tracking page. Shown once only: pass it on to them."
    )

    @staticmethod
    def receipt(complaint, token: str) -> dict:
        return {
            "id": complaint.pk,
            "reference": complaint.reference,
            "status": complaint.status,
            "stage": complaint.stage,
            "received_at": complaint.received_at,
            "acknowledge_due_on": complaint.acknowledge_due_on,
            "response_due_on": complaint.response_due_on,
            "emailed": bool(complaint.complainant_email),
            "tracking_token": token,
            "tracking_url": settings.SITE_URL.rstrip("/")
            + tracking_path(complaint.reference, token),
        }


# --- complaints: handling --------------------------------------------------------------------


class RespondSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=ComplaintOutcome.choices)
    text = serializers.CharField(max_length=10000, help_text="The response to the complainant.")
    remedy = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10000,
        help_text="What will be done to put things right; required when upheld.",
    )


class AssignSerializer(StrictSerializer):
    assignee = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of an officer of your organisation."
    )


class NoteSerializer(StrictSerializer):
    text = serializers.CharField(max_length=5000)


class OmbudsmanReferralSerializer(StrictSerializer):
    ombudsman = serializers.ChoiceField(choices=Ombudsman.choices)
    referred_on = serializers.DateField()


class OmbudsmanOutcomeSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=OmbudsmanOutcome.choices)
    decided_on = serializers.DateField()


# --- escalation ------------------------------------------------------------------------------


class EvidenceComplaintSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()


class EvidenceMixin(serializers.Serializer):
    evidence_complaints = serializers.SerializerMethodField()
    evidence_kpi_results = serializers.SerializerMethodField()

    @extend_schema_field(EvidenceComplaintSerializer(many=True))
    def get_evidence_complaints(self, record):
        return [{"id": c.pk, "reference": c.reference} for c in record.evidence_complaints.all()]

    def get_evidence_kpi_results(self, record) -> list[int]:
        return [result.pk for result in record.evidence_kpi_results.all()]


def _contract_ref(contract) -> dict:
    return {"id": contract.pk, "reference": contract.reference, "title": contract.title}


class EscalationProposalSerializer(EvidenceMixin, serializers.ModelSerializer):
    contract = serializers.SerializerMethodField()
    decided_by = ComplaintUserSerializer(allow_null=True)

    class Meta:
        model = EscalationProposal
        fields = [
            "id",
            "contract",
            "trigger",
            "proposed_level",
            "reason",
            "evidence_complaints",
            "evidence_kpi_results",
            "status",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(ComplaintContractSerializer)
    def get_contract(self, proposal):
        return _contract_ref(proposal.contract)


class ImprovementPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImprovementPlan
        fields = ["text", "submitted_at", "is_late"]
        read_only_fields = fields


class EscalationStepSerializer(EvidenceMixin, serializers.ModelSerializer):
    contract = serializers.SerializerMethodField()
    improvement_plan = serializers.SerializerMethodField()

    class Meta:
        model = EscalationStep
        fields = [
            "id",
            "contract",
            "from_level",
            "level",
            "reason",
            "proposal",
            "evidence_complaints",
            "evidence_kpi_results",
            "decided_at",
            "plan_due_on",
            "continuity",
            "improvement_plan",
        ]
        read_only_fields = fields

    @extend_schema_field(ComplaintContractSerializer)
    def get_contract(self, step):
        return _contract_ref(step.contract)

    @extend_schema_field(ImprovementPlanSerializer(allow_null=True))
    def get_improvement_plan(self, step):
        try:
            plan = step.improvement_plan
        except ImprovementPlan.DoesNotExist:
            return None
        return ImprovementPlanSerializer(plan).data


class ProposalConfirmSerializer(StrictSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        help_text="Published in place of the trigger's reason; required for termination.",
    )
    plan_due_on = serializers.DateField(
        required=False, allow_null=True, help_text="For a performance notice: the plan's due date."
    )
    continuity = serializers.ChoiceField(
        required=False,
        allow_blank=True,
        choices=ContinuityOption.choices,
        help_text="For termination: how the service will continue.",
    )


class ProposalOverrideSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=5000, help_text="Why the contract is not escalated (kept, not published)."
    )


class StepRecordSerializer(ProposalConfirmSerializer):
    contract = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of one of your organisation's contracts."
    )
    level = serializers.ChoiceField(choices=EscalationLevel.choices)
    reason = serializers.CharField(
        max_length=5000, help_text="Published on the contract's public page."
    )


class ImprovementPlanSubmitSerializer(StrictSerializer):
    text = serializers.CharField(max_length=10000)
