"""factory_boy factories for every app's models. Tests build what their story needs."""

import factory
from factory.django import DjangoModelFactory

from accounts.choices import Role
from accounts.models import User
from commissioning.choices import CommissionerKind
from commissioning.models import CommissionerOrganisation
from core.choices import Region
from providers.choices import (
    IdentifierScheme,
    LegalForm,
    ProviderKind,
    SizeBand,
    VerificationStatus,
)
from providers.models import ProviderIdentifier, ProviderOrganisation

PASSWORD = "correct-horse-battery"


class CommissionerFactory(DjangoModelFactory):
    class Meta:
        model = CommissionerOrganisation

    name = factory.Sequence(lambda n: f"Testshire Council {n}")
    kind = CommissionerKind.LOCAL_AUTHORITY
    identifier = factory.Sequence(lambda n: f"GB-LAE-T{n:04d}")
    region = Region.NORTH_WEST


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = ProviderOrganisation

    name = factory.Sequence(lambda n: f"Helping Hands {n}")
    kind = ProviderKind.THIRD_SECTOR
    legal_form = LegalForm.CHARITY
    size_band = SizeBand.SMALL
    verification_status = VerificationStatus.VERIFIED
    postcode = "M1 1AE"
    regions = factory.LazyFunction(lambda: [Region.NORTH_WEST.value])


class ProviderIdentifierFactory(DjangoModelFactory):
    class Meta:
        model = ProviderIdentifier

    provider = factory.SubFactory(ProviderFactory)
    scheme = IdentifierScheme.CHARITY_ENGLAND_WALES
    value = factory.Sequence(lambda n: f"{1100000 + n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class OfficerFactory(UserFactory):
    role = Role.COMMISSIONING_OFFICER
    commissioner = factory.SubFactory(CommissionerFactory)


class ManagerFactory(UserFactory):
    role = Role.COMMISSIONING_MANAGER
    commissioner = factory.SubFactory(CommissionerFactory)


class ProviderAdminFactory(UserFactory):
    role = Role.PROVIDER_ADMIN
    provider = factory.SubFactory(ProviderFactory)


class BidWriterFactory(UserFactory):
    role = Role.BID_WRITER
    provider = factory.SubFactory(ProviderFactory)


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


# --- tendering ----------------------------------------------------------------------------

from datetime import timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402

from django.utils import timezone  # noqa: E402

from commissioning import sealing  # noqa: E402
from commissioning.choices import (  # noqa: E402
    BidStatus,
    CriterionKind,
    Procedure,
    TenderStatus,
)
from commissioning.models import (  # noqa: E402
    Bid,
    CpvCode,
    EvaluationCriterion,
    Lot,
    PanelMember,
    Tender,
    TenderKey,
)


class CpvCodeFactory(DjangoModelFactory):
    class Meta:
        model = CpvCode
        django_get_or_create = ("code",)

    code = "85310000-5"
    description = "Social work services"


class TenderFactory(DjangoModelFactory):
    """A draft tender; see `published_tender` for one that is open for bids."""

    class Meta:
        model = Tender

    commissioner = factory.SubFactory(CommissionerFactory)
    created_by = factory.SubFactory(
        OfficerFactory, commissioner=factory.SelfAttribute("..commissioner")
    )
    title = factory.Sequence(lambda n: f"Community support service {n}")
    description = "Befriending and practical support for older people living alone."
    main_cpv = factory.SubFactory(CpvCodeFactory)
    region = Region.NORTH_WEST
    procedure = Procedure.OPEN
    estimated_value = Decimal("250000.00")
    contract_term_months = 24
    extension_option_months = factory.LazyFunction(lambda: [12, 12])
    clarification_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=20))
    submission_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))


class LotFactory(DjangoModelFactory):
    class Meta:
        model = Lot

    tender = factory.SubFactory(TenderFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Area {n}")
    estimated_value = Decimal("125000.00")


class CriterionFactory(DjangoModelFactory):
    class Meta:
        model = EvaluationCriterion

    tender = factory.SubFactory(TenderFactory)
    kind = CriterionKind.QUALITY
    title = "Service delivery"
    weight = 50


def published_tender(*, lots: int = 2, evaluators: int = 1, **tender_fields) -> Tender:
    """A tender open for bids, built directly (not through the services) for speed:
    lots, criteria (price 40, quality 50, social value 10), a panel and a sealing key."""
    tender = TenderFactory(
        status=TenderStatus.PUBLISHED, published_at=timezone.now(), **tender_fields
    )
    for number in range(1, lots + 1):
        LotFactory(tender=tender, number=number, title=f"Lot area {number}")
    CriterionFactory(tender=tender, kind=CriterionKind.PRICE, title="Price", weight=40)
    CriterionFactory(tender=tender, kind=CriterionKind.QUALITY, title="Quality", weight=50)
    CriterionFactory(
        tender=tender, kind=CriterionKind.SOCIAL_VALUE, title="Social value", weight=10
    )
    for _ in range(evaluators):
        PanelMember.objects.create(
            tender=tender, user=OfficerFactory(commissioner=tender.commissioner)
        )
    TenderKey.objects.create(tender=tender, wrapped_key=sealing.new_wrapped_tender_key())
    return tender


def sealed_bid(*, lot: Lot, provider=None, price="100000.00", answers=None, partners=None) -> Bid:
    """A submitted bid sealed as the bid service seals it, built directly for speed."""
    provider = provider or ProviderFactory()
    tender = lot.tender
    criteria = list(tender.criteria.exclude(kind=CriterionKind.PRICE))
    contents = {
        "price": str(price),
        "answers": answers or {str(c.pk): f"Our answer to {c.title}" for c in criteria},
        "partners": partners or [],
    }
    now = timezone.now()
    return Bid.objects.create(
        tender=tender,
        lot=lot,
        provider=provider,
        status=BidStatus.SUBMITTED,
        sealed_contents=sealing.seal(tender, contents),
        submitted_by=ProviderAdminFactory(provider=provider),
        submitted_at=now,
        updated_at=now,
    )


# --- clarifications -----------------------------------------------------------------------

from commissioning.models import Clarification  # noqa: E402


class ClarificationFactory(DjangoModelFactory):
    """A provider's unanswered question on a published tender."""

    class Meta:
        model = Clarification

    tender = factory.LazyFunction(lambda: published_tender(lots=1))
    asked_by_provider = factory.SubFactory(ProviderFactory)
    asked_by = factory.SubFactory(
        ProviderAdminFactory, provider=factory.SelfAttribute("..asked_by_provider")
    )
    question = factory.Sequence(lambda n: f"Can lot {n} be delivered by a partnership?")


# --- providers: exclusions and invitations ------------------------------------------------

import hashlib  # noqa: E402

from providers.models import Invitation, ProviderExclusion  # noqa: E402


class ProviderExclusionFactory(DjangoModelFactory):
    """An exclusion in force: it started 10 days ago and ends in a year."""

    class Meta:
        model = ProviderExclusion

    provider = factory.SubFactory(ProviderFactory)
    reason = "On the debarment list for failing to perform a previous contract."
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    recorded_by = factory.SubFactory(StaffFactory)


class InvitationFactory(DjangoModelFactory):
    """A pending invitation whose link carries `token` (pass your own to know it)."""

    class Meta:
        model = Invitation

    class Params:
        token = factory.Sequence(lambda n: f"test-invitation-token-{n}")

    provider = factory.SubFactory(ProviderFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    role = Role.BID_WRITER
    token_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.token.encode()).hexdigest())
    invited_by = factory.SubFactory(
        ProviderAdminFactory, provider=factory.SelfAttribute("..provider")
    )
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


# --- evaluation, awards and contracts -----------------------------------------------------


def tender_in_evaluation(
    *, prices=("80000.00", "100000.00"), lots: int = 1, evaluators: int = 2, **tender_fields
):
    """A tender whose sealed bids (one per price, all on lot 1, submitted in that order) were
    opened at closing and are now in evaluation. Returns the tender and its bids."""
    from commissioning.services.tenders import tender_close, tender_start_evaluation

    tender = published_tender(lots=lots, evaluators=evaluators, **tender_fields)
    lot = tender.lots.get(number=1)
    bids = [sealed_bid(lot=lot, price=price) for price in prices]
    now = timezone.now()
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=now - timedelta(minutes=2),
        submission_deadline=now - timedelta(minutes=1),
    )
    tender.refresh_from_db()
    tender_close(tender=tender, actor=tender.created_by)
    tender_start_evaluation(tender=tender, actor=tender.created_by)
    tender.refresh_from_db()
    return tender, [Bid.objects.select_related("provider", "lot").get(pk=b.pk) for b in bids]


def panel_scores_and_moderates(tender, scores: dict) -> None:
    """Through the services: every panel member declares no conflict and scores each bid, and
    the first member records the moderated scores. `scores` maps each bid to
    {criterion kind: score} (e.g. {"quality": 4, "social_value": 3})."""
    from commissioning.services.evaluation import (
        conflict_declare,
        moderation_record,
        score_record,
    )

    members = [m.user for m in PanelMember.objects.filter(tender=tender).select_related("user")]
    criteria = list(tender.criteria.exclude(kind=CriterionKind.PRICE))
    for user in members:
        conflict_declare(tender=tender, actor=user, has_conflict=False)
    for bid, by_kind in scores.items():
        for criterion in criteria:
            for user in members:
                score_record(
                    bid=bid,
                    criterion=criterion,
                    actor=user,
                    score=by_kind[criterion.kind],
                    justification=f"{user} scored {criterion.title}",
                )
            moderation_record(
                bid=bid,
                criterion=criterion,
                actor=members[0],
                score=by_kind[criterion.kind],
                rationale=f"The panel agreed {by_kind[criterion.kind]} for {criterion.title}",
            )


def _contracted_award(lot, provider, value):
    from commissioning.choices import AwardStatus
    from commissioning.models import Award

    now = timezone.now()
    bid = Bid.objects.create(
        tender=lot.tender,
        lot=lot,
        provider=provider,
        sealed_contents=b"",  # never opened: the contract already holds what was in it
        submitted_by=ProviderAdminFactory(provider=provider),
        submitted_at=now,
        updated_at=now,
        opened_price=value,
    )
    return Award.objects.create(
        lot=lot,
        bid=bid,
        status=AwardStatus.CONTRACTED,
        decided_by=lot.tender.created_by,
        decided_at=now,
        standstill_ends_at=now,
    )


class ContractFactory(DjangoModelFactory):
    """A contract with its tender, lot, winning bid and award, built directly: for pages that
    list or show contracts. Evaluate through the services to test how contracts are made."""

    class Meta:
        model = "commissioning.Contract"

    commissioner = factory.SubFactory(CommissionerFactory)
    provider = factory.SubFactory(ProviderFactory)
    tender = factory.SubFactory(
        TenderFactory,
        commissioner=factory.SelfAttribute("..commissioner"),
        status=TenderStatus.CONTRACTED,
    )
    lot = factory.SubFactory(LotFactory, tender=factory.SelfAttribute("..tender"))
    value = Decimal("120000.00")
    award = factory.LazyAttribute(lambda o: _contracted_award(o.lot, o.provider, o.value))
    title = factory.LazyAttribute(lambda o: f"{o.tender.title}: {o.lot.title}")
    start_date = factory.LazyFunction(timezone.localdate)
    end_date = factory.LazyAttribute(lambda o: o.start_date + timedelta(days=730))
    extension_options_remaining = factory.LazyFunction(lambda: [12, 12])
    created_by = factory.SelfAttribute("tender.created_by")


# --- accountability -------------------------------------------------------------------------


from accountability.choices import ComplaintCategory  # noqa: E402
from accountability.models import Complaint  # noqa: E402


class ComplaintFactory(DjangoModelFactory):
    """A complaint just received about a contract, with its due dates, built directly.
    Its tracking secret is `tracking_token` (the factory keeps only the hash, as the app does)."""

    class Meta:
        model = Complaint
        exclude = ("tracking_token",)

    contract = factory.SubFactory(ContractFactory)
    commissioner = factory.SelfAttribute("contract.commissioner")
    provider = factory.SelfAttribute("contract.provider")
    reference = factory.Sequence(lambda n: f"CMP-2026-{n + 1:06d}")
    tracking_token = factory.Sequence(lambda n: f"tracking-secret-{n}")
    tracking_token_hash = factory.LazyAttribute(
        lambda o: hashlib.sha256(o.tracking_token.encode()).hexdigest()
    )
    category = ComplaintCategory.QUALITY
    description = "The carer did not arrive on Tuesday and nobody phoned to say so."
    complainant_name = "Pat Citizen"
    complainant_email = "pat@example.org"
    received_at = factory.LazyFunction(timezone.now)
    acknowledge_due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=7))
    response_due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))


# --- escalation -----------------------------------------------------------------------------

from accountability.choices import ComplaintOutcome, ComplaintStatus  # noqa: E402
from commissioning.models import Kpi, KpiRating, KpiResult  # noqa: E402


class UpheldComplaintFactory(ComplaintFactory):
    """A complaint the commissioner has responded to and upheld."""

    status = ComplaintStatus.RESPONDED
    outcome = ComplaintOutcome.UPHELD
    responded_at = factory.LazyFunction(timezone.now)


class KpiFactory(DjangoModelFactory):
    class Meta:
        model = Kpi

    contract = factory.SubFactory(ContractFactory)
    name = factory.Sequence(lambda n: f"Visits on time {n}")
    target = Decimal("95.00")
    unit = "%"


class KpiResultFactory(DjangoModelFactory):
    """One quarter's result; pass period_start and the rating the story needs."""

    class Meta:
        model = KpiResult

    kpi = factory.SubFactory(KpiFactory)
    period_start = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    period_end = factory.LazyAttribute(lambda o: o.period_start + timedelta(days=89))
    value = Decimal("80.00")
    rating = KpiRating.MISSED
    submitted_at = factory.LazyFunction(timezone.now)


# --- citizens' complaints: responses (complaint forms and tracking) ---------------------------


class ComplaintResponseFactory(DjangoModelFactory):
    """A stage 1 response sent to the citizen; the complaint is moved to responded."""

    class Meta:
        model = "accountability.ComplaintResponse"

    complaint = factory.SubFactory(ComplaintFactory, status="responded")
    stage = 1
    outcome = "not_upheld"
    text = "We looked into this and found the visit was rescheduled with notice."
    author = factory.SubFactory(
        OfficerFactory, commissioner=factory.SelfAttribute("..complaint.commissioner")
    )
    sent_at = factory.LazyFunction(timezone.now)


# --- contract management: KPI returns and reviews -------------------------------------------


def contract_due_for_review(*, months_ago: int = 3, **contract_fields):
    """A live contract that started `months_ago` months ago, its first review due today."""
    from commissioning.selectors_kpis import add_months

    today = timezone.localdate()
    return ContractFactory(
        start_date=add_months(today, -months_ago),
        end_date=add_months(today, 24),
        next_review_on=today,
        **contract_fields,
    )


# --- contract management: renewal decisions -------------------------------------------------


class RenewalDecisionFactory(DjangoModelFactory):
    """An open renewal decision on a contract ending in five months, recommending extension."""

    class Meta:
        model = "commissioning.RenewalDecision"

    contract = factory.SubFactory(
        ContractFactory,
        start_date=factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=600)),
        end_date=factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=150)),
    )
    end_date = factory.SelfAttribute("contract.end_date")
    opened_on = factory.LazyFunction(timezone.localdate)
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    recommendation = "extend"
    recommendation_reasons = (
        "An extension option of 12 months remains (2 in all). No KPI was missed in its last "
        "two reporting periods. The contract is at escalation level 0."
    )


# --- contract management in the API: reviews ------------------------------------------------


class ContractReviewFactory(DjangoModelFactory):
    """A review the job prepared for the quarter that just ended, awaiting sign-off."""

    class Meta:
        model = "commissioning.ContractReview"

    contract = factory.SubFactory(ContractFactory)
    period_start = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=91))
    period_end = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    due_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    kpis_met = 2
    rating = "green"
    social_value_committed = "Two apprenticeships for local young people."
