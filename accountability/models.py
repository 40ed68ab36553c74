"""Complaints from citizens, how they are handled, and the escalation of failing contracts."""

from django.conf import settings
from django.db import models

from core.inputs import validate_single_line
from core.statemachine import StateMachine

from .choices import (
    ComplaintCategory,
    ComplaintOutcome,
    ComplaintStatus,
    ContinuityOption,
    EscalationLevel,
    EscalationTrigger,
    Ombudsman,
    OmbudsmanOutcome,
    ProposalStatus,
)


class Complaint(models.Model):
    """A citizen's complaint about a commissioned service. Routed to the contract's
    commissioner and, when forwarded, to its provider."""

    reference = models.CharField(max_length=20, unique=True)  # CMP-2026-000123
    # The private link's secret, hashed: the reference alone never opens the tracking page.
    tracking_token_hash = models.CharField(max_length=64, unique=True)
    contract = models.ForeignKey(
        "commissioning.Contract", on_delete=models.PROTECT, related_name="complaints"
    )
    # Copied from the contract when the complaint arrives, for routing and for statistics.
    commissioner = models.ForeignKey(
        "commissioning.CommissionerOrganisation",
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    provider = models.ForeignKey(
        "providers.ProviderOrganisation", on_delete=models.PROTECT, related_name="complaints"
    )
    category = models.CharField(max_length=20, choices=ComplaintCategory.choices)
    description = models.TextField(max_length=5000)
    occurred_on = models.DateField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    is_urgent = models.BooleanField(default=False)  # safeguarding: handled first
    # Personal data: blank when the citizen stays anonymous, wiped by `anonymise_complaints`.
    complainant_name = models.CharField(
        max_length=150, blank=True, validators=[validate_single_line]
    )
    complainant_email = models.EmailField(blank=True)
    complainant_phone = models.CharField(max_length=30, blank=True)
    personal_data_removed_at = models.DateTimeField(null=True, blank=True)

    stage = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=20,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
        db_index=True,
    )
    outcome = models.CharField(max_length=20, choices=ComplaintOutcome.choices, blank=True)
    remedy = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_complaints",
    )
    forwarded_to_provider_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    stage2_requested_at = models.DateTimeField(null=True, blank=True)
    # Due dates in working days (settings.COMPLAINT_TIMESCALES), for the current stage.
    acknowledge_due_on = models.DateField()
    response_due_on = models.DateField(db_index=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)
    escalated_to_manager_at = models.DateTimeField(null=True, blank=True)
    ombudsman = models.CharField(max_length=10, choices=Ombudsman.choices, blank=True)
    ombudsman_referred_on = models.DateField(null=True, blank=True)
    ombudsman_outcome = models.CharField(
        max_length=20, choices=OmbudsmanOutcome.choices, blank=True
    )
    ombudsman_outcome_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["response_due_on", "id"]
        indexes = [
            models.Index(fields=["commissioner", "status", "response_due_on"]),
            models.Index(fields=["contract", "received_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(stage__in=[1, 2]), name="complaint_stage"),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_anonymous(self) -> bool:
        return not (self.complainant_name or self.complainant_email or self.complainant_phone)


COMPLAINT_STATES = StateMachine(
    field="status",
    transitions={
        ComplaintStatus.RECEIVED: {ComplaintStatus.ACKNOWLEDGED},
        ComplaintStatus.ACKNOWLEDGED: {ComplaintStatus.INVESTIGATING},
        ComplaintStatus.INVESTIGATING: {ComplaintStatus.RESPONDED},
        # A stage 2 review starts the complaint again from received, at stage 2.
        ComplaintStatus.RESPONDED: {ComplaintStatus.CLOSED, ComplaintStatus.RECEIVED},
        ComplaintStatus.CLOSED: {ComplaintStatus.RECEIVED},
    },
)


class ComplaintAttachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="complaints/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.original_name


class PendingAttachment(models.Model):
    """A file a citizen uploaded part-way through the complaint form, held against their
    session until they submit (or it expires), so nothing they chose is lost between pages."""

    session_key = models.CharField(max_length=64, db_index=True)
    file = models.FileField(upload_to="complaints/pending/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.original_name


class ComplaintStatusChange(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="history")
    stage = models.PositiveSmallIntegerField()
    from_status = models.CharField(max_length=20, choices=ComplaintStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ComplaintStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.complaint_id}: {self.from_status or 'new'} to {self.to_status}"


class ComplaintNote(models.Model):
    """An internal note on a complaint. Citizens never see these."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.text[:60]


class ComplaintResponse(models.Model):
    """What the commissioner told the citizen at the end of a stage."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="responses")
    stage = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=20, choices=ComplaintOutcome.choices)
    remedy = models.TextField(blank=True)
    text = models.TextField(max_length=10000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "stage"], name="one_response_per_stage"),
        ]

    def __str__(self):
        return f"stage {self.stage} response to {self.complaint_id}"


class EscalationPolicy(models.Model):
    """A contract's thresholds for proposing escalation; defaults from settings."""

    contract = models.OneToOneField(
        "commissioning.Contract", on_delete=models.CASCADE, related_name="escalation_policy"
    )
    upheld_complaints_threshold = models.PositiveSmallIntegerField(default=3)
    upheld_complaints_window_days = models.PositiveSmallIntegerField(default=90)
    escalate_on_upheld_safeguarding = models.BooleanField(default=True)
    kpi_consecutive_misses = models.PositiveSmallIntegerField(default=2)

    class Meta:
        verbose_name_plural = "escalation policies"

    def __str__(self):
        return f"escalation thresholds for {self.contract}"


class EscalationProposal(models.Model):
    """A trigger's proposal to move a contract up the ladder. Nothing moves until an officer
    confirms it or overrides it with a reason."""

    contract = models.ForeignKey(
        "commissioning.Contract", on_delete=models.CASCADE, related_name="escalation_proposals"
    )
    trigger = models.CharField(max_length=20, choices=EscalationTrigger.choices)
    proposed_level = models.PositiveSmallIntegerField(choices=EscalationLevel.choices)
    reason = models.TextField()
    evidence_complaints = models.ManyToManyField(Complaint, blank=True, related_name="+")
    evidence_kpi_results = models.ManyToManyField(
        "commissioning.KpiResult", blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            # One open proposal per contract and trigger: re-running the triggers adds none.
            models.UniqueConstraint(
                fields=["contract", "trigger"],
                condition=models.Q(status="pending"),
                name="one_pending_proposal_per_trigger",
            ),
        ]

    def __str__(self):
        return f"proposal to move {self.contract} to level {self.proposed_level}"


class EscalationStep(models.Model):
    """A decided move on a contract's escalation ladder, with its evidence and deadline."""

    contract = models.ForeignKey(
        "commissioning.Contract", on_delete=models.CASCADE, related_name="escalation_steps"
    )
    from_level = models.PositiveSmallIntegerField(choices=EscalationLevel.choices)
    level = models.PositiveSmallIntegerField(choices=EscalationLevel.choices)
    reason = models.TextField()
    proposal = models.OneToOneField(
        EscalationProposal, null=True, blank=True, on_delete=models.PROTECT, related_name="step"
    )
    evidence_complaints = models.ManyToManyField(Complaint, blank=True, related_name="+")
    evidence_kpi_results = models.ManyToManyField(
        "commissioning.KpiResult", blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    # Level 2: the date the provider's improvement plan is due.
    plan_due_on = models.DateField(null=True, blank=True)
    continuity = models.CharField(max_length=20, choices=ContinuityOption.choices, blank=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self):
        return f"{self.contract} to level {self.level}"


class ImprovementPlan(models.Model):
    """The provider's plan in answer to a performance notice."""

    step = models.OneToOneField(
        EscalationStep, on_delete=models.CASCADE, related_name="improvement_plan"
    )
    text = models.TextField(max_length=10000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    is_late = models.BooleanField(default=False)

    def __str__(self):
        return f"improvement plan for {self.step}"
