from django.db import models


class CommissionerKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    NHS_BODY = "nhs_body", "NHS body"
    CENTRAL_GOVERNMENT = "central_government", "Central government department"
    COMMUNITY_PURCHASER = (
        "community_purchaser",
        "Community purchaser (parish or town council, community trust)",
    )


class Procedure(models.TextChoices):
    """Procurement Act 2023 procedures, and the light-touch regime for social care."""

    OPEN = "open", "Open procedure"
    COMPETITIVE_FLEXIBLE = "competitive_flexible", "Competitive flexible procedure"
    DIRECT_AWARD = "direct_award", "Direct award"
    LIGHT_TOUCH = "light_touch", "Light-touch regime (social and other specific services)"


# The shortest period, in days, between publishing a tender and its submission deadline
# (Procurement Act 2023, section 54: 25 days for open and competitive flexible procedures with
# electronic submission; 10 days for light-touch contracts). A direct award has no competition,
# but the provider still needs time to respond: we ask for 5.
MINIMUM_TENDER_PERIOD_DAYS = {
    Procedure.OPEN: 25,
    Procedure.COMPETITIVE_FLEXIBLE: 25,
    Procedure.LIGHT_TOUCH: 10,
    Procedure.DIRECT_AWARD: 5,
}


class TenderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Open for bids"
    CLOSED = "closed", "Closed"
    EVALUATION = "evaluation", "In evaluation"
    AWARDED = "awarded", "Awarded (standstill)"
    CONTRACTED = "contracted", "Contracted"
    CANCELLED = "cancelled", "Cancelled"


class LotReservation(models.TextChoices):
    """Lots a commissioner reserves for some kinds of provider (Procurement Act s.32, s.33)."""

    NONE = "", "Open to all providers"
    VCSE = "vcse", "Reserved for voluntary, community and social enterprise organisations"
    MUTUAL = "mutual", "Reserved for public service mutuals"
    SMALL = "small", "Reserved for small and micro providers"


class CriterionKind(models.TextChoices):
    PRICE = "price", "Price"
    QUALITY = "quality", "Quality"
    SOCIAL_VALUE = "social_value", "Social value"


# Social value carries at least this share of the marks (the Social Value Model, PPN 06/20),
# unless the officer records why not.
MINIMUM_SOCIAL_VALUE_WEIGHT = 10


class BidStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"
    # Found at closing to no longer qualify for its reserved lot, or its provider excluded:
    # kept on record with the reason, and never scored.
    INELIGIBLE = "ineligible", "Not eligible"


class PartnerKind(models.TextChoices):
    """What a consortium partner that is not registered on the platform is."""

    COMMUNITY_GROUP = "community group", "Community group"
    VOLUNTEER_GROUP = "volunteer group", "Volunteer group"
    CHARITY = "charity", "Charity"
    SOCIAL_ENTERPRISE = "social enterprise", "Social enterprise"
    OTHER = "other", "Other organisation"


class AwardStatus(models.TextChoices):
    STANDSTILL = "standstill", "In standstill"
    CONTRACTED = "contracted", "Contract made"
    NOT_AWARDED = "not_awarded", "Not awarded"


class ContractStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXTENDED = "extended", "Extended"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


# A renewal decision opens at most this long before a contract ends; the renewals job looks
# no further ahead than this.
MAX_RENEWAL_NOTICE_MONTHS = 24


class ReportingFrequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUALLY = "annually", "Annually"


# The quality and social value scoring scale evaluators use, as most UK councils do.
QUALITY_SCALE = {
    0: "Unacceptable: no answer, or the answer does not meet the requirement",
    1: "Poor: significant gaps or risks",
    2: "Weak: meets some of the requirement, with gaps",
    3: "Satisfactory: meets the requirement",
    4: "Good: meets the requirement with some added value",
    5: "Excellent: exceeds the requirement with clear evidence",
}
QUALITY_SCALE_MAX = 5
