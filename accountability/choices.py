from django.db import models


class ComplaintCategory(models.TextChoices):
    QUALITY = "quality", "Quality of service"
    STAFF_CONDUCT = "staff_conduct", "Staff conduct"
    ACCESS = "access", "Access or discrimination"
    SAFEGUARDING = "safeguarding", "Safety or safeguarding"
    MISSED_SERVICE = "missed_service", "Missed service"
    OTHER = "other", "Something else"


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Being investigated"
    RESPONDED = "responded", "Responded to"
    CLOSED = "closed", "Closed"


class ComplaintOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


UPHELD_OUTCOMES = (ComplaintOutcome.UPHELD, ComplaintOutcome.PARTLY_UPHELD)


class Ombudsman(models.TextChoices):
    LGSCO = "lgsco", "Local Government and Social Care Ombudsman"
    PHSO = "phso", "Parliamentary and Health Service Ombudsman"


class OmbudsmanOutcome(models.TextChoices):
    PENDING = "", "Not decided yet"
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"
    NOT_INVESTIGATED = "not_investigated", "Not investigated"


class EscalationLevel(models.IntegerChoices):
    NORMAL = 0, "Normal"
    ENHANCED_MONITORING = 1, "Enhanced monitoring"
    PERFORMANCE_NOTICE = 2, "Performance notice and improvement plan"
    FORMAL_WARNING = 3, "Formal warning or step-in"
    TERMINATION = 4, "Termination and continuity"


class EscalationTrigger(models.TextChoices):
    UPHELD_COMPLAINTS = "upheld_complaints", "Upheld complaints within the window"
    SAFEGUARDING = "safeguarding", "An upheld safeguarding complaint"
    KPI_MISSES = "kpi_misses", "A KPI target missed in consecutive periods"
    OFFICER = "officer", "An officer's decision"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "Awaiting an officer's decision"
    CONFIRMED = "confirmed", "Confirmed"
    OVERRIDDEN = "overridden", "Overridden"


class ContinuityOption(models.TextChoices):
    NONE = "", "Not applicable"
    REPROCURE = "reprocure", "Re-procure the service"
    PROVIDER_OF_LAST_RESORT = "last_resort", "Provider of last resort"
    IN_HOUSE = "in_house", "Bring the service in-house"
