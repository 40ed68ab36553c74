"""Our statuses and choices, mapped to the OCDS 1.1.5 codelists (../shared/ocds/1.1.5/codelists).

Every value here is a code from the closed codelist it is used for; tests check that against
the CSV files."""

from ..choices import AwardStatus, ContractStatus, Procedure, TenderStatus

VERSION = "1.1"
CURRENCY = "GBP"
CPV_SCHEME = "CPV"
MAIN_PROCUREMENT_CATEGORY = "services"  # procurementCategory.csv: we commission services
AWARD_CRITERIA = "ratedCriteria"  # awardCriteria.csv: weighted price, quality, social value

# The lots extension is declared in every package: tender.lots, items' relatedLot and awards'
# relatedLots come from it (core OCDS has no lots).
LOTS_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/"
    "v1.1.5/extension.json"
)

# method.csv
PROCUREMENT_METHOD = {
    Procedure.OPEN: "open",
    Procedure.COMPETITIVE_FLEXIBLE: "selective",
    Procedure.DIRECT_AWARD: "direct",
    Procedure.LIGHT_TOUCH: "open",
}
PROCEDURE_FROM_METHOD = {
    "open": Procedure.OPEN,
    "selective": Procedure.COMPETITIVE_FLEXIBLE,
    "limited": Procedure.COMPETITIVE_FLEXIBLE,
    "direct": Procedure.DIRECT_AWARD,
}

# tenderStatus.csv. A tender closed or in evaluation is still an active tender process;
# once every lot is decided it is complete.
TENDER_STATUS = {
    TenderStatus.PUBLISHED: "active",
    TenderStatus.CLOSED: "active",
    TenderStatus.EVALUATION: "active",
    TenderStatus.AWARDED: "complete",
    TenderStatus.CONTRACTED: "complete",
    TenderStatus.CANCELLED: "cancelled",
}

# awardStatus.csv: a decision in standstill is proposed but not yet in force.
AWARD_STATUS = {
    AwardStatus.STANDSTILL: "pending",
    AwardStatus.CONTRACTED: "active",
    AwardStatus.NOT_AWARDED: "unsuccessful",
}

# contractStatus.csv: an expired contract "was signed and in force, and has now come to a close".
CONTRACT_STATUS = {
    ContractStatus.ACTIVE: "active",
    ContractStatus.EXTENDED: "active",
    ContractStatus.EXPIRED: "terminated",
    ContractStatus.TERMINATED: "terminated",
}

# milestoneStatus.csv, for KPI results (rated met, near miss, missed).
KPI_MILESTONE_STATUS = {"met": "met", "near_miss": "partiallyMet", "missed": "notMet"}
MILESTONE_TYPE_KPI = "reporting"  # milestoneType.csv

# releaseTag.csv, per event in a tender's life.
TAG_TENDER = "tender"
TAG_AMENDMENT = "tenderAmendment"
TAG_TENDER_UPDATE = "tenderUpdate"
TAG_CANCELLATION = "tenderCancellation"
TAG_AWARD = "award"
TAG_CONTRACT = "contract"
TAG_IMPLEMENTATION = "implementation"
TAG_TERMINATION = "contractTermination"
TAG_COMPILED = "compiled"

# Our scale, in the open `details` object (core 1.1.5 has no party scale field).
SME_SIZE_BANDS = {"micro", "small", "medium"}
