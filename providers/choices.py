from django.db import models


class ProviderKind(models.TextChoices):
    PRIVATE = "private", "Private company"
    THIRD_SECTOR = "third_sector", "Third sector (charity, social enterprise, co-operative, mutual)"
    COMMUNITY = "community", "Community group"


class LegalForm(models.TextChoices):
    COMPANY = "company", "Company"
    CHARITY = "charity", "Registered charity"
    CIO = "cio", "Charitable incorporated organisation (CIO)"
    CIC = "cic", "Community interest company (CIC)"
    COOPERATIVE = "cooperative", "Co-operative society"
    COMMUNITY_BENEFIT_SOCIETY = "community_benefit_society", "Community benefit society"
    PUBLIC_SERVICE_MUTUAL = "public_service_mutual", "Public service mutual"
    UNINCORPORATED = "unincorporated", "Unincorporated community group"


class SizeBand(models.TextChoices):
    """The UK SME definitions by staff headcount, as Crown Commercial Service uses them."""

    MICRO = "micro", "Micro (fewer than 10 staff)"
    SMALL = "small", "Small (10 to 49 staff)"
    MEDIUM = "medium", "Medium (50 to 249 staff)"
    LARGE = "large", "Large (250 staff or more)"


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", "Not yet verified"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Verification refused"


class IdentifierScheme(models.TextChoices):
    """org-id.guide list codes for the registers UK providers appear on."""

    COMPANIES_HOUSE = "GB-COH", "Companies House"
    CHARITY_ENGLAND_WALES = "GB-CHC", "Charity Commission for England and Wales"
    CHARITY_SCOTLAND = "GB-SC", "Scottish Charity Regulator"
    CHARITY_NORTHERN_IRELAND = "GB-NIC", "Charity Commission for Northern Ireland"
    MUTUALS_REGISTER = "GB-MPR", "Mutuals Public Register (FCA)"
