"""Complaints and escalation in the API.

Anyone may make a complaint (a citizen's, through a council's CRM or any integrator), under
the public form's rules and its rate limit per address; reading is scoped by the same
policies as the officers' and providers' pages; every handling step and escalation decision
is the pages' own service function."""

from django.conf import settings
from django.http import Http404
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from accounts.choices import ApiScope
from accounts.models import User
from commissioning.models import Contract
from core.api.views import PolicyViewSet
from core.errors import DomainError, IllegalTransition, NotPermitted
from core.permissions import Action
from core.ratelimits import limit_usage

from ..models import Complaint
from ..permissions import (
    ESCALATION_REFUSAL,
    complaint_policy,
    contract_escalation_policy,
    escalation_proposal_policy,
    escalation_step_policy,
)
from ..selectors_escalation import escalation_proposals_for_api, escalation_steps_for_api
from ..selectors_handling import complaint_for_handling, with_due_and_overdue
from ..services import complaints as complaint_services
from ..services import escalation as escalation_services
from ..services import handling as handling_services
from .filters import ComplaintFilter, EscalationProposalFilter, EscalationStepFilter
from .serializers import (
    AssignSerializer,
    ComplaintCreateSerializer,
    ComplaintDetailSerializer,
    ComplaintNoteSerializer,
    ComplaintReceiptSerializer,
    ComplaintSerializer,
    EscalationProposalSerializer,
    EscalationStepSerializer,
    ImprovementPlanSerializer,
    ImprovementPlanSubmitSerializer,
    NoteSerializer,
    OmbudsmanOutcomeSerializer,
    OmbudsmanReferralSerializer,
    ProposalConfirmSerializer,
    ProposalOverrideSerializer,
    RespondSerializer,
    StepRecordSerializer,
)

READ = ApiScope.COMPLAINTS_READ.value
WRITE = ApiScope.COMPLAINTS_WRITE.value


class ComplaintSubmitThrottle(BaseThrottle):
    """The public form's limit on complaints per client address (the same django-ratelimit
    group and rate, so the site and the API share one allowance per address). Callers with an
    API key or a session are limited by the API's own throttles instead."""

    time_left = None

    def allow_request(self, request, view):
        if request.user and request.user.is_authenticated:
            return True
        usage = limit_usage(request, group="complaint-submit", rate=settings.COMPLAINT_SUBMIT_RATE)
        if usage is None or not usage["should_limit"]:
            return True
        self.time_left = usage["time_left"] if usage["time_left"] > 0 else None
        return False

    def wait(self):
        return self.time_left


class StateConflictMixin:
    """A service's refusal with no field to blame is about the record's state (already
    forwarded, already decided, not referred yet): 409, like the state machine's own."""

    def handle_exception(self, exc):
        if type(exc) is DomainError and not exc.field_errors:
            exc = IllegalTransition(exc.message)
        return super().handle_exception(exc)


def _no_body(description: str, serializer=ComplaintDetailSerializer):
    return extend_schema(request=None, responses={200: serializer}, description=description)


def _with_body(request, description: str, responses=ComplaintDetailSerializer, code=200):
    return extend_schema(request=request, responses={code: responses}, description=description)


@extend_schema_view(
    list=extend_schema(
        description="Complaints the caller may read: the commissioner's officers see those "
        "about their contracts, a provider's users those forwarded to them, staff all. "
        "Needs `complaints:read`."
    ),
    retrieve=extend_schema(
        description="One complaint with its responses; its handlers also get the internal "
        "notes, status history and attachments. Needs `complaints:read`."
    ),
)
class ComplaintViewSet(
    StateConflictMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    PolicyViewSet,
):
    policy = complaint_policy
    queryset = Complaint.objects.select_related(
        "contract", "commissioner", "provider", "assigned_to"
    )
    filterset_class = ComplaintFilter
    ordering = ("-received_at", "-id")
    ordering_fields = ("received_at", "response_due_on", "updated_at", "id")
    anonymous_actions = ("create",)
    # Anyone may complain, so creating needs no scope; everything else does.
    required_scopes = {"list": READ, "retrieve": READ, "create": None, "*": WRITE}
    record_actions = {
        name: Action.CHANGE
        for name in (
            "acknowledge",
            "start_investigation",
            "respond",
            "close",
            "assign",
            "notes",
            "forward_to_provider",
            "refer_to_ombudsman",
            "ombudsman_outcome",
        )
    }

    def get_serializer_class(self):
        if self.action == "list":
            return ComplaintSerializer
        if self.action == "create":
            return ComplaintCreateSerializer
        return ComplaintDetailSerializer

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(ComplaintSubmitThrottle())
        return throttles

    @cached_property
    def today(self):
        return handling_services.db_today()

    def get_queryset(self):
        rows = self.visible_queryset()
        if self.action == "retrieve":
            return complaint_for_handling(rows, today=self.today)
        return with_due_and_overdue(rows, today=self.today)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "create":
            context["today"] = self.today
        return context

    @extend_schema(
        request=ComplaintCreateSerializer,
        responses={201: ComplaintReceiptSerializer},
        description="Makes a citizen's complaint; no key needed. Checked exactly as the "
        "public form checks it, every problem reported at once, nothing kept unless all is "
        "well. Answers the reference and the private tracking link, once only. Anonymous "
        "callers are limited per address like the public form.",
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint, token = complaint_services.complaint_submit(**serializer.validated_data)
        return Response(
            ComplaintReceiptSerializer.receipt(complaint, token), status=status.HTTP_201_CREATED
        )

    def _done(self, complaint, code=status.HTTP_200_OK):
        fresh = complaint_for_handling(self.visible_queryset(), today=self.today).get(
            pk=complaint.pk
        )
        return Response(
            ComplaintDetailSerializer(fresh, context=self.get_serializer_context()).data,
            status=code,
        )

    @_no_body("Acknowledges a received complaint.")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        complaint = handling_services.complaint_acknowledge(
            complaint=self.get_object(), actor=request.user
        )
        return self._done(complaint)

    @_no_body(
        "Starts the investigation of an acknowledged complaint (assigning the caller if no one is)."
    )
    @action(detail=True, methods=["post"], url_path="start-investigation")
    def start_investigation(self, request, pk=None):
        complaint = handling_services.complaint_start_investigation(
            complaint=self.get_object(), actor=request.user
        )
        return self._done(complaint)

    @_with_body(
        RespondSerializer,
        "Sends the stage's response with its outcome (and remedy "
        "when upheld); the complainant is emailed.",
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        complaint = self.get_object()
        handling_services.complaint_respond(
            complaint=complaint, actor=request.user, **_parse(request, RespondSerializer)
        )
        return self._done(complaint)

    @_no_body("Closes a responded complaint.")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        complaint = handling_services.complaint_close(
            complaint=self.get_object(), actor=request.user
        )
        return self._done(complaint)

    @_with_body(AssignSerializer, "Assigns the complaint to an officer of the organisation.")
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        complaint = self.get_object()
        assignee_id = _parse(request, AssignSerializer)["assignee"]
        assignee = User.objects.filter(pk=assignee_id).first()
        complaint = handling_services.complaint_assign(
            complaint=complaint, actor=request.user, assignee=assignee
        )
        return self._done(complaint)

    @_with_body(
        NoteSerializer,
        "Adds an internal note (never shown to the complainant or the provider).",
        responses=ComplaintNoteSerializer,
        code=201,
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        note = handling_services.complaint_add_note(
            complaint=self.get_object(), actor=request.user, **_parse(request, NoteSerializer)
        )
        return Response(ComplaintNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @_no_body("Forwards the complaint to the contract's provider, who can then read it.")
    @action(detail=True, methods=["post"], url_path="forward-to-provider")
    def forward_to_provider(self, request, pk=None):
        complaint = handling_services.complaint_forward_to_provider(
            complaint=self.get_object(), actor=request.user
        )
        return self._done(complaint)

    @_with_body(
        OmbudsmanReferralSerializer,
        "Records a referral to the ombudsman: after the "
        "stage 2 response, or once the complaint is overdue.",
    )
    @action(detail=True, methods=["post"], url_path="refer-to-ombudsman")
    def refer_to_ombudsman(self, request, pk=None):
        complaint = handling_services.complaint_refer_to_ombudsman(
            complaint=self.get_object(),
            actor=request.user,
            **_parse(request, OmbudsmanReferralSerializer),
        )
        return self._done(complaint)

    @_with_body(OmbudsmanOutcomeSerializer, "Records the ombudsman's decision.")
    @action(detail=True, methods=["post"], url_path="ombudsman-outcome")
    def ombudsman_outcome(self, request, pk=None):
        complaint = handling_services.complaint_record_ombudsman_outcome(
            complaint=self.get_object(),
            actor=request.user,
            **_parse(request, OmbudsmanOutcomeSerializer),
        )
        return self._done(complaint)


# --- escalation ------------------------------------------------------------------------------


def _officers_only(user):
    """Deciding escalation is the commissioner's officers' work: anyone else is refused
    whatever the record (so the refusal says nothing about which records exist)."""
    if not getattr(user, "is_commissioner_user", False):
        raise NotPermitted(ESCALATION_REFUSAL)


@extend_schema_view(
    list=extend_schema(
        description="Escalation proposals on the caller's organisation's contracts (pending, "
        "confirmed, overridden), with their trigger, reason and evidence. Commissioners' users "
        "and staff. Needs `complaints:read`."
    ),
    retrieve=extend_schema(description="One escalation proposal. Needs `complaints:read`."),
)
class EscalationProposalViewSet(
    StateConflictMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet
):
    policy = escalation_proposal_policy
    queryset = escalation_proposals_for_api()
    serializer_class = EscalationProposalSerializer
    filterset_class = EscalationProposalFilter
    ordering = ("-created_at", "-id")
    ordering_fields = ("created_at", "decided_at", "id")
    required_scopes = {"list": READ, "retrieve": READ, "*": WRITE}
    record_actions = {"confirm": Action.CHANGE, "override": Action.CHANGE}

    def _proposal(self):
        _officers_only(self.request.user)
        return self.get_object()

    @extend_schema(
        request=ProposalConfirmSerializer,
        responses={201: EscalationStepSerializer},
        description="Confirms a pending proposal: the contract moves to the proposed level and "
        "the provider is told. A performance notice needs `plan_due_on`; termination a "
        "`reason` and `continuity`. Needs `complaints:write`.",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        proposal = self._proposal()
        values = _parse(request, ProposalConfirmSerializer)
        step = escalation_services.proposal_confirm(
            proposal=proposal,
            actor=request.user,
            reason=values.get("reason", ""),
            plan_due_on=values.get("plan_due_on"),
            continuity=values.get("continuity", ""),
        )
        return Response(_step_data(step), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProposalOverrideSerializer,
        responses={200: EscalationProposalSerializer},
        description="Declines a pending proposal with a reason; the contract stays at its "
        "level. Needs `complaints:write`.",
    )
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        proposal = self._proposal()
        values = _parse(request, ProposalOverrideSerializer)
        escalation_services.proposal_override(
            proposal=proposal, actor=request.user, reason=values["reason"]
        )
        fresh = self.get_queryset().get(pk=proposal.pk)
        return Response(EscalationProposalSerializer(fresh).data)


@extend_schema_view(
    list=extend_schema(
        description="Decided steps on the escalation ladder: the commissioner's users see "
        "their contracts', a provider's users their own contracts', staff all. Needs "
        "`complaints:read`."
    ),
    retrieve=extend_schema(description="One escalation step. Needs `complaints:read`."),
)
class EscalationStepViewSet(
    StateConflictMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    PolicyViewSet,
):
    policy = escalation_step_policy
    queryset = escalation_steps_for_api()
    serializer_class = EscalationStepSerializer
    filterset_class = EscalationStepFilter
    ordering = ("-decided_at", "-id")
    ordering_fields = ("decided_at", "plan_due_on", "id")
    required_scopes = {"list": READ, "retrieve": READ, "*": WRITE}
    record_actions = {"improvement_plan": Action.CHANGE}

    def get_serializer_class(self):
        return StepRecordSerializer if self.action == "create" else EscalationStepSerializer

    @extend_schema(
        request=StepRecordSerializer,
        responses={201: EscalationStepSerializer},
        description="An officer's own decision, up or down the ladder, with a reason "
        "(published). Needs `complaints:write`.",
    )
    def create(self, request, *args, **kwargs):
        _officers_only(request.user)
        values = _parse(request, StepRecordSerializer)
        try:
            contract = contract_escalation_policy.get_for(
                request.user, values["contract"], Action.CHANGE, Contract.objects.all()
            )
        except Http404:
            raise DomainError(
                "Check the details of your decision.",
                field_errors={"contract": ["Choose one of your organisation's contracts"]},
            ) from None
        step = escalation_services.escalation_step_record(
            contract=contract,
            actor=request.user,
            level=values["level"],
            reason=values["reason"],
            plan_due_on=values.get("plan_due_on"),
            continuity=values.get("continuity", ""),
        )
        return Response(_step_data(step), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ImprovementPlanSubmitSerializer,
        responses={201: ImprovementPlanSerializer},
        description="The provider's improvement plan in answer to a performance notice, once "
        "(marked late after the due date). Needs `complaints:write`.",
    )
    @action(detail=True, methods=["post"], url_path="improvement-plan")
    def improvement_plan(self, request, pk=None):
        step = self.get_object()
        values = _parse(request, ImprovementPlanSubmitSerializer)
        plan = escalation_services.improvement_plan_submit(
            step=step, actor=request.user, text=values["text"]
        )
        return Response(ImprovementPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


def _parse(request, serializer_class) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _step_data(step) -> dict:
    return EscalationStepSerializer(escalation_steps_for_api().get(pk=step.pk)).data
