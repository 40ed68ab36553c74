from django.db import models


class Role(models.TextChoices):
    COMMISSIONING_OFFICER = "commissioning_officer", "Commissioning officer"
    COMMISSIONING_MANAGER = "commissioning_manager", "Commissioning manager"
    PROVIDER_ADMIN = "provider_admin", "Provider admin"
    BID_WRITER = "bid_writer", "Bid writer"


COMMISSIONER_ROLES = (Role.COMMISSIONING_OFFICER, Role.COMMISSIONING_MANAGER)
PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.BID_WRITER)


class ApiScope(models.TextChoices):
    """What an API key may do. A key never does more than its user could do in the pages:
    the scopes narrow the user's rights, they never widen them."""

    TENDERS_READ = "tenders:read", "Read tenders, lots, criteria and clarifications"
    TENDERS_WRITE = "tenders:write", "Draft, publish, amend, close and cancel tenders"
    BIDS_READ = "bids:read", "Read your organisation's bids"
    BIDS_WRITE = "bids:write", "Submit, update and withdraw bids"
    EVALUATIONS_READ = "evaluations:read", "Read evaluation scores (panel members only)"
    EVALUATIONS_WRITE = "evaluations:write", "Declare conflicts, score and moderate bids"
    AWARDS_WRITE = "awards:write", "Make awards"
    CONTRACTS_READ = "contracts:read", "Read contracts, KPIs, reviews and renewal decisions"
    CONTRACTS_WRITE = "contracts:write", "Create contracts, submit KPI returns, decide renewals"
    COMPLAINTS_READ = "complaints:read", "Read complaints about your organisation's contracts"
    COMPLAINTS_WRITE = "complaints:write", "Handle complaints and escalations"
    WEBHOOKS_MANAGE = "webhooks:manage", "Register webhooks and read their deliveries"
    API_KEYS_MANAGE = "api_keys:manage", "List and revoke your organisation's API keys"
