import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.functions import RandomUUID
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import GeneratedField
from django.db.models.functions import Lower

from core.choices import Region
from core.inputs import validate_single_line
from core.statemachine import StateMachine
from core.validators import validate_org_id

from .choices import (
    MAX_RENEWAL_NOTICE_MONTHS,
    QUALITY_SCALE_MAX,
    AwardStatus,
    BidStatus,
    CommissionerKind,
    ContractStatus,
    CriterionKind,
    LotReservation,
    Procedure,
    ReportingFrequency,
    TenderStatus,
)


class CommissionerOrganisation(models.Model):
    """A public body, or a community, that buys public services."""

    name = models.CharField(max_length=200, validators=[validate_single_line])
    kind = models.CharField(max_length=30, choices=CommissionerKind.choices)
    # org-id.guide form, for example GB-LAE-MAN (a local authority in England) or GB-GOR-D19.
    identifier = models.CharField(max_length=50, unique=True, validators=[validate_org_id])
    region = models.CharField(max_length=3, choices=Region.choices)
    website = models.URLField(blank=True)
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "commissioner"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="commissioner_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(kind__in=CommissionerKind.values), name="commissioner_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(region__in=[r.value for r in Region]),
                name="commissioner_region_valid",
            ),
        ]

    def __str__(self):
        return self.name


class CpvCode(models.Model):
    """A Common Procurement Vocabulary code: how every tender says what it buys.

    Loaded from a CSV by `manage.py load_cpv` (the repository ships a documented subset of
    the services divisions; load the full EU list the same way)."""

    code = models.CharField(max_length=10, primary_key=True)  # e.g. 85311000-2
    description = models.CharField(max_length=255)

    class Meta:
        ordering = ["code"]
        verbose_name = "CPV code"

    def __str__(self):
        return f"{self.code} {self.description}"

    @property
    def division(self) -> str:
        return self.code[:2]


class Tender(models.Model):
    """An opportunity a commissioner publishes, from draft to contract."""

    commissioner = models.ForeignKey(
        CommissionerOrganisation, on_delete=models.PROTECT, related_name="tenders"
    )
    title = models.CharField(max_length=200, validators=[validate_single_line])
    description = models.TextField()
    main_cpv = models.ForeignKey(
        CpvCode,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name="main service category",
    )
    additional_cpvs = models.ManyToManyField(CpvCode, blank=True, related_name="+")
    region = models.CharField(max_length=3, choices=Region.choices)
    procedure = models.CharField(max_length=30, choices=Procedure.choices)
    estimated_value = models.DecimalField(
        "estimated value (£)", max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    contract_term_months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    # Each option extends the contract by this many months: [12, 12] is "2+1+1" on a 24-month term.
    extension_option_months = ArrayField(
        models.PositiveSmallIntegerField(), default=list, blank=True
    )
    clarification_deadline = models.DateTimeField(null=True, blank=True)
    submission_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=20, choices=TenderStatus.choices, default=TenderStatus.DRAFT, db_index=True
    )
    social_value_exemption_reason = models.TextField(blank=True)
    cancellation_reason = models.TextField(blank=True)
    panel = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="PanelMember", related_name="panel_tenders"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Set when the panel may read the bids: the tender key has been unwrapped.
    bids_opened_at = models.DateTimeField(null=True, blank=True)
    search_document = GeneratedField(
        expression=SearchVector("title", "description", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["submission_deadline", "id"]
        indexes = [
            GinIndex(fields=["search_document"], name="tender_search_gin"),
            models.Index(fields=["status", "submission_deadline"], name="tender_status_deadline"),
            models.Index(fields=["region", "status"], name="tender_region_status"),
            # The public list's value-band and region filters (bench/bench_tenders.py).
            models.Index(
                fields=["status", "region", "estimated_value"], name="tender_status_region_value"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TenderStatus.values), name="tender_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(clarification_deadline__isnull=True)
                | models.Q(submission_deadline__isnull=True)
                | models.Q(clarification_deadline__lt=models.F("submission_deadline")),
                name="tender_clarifications_close_first",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def reference(self) -> str:
        return f"CM-T-{self.pk:06d}"

    @property
    def is_open_for_bids(self) -> bool:
        return self.status == TenderStatus.PUBLISHED

    @property
    def audit_hold_name(self) -> str:
        """Holds audit entries about this tender's bids out of the audit chain until its bids
        are opened (or it is cancelled): see `Bid.audit_hold`."""
        return f"commissioning.Tender:{self.pk}"

    @property
    def extension_summary(self) -> str:
        """The term and options as officers write them: "24 months + 12 + 12"."""
        options = "".join(f" + {m}" for m in self.extension_option_months)
        return f"{self.contract_term_months} months{options}"


TENDER_STATES = StateMachine(
    field="status",
    transitions={
        TenderStatus.DRAFT: {TenderStatus.PUBLISHED, TenderStatus.CANCELLED},
        TenderStatus.PUBLISHED: {TenderStatus.CLOSED, TenderStatus.CANCELLED},
        TenderStatus.CLOSED: {TenderStatus.EVALUATION, TenderStatus.CANCELLED},
        TenderStatus.EVALUATION: {TenderStatus.AWARDED, TenderStatus.CANCELLED},
        TenderStatus.AWARDED: {TenderStatus.CONTRACTED, TenderStatus.CANCELLED},
    },
)


class TenderStatusChange(models.Model):
    """The tender's recorded history: every move of its state machine."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=TenderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TenderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.from_status or 'new'} to {self.to_status}"


class Lot(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200, validators=[validate_single_line])
    description = models.TextField(blank=True)
    estimated_value = models.DecimalField(
        "estimated value (£)", max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    reservation = models.CharField(
        max_length=10, choices=LotReservation.choices, blank=True, default=LotReservation.NONE
    )

    class Meta:
        ordering = ["tender", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "number"], name="lot_number_unique"),
        ]
        indexes = [
            # "Reserved or suitable for small or VCSE providers" looks only at these lots.
            models.Index(
                fields=["tender"],
                condition=models.Q(reservation__in=["vcse", "small", "mutual"]),
                name="lot_reserved_by_tender",
            ),
        ]

    def __str__(self):
        return f"Lot {self.number}: {self.title}"


class EvaluationCriterion(models.Model):
    """How bids are scored: every lot of the tender uses the same criteria and weights."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(max_length=20, choices=CriterionKind.choices)
    title = models.CharField(max_length=200, validators=[validate_single_line])
    guidance = models.TextField(blank=True)
    weight = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["tender", "id"]
        verbose_name_plural = "evaluation criteria"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=1, weight__lte=100), name="criterion_weight_range"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.weight}%)"


class TenderDocument(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200, validators=[validate_single_line])
    file = models.FileField(upload_to="tenders/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.title


class Clarification(models.Model):
    """A provider's question and the officer's answer, published to every provider.

    Who asked is kept for the officer, and never shown to anyone else."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="clarifications")
    asked_by_provider = models.ForeignKey(
        "providers.ProviderOrganisation", on_delete=models.PROTECT, related_name="+"
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(max_length=4000)
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(blank=True, max_length=8000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self):
        return self.question[:80]


class PanelMember(models.Model):
    """An evaluator on a tender's panel, with their declaration of interests."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="panel_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField(null=True, blank=True)
    has_conflict = models.BooleanField(null=True)
    conflict_details = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tender", "user"], name="panel_member_unique"),
        ]

    def __str__(self):
        return f"{self.user} on {self.tender}"

    @property
    def may_score(self) -> bool:
        return self.declared_at is not None and self.has_conflict is False


class TenderKey(models.Model):
    """The tender's own key for its bids, wrapped (encrypted) by the master key.

    The master key comes from the environment (BID_MASTER_KEY), never the database, so a
    database dump alone cannot open a bid."""

    tender = models.OneToOneField(Tender, on_delete=models.CASCADE, related_name="sealing_key")
    wrapped_key = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"sealing key of tender {self.tender_id}"


class Bid(models.Model):
    """A provider's sealed bid for one lot.

    Price, answers and consortium partners are in `sealed_contents`, encrypted under the
    tender's key; only `commissioning.sealing` opens them, and only after the tender closed."""

    # What URLs, the API and references show instead of the id: ids come from one sequence,
    # so a bidder comparing its own would see the gaps other bids made.
    public_id = models.UUIDField(
        default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False
    )
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="bids")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="bids")
    provider = models.ForeignKey(
        "providers.ProviderOrganisation", on_delete=models.PROTECT, related_name="bids"
    )
    status = models.CharField(max_length=12, choices=BidStatus.choices, default=BidStatus.SUBMITTED)
    sealed_contents = models.BinaryField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Copied out of the sealed contents when the bids are opened, for ranking and open data.
    opened_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # Why the bid was found not eligible when its tender closed (status "ineligible"), in
    # words the panel and the bidder both read. Defaulted in the database too, so bulk loads
    # written in SQL (bench/seed_contracts.py) need not name it.
    ineligible_reason = models.TextField(blank=True, default="", db_default="")

    class Meta:
        ordering = ["tender", "lot", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "provider"],
                condition=models.Q(status="submitted"),
                name="one_live_bid_per_lot_per_provider",
            ),
        ]

    def __str__(self):
        return f"Bid {self.reference} for {self.lot}"

    @property
    def reference(self) -> str:
        """The bid's reference for its bidder, from its public id: "CM-B-3F9A-0C7E-51D2"."""
        digits = self.public_id.hex[:12].upper()
        return f"CM-B-{digits[:4]}-{digits[4:8]}-{digits[8:]}"

    def audit_hold(self) -> str:
        """Audit entries about a bid stay out of the chain, and out of staff's sight, until
        the tender's bids are opened: entries, positions or hashes appearing as bids arrive
        would let staff count them (core.services.audit_record reads this)."""
        tender = self.tender
        return "" if tender.bids_opened_at else tender.audit_hold_name


class BidDocument(models.Model):
    """A file attached to a bid, stored encrypted under the tender's key with its name."""

    # In URLs and the API instead of the id, as for bids.
    public_id = models.UUIDField(
        default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False
    )
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="documents")
    sealed_name = models.BinaryField()
    sealed_content = models.BinaryField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"document {self.public_id}"


class Score(models.Model):
    """One evaluator's score of one bid against one quality or social value criterion."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(EvaluationCriterion, on_delete=models.CASCADE, related_name="+")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(QUALITY_SCALE_MAX)])
    justification = models.TextField()
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bid", "criterion", "evaluator"], name="one_score_per_evaluator"
            ),
            models.CheckConstraint(
                condition=models.Q(score__lte=QUALITY_SCALE_MAX), name="score_in_scale"
            ),
        ]

    def __str__(self):
        return f"{self.score} for bid {self.bid_id}"


class ModeratedScore(models.Model):
    """The panel's consensus score for a bid against a criterion, after moderation."""

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="moderated_scores")
    criterion = models.ForeignKey(EvaluationCriterion, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(QUALITY_SCALE_MAX)])
    rationale = models.TextField()
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    moderated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bid", "criterion"], name="one_moderated_score"),
            models.CheckConstraint(
                condition=models.Q(score__lte=QUALITY_SCALE_MAX), name="moderated_score_in_scale"
            ),
        ]

    def __str__(self):
        return f"moderated {self.score} for bid {self.bid_id}"


class Award(models.Model):
    """The decision on one lot: the winning bid (or why none won), and its standstill."""

    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="award")
    bid = models.ForeignKey(Bid, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=AwardStatus.choices)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    standstill_ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="not_awarded", bid__isnull=True)
                | models.Q(status__in=["standstill", "contracted"], bid__isnull=False),
                name="award_has_bid_unless_not_awarded",
            ),
        ]

    def __str__(self):
        return f"award of {self.lot}"


class Contract(models.Model):
    commissioner = models.ForeignKey(
        CommissionerOrganisation, on_delete=models.PROTECT, related_name="contracts"
    )
    provider = models.ForeignKey(
        "providers.ProviderOrganisation", on_delete=models.PROTECT, related_name="contracts"
    )
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="contracts")
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="contract")
    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="contract")
    title = models.CharField(max_length=300, validators=[validate_single_line])
    value = models.DecimalField("value (£)", max_digits=14, decimal_places=2)
    start_date = models.DateField()
    end_date = models.DateField(db_index=True)
    extension_options_remaining = ArrayField(
        models.PositiveSmallIntegerField(), default=list, blank=True
    )
    notice_period_days = models.PositiveSmallIntegerField(default=90)
    status = models.CharField(
        max_length=12,
        choices=ContractStatus.choices,
        default=ContractStatus.ACTIVE,
        db_index=True,
    )
    # Consortium partners from the winning bid: registered providers by id, others by name.
    partners = models.JSONField(default=list, blank=True)
    # The current step of the accountability escalation ladder (0 normal to 4 termination),
    # kept here so lists and public pages show it without reading the history.
    escalation_level = models.PositiveSmallIntegerField(default=0, db_index=True)
    # Contract management: how often the contract is reviewed, and how long before its end
    # date the renewal decision opens.
    review_frequency_months = models.PositiveSmallIntegerField(default=3)
    renewal_notice_months = models.PositiveSmallIntegerField(default=6)
    # The next date a review falls due; the reviews job reads this index, not every contract.
    next_review_on = models.DateField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gt=models.F("start_date")),
                name="contract_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(renewal_notice_months__lte=MAX_RENEWAL_NOTICE_MONTHS),
                name="contract_renewal_notice_at_most_24_months",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def reference(self) -> str:
        return f"CM-C-{self.pk:06d}"


class Kpi(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200, validators=[validate_single_line])
    target = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=50)
    higher_is_better = models.BooleanField(default=True)
    reporting_frequency = models.CharField(
        max_length=10, choices=ReportingFrequency.choices, default=ReportingFrequency.QUARTERLY
    )

    class Meta:
        ordering = ["contract", "id"]
        verbose_name = "KPI"

    def __str__(self):
        return f"{self.name} (target {self.target} {self.unit})"


class KpiRating(models.TextChoices):
    MET = "met", "Met"
    NEAR_MISS = "near_miss", "Near miss"
    MISSED = "missed", "Missed"


class KpiResult(models.Model):
    """A provider's return: its figure for one KPI in one reporting period, rated against the
    target. `due_on` is when the return was expected; `submitted_at` after it means late."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="results")
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(max_digits=12, decimal_places=2)
    rating = models.CharField(max_length=10, choices=KpiRating.choices)
    due_on = models.DateField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["kpi", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "period_start"], name="one_result_per_period"),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="kpi_period_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.kpi.name} {self.period_start}: {self.value} ({self.rating})"


class ReviewRating(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class ContractReview(models.Model):
    """A periodic review of a contract's performance, prepared by the reviews job and signed
    off by an officer."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reviews")
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField(db_index=True)
    kpis_met = models.PositiveSmallIntegerField(default=0)
    kpis_near_miss = models.PositiveSmallIntegerField(default=0)
    kpis_missed = models.PositiveSmallIntegerField(default=0)
    kpi_returns_missing = models.PositiveSmallIntegerField(default=0)
    complaints_received = models.PositiveIntegerField(default=0)
    complaints_upheld = models.PositiveIntegerField(default=0)
    escalation_triggers_fired = models.PositiveSmallIntegerField(default=0)
    social_value_committed = models.TextField(blank=True)
    social_value_delivered = models.TextField(blank=True)
    rating = models.CharField(max_length=5, choices=ReviewRating.choices)
    comments = models.TextField(blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "id"]
        constraints = [
            # The job may run twice, or on two workers: one review per contract and period.
            models.UniqueConstraint(
                fields=["contract", "period_start"], name="one_review_per_period"
            ),
        ]

    def __str__(self):
        return f"review of {self.contract_id} for {self.period_start} to {self.period_end}"


class RenewalRecommendation(models.TextChoices):
    EXTEND = "extend", "Extend the contract"
    REPROCURE = "reprocure", "Re-procure the service"
    IN_HOUSE = "in_house", "Bring the service in-house"
    DECOMMISSION = "decommission", "Decommission the service"


class RenewalDecision(models.Model):
    """The decision, opened at the contract's notice point, on what happens at its end date."""

    class Status(models.TextChoices):
        OPEN = "open", "Awaiting a decision"
        DECIDED = "decided", "Decided"

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="renewals")
    # The end date the decision is about: one decision per contract and end date.
    end_date = models.DateField()
    opened_on = models.DateField()
    due_on = models.DateField(db_index=True)
    recommendation = models.CharField(max_length=15, choices=RenewalRecommendation.choices)
    recommendation_reasons = models.TextField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    decision = models.CharField(max_length=15, choices=RenewalRecommendation.choices, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_on = models.DateField(null=True, blank=True)
    escalated_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "end_date"], name="one_renewal_per_end_date"
            ),
        ]

    def __str__(self):
        return f"renewal of {self.contract_id} ending {self.end_date}"


class ContractExtension(models.Model):
    """An approved extension: the contract's end date before and after, and the option used."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="extensions")
    renewal = models.OneToOneField(
        RenewalDecision, null=True, blank=True, on_delete=models.PROTECT, related_name="extension"
    )
    previous_end_date = models.DateField()
    new_end_date = models.DateField()
    months = models.PositiveSmallIntegerField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["approved_at", "id"]

    def __str__(self):
        return f"{self.contract_id} extended to {self.new_end_date}"


# --- OCDS publication: tender amendments and imports ------------------------------------------


class TenderAmendment(models.Model):
    """A change to a published tender (a later deadline, a corrected description, a revised
    value), with the values before and after and the officer's rationale. Each one is
    published in OCDS as `tender.amendments` and a release tagged `tenderAmendment`."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="amendments")
    rationale = models.TextField()
    # {field: {"before": value, "after": value}}, values as JSON (dates in ISO 8601).
    changes = models.JSONField()
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    amended_at = models.DateTimeField()

    class Meta:
        ordering = ["amended_at", "id"]
        indexes = [models.Index(fields=["amended_at"], name="tender_amendment_date")]

    def __str__(self):
        return f"amendment {self.pk} of {self.tender}"


class OcdsImportedTender(models.Model):
    """A tender loaded from another system's OCDS data: it keeps (and is republished under)
    its foreign ocid."""

    tender = models.OneToOneField(Tender, on_delete=models.CASCADE, related_name="ocds_import")
    ocid = models.CharField(max_length=200, unique=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.ocid


class OcdsImportedRelease(models.Model):
    """One OCDS release already imported: a re-import skips it."""

    imported_tender = models.ForeignKey(
        OcdsImportedTender, on_delete=models.CASCADE, related_name="releases"
    )
    release_id = models.CharField(max_length=300)
    release_date = models.DateTimeField()
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["imported_tender", "release_id"], name="ocds_release_once_per_ocid"
            )
        ]

    def __str__(self):
        return self.release_id
