"""Who may see and change commissioners' records. Pages and API both use these policies."""

from accounts.choices import Role
from core.permissions import Action, Policy, is_platform_staff

from .models import CommissionerOrganisation


def commissioners_visible_to(user):
    """A commissioner's users see their own organisation's private pages; staff see all."""
    if is_platform_staff(user):
        return CommissionerOrganisation.objects.all()
    if getattr(user, "is_commissioner_user", False):
        return CommissionerOrganisation.objects.filter(pk=user.commissioner_id)
    return CommissionerOrganisation.objects.none()


def _is_manager_of(user, commissioner) -> bool:
    return user.role == Role.COMMISSIONING_MANAGER and user.commissioner_id == commissioner.pk


commissioner_policy = Policy(
    visible_to=commissioners_visible_to,
    rules={
        Action.CHANGE: _is_manager_of,
        Action.MANAGE_TEAM: _is_manager_of,
    },
    refusals={
        Action.CHANGE: "Only a commissioning manager can change your organisation's details.",
        Action.MANAGE_TEAM: "Only a commissioning manager can manage your team.",
    },
)


# --- Tenders ------------------------------------------------------------------------------
# The public sees published tenders through commissioning.selectors; these policies govern
# the officers' pages and actions.

from .choices import TenderStatus  # noqa: E402
from .models import Bid, Tender  # noqa: E402


def tenders_visible_to(user):
    """Officers see every tender of their own organisation, drafts included; staff see all."""
    if is_platform_staff(user):
        return Tender.objects.all()
    if getattr(user, "is_commissioner_user", False):
        return Tender.objects.filter(commissioner_id=user.commissioner_id)
    return Tender.objects.none()


def _officer_of(user, tender) -> bool:
    return (
        getattr(user, "is_commissioner_user", False)
        and user.commissioner_id == tender.commissioner_id
    )


def _panel_member_of(user, tender) -> bool:
    return _officer_of(user, tender) and tender.panel_members.filter(user=user).exists()


tender_policy = Policy(
    visible_to=tenders_visible_to,
    rules={
        Action.CHANGE: _officer_of,
        Action.EVALUATE: _panel_member_of,
    },
    refusals={
        Action.CHANGE: "Only your organisation's commissioning officers can change this tender.",
        Action.EVALUATE: "Only members of this tender's evaluation panel can evaluate its bids.",
    },
)


# --- Bids ---------------------------------------------------------------------------------


def bids_visible_to(user):
    """A provider's users see their own organisation's bids, at any time.

    A commissioner's users see the bids on their tenders only once the bids were opened after
    closing: before that, the queryset is empty, so no page or count can reveal how many bids
    there are. Platform staff are held to the same rule as commissioners."""
    if getattr(user, "is_provider_user", False):
        return Bid.objects.filter(provider_id=user.provider_id)
    opened = Bid.objects.filter(tender__bids_opened_at__isnull=False).exclude(
        tender__status=TenderStatus.PUBLISHED
    )
    if is_platform_staff(user):
        return opened
    if getattr(user, "is_commissioner_user", False):
        return opened.filter(tender__commissioner_id=user.commissioner_id)
    return Bid.objects.none()


def _bidder_of(user, bid) -> bool:
    return getattr(user, "is_provider_user", False) and user.provider_id == bid.provider_id


bid_policy = Policy(
    visible_to=bids_visible_to,
    rules={Action.CHANGE: _bidder_of},
    refusals={Action.CHANGE: "Only the provider that submitted this bid can change it."},
    lookup="public_id",
)


# --- Bidding on lots ----------------------------------------------------------------------
# The lots of a tender that was published are public facts, so anyone may reach a lot's bid
# form; a draft's lots are its officers' business and look missing. Which provider may bid
# for which lot, and until when, is the bid service's rule (verification, exclusions,
# reservations, the deadline by the database clock).

from .models import Lot  # noqa: E402

BID = "bid"


def lots_visible_to_bidders(user):
    return Lot.objects.exclude(tender__status=TenderStatus.DRAFT)


def is_bidder(user) -> bool:
    """Only a provider's users bid, and only they have a "Your bids" page."""
    return getattr(user, "is_provider_user", False)


BIDDING_REFUSAL = "Only a provider's users can bid. Sign in with your organisation's account."

lot_bidding_policy = Policy(
    visible_to=lots_visible_to_bidders,
    rules={BID: lambda user, lot: is_bidder(user)},
    refusals={BID: BIDDING_REFUSAL},
)


# --- Feedback on bids after an award ------------------------------------------------------
# A bidder sees its own bid's feedback (its scores beside the winner's) once its lot has been
# decided, and nobody else sees it: before the decision, and for anyone else, it looks missing.

from .models import Award  # noqa: E402


def bid_feedback_visible_to(user):
    if not getattr(user, "is_provider_user", False):
        return Bid.objects.none()
    decided_lots = Award.objects.values("lot_id")
    return Bid.objects.filter(
        provider_id=user.provider_id, status="submitted", lot_id__in=decided_lots
    )


bid_feedback_policy = Policy(visible_to=bid_feedback_visible_to, lookup="public_id")


# --- who may ask ---------------------------------------------------------------------------
# Anyone may read published tenders; providers (not excluded) may ask questions about them.

ASK = "ask"


def _public_tenders_for(user):
    from .selectors import public_tenders

    return public_tenders()


def _may_ask(user, tender) -> bool:
    from providers.selectors import exclusion_in_force

    if not getattr(user, "is_provider_user", False):
        return False
    return exclusion_in_force(user.provider) is None


public_tender_policy = Policy(
    visible_to=_public_tenders_for,
    rules={ASK: _may_ask},
    refusals={
        ASK: "Only providers can ask questions about a tender, and not while their "
        "organisation is excluded from bidding."
    },
)


# --- Contract management: KPI returns and contract reviews --------------------------------
# A contract's provider submits its KPI returns; the commissioner's users see the contract's
# KPIs and its reviews, and its officers sign the reviews off. Staff see everything.

from .models import Contract, ContractReview, Kpi  # noqa: E402

SUBMIT_RETURN = "submit_return"
SIGN_OFF = "sign_off"


def kpis_visible_to(user):
    if is_platform_staff(user):
        return Kpi.objects.all()
    if getattr(user, "is_provider_user", False):
        return Kpi.objects.filter(contract__provider_id=user.provider_id)
    if getattr(user, "is_commissioner_user", False):
        return Kpi.objects.filter(contract__commissioner_id=user.commissioner_id)
    return Kpi.objects.none()


def _provider_of_contract(user, kpi) -> bool:
    return getattr(user, "is_provider_user", False) and user.provider_id == kpi.contract.provider_id


kpi_return_policy = Policy(
    visible_to=kpis_visible_to,
    rules={SUBMIT_RETURN: _provider_of_contract},
    refusals={SUBMIT_RETURN: "Only the contract's provider can submit its KPI returns."},
)


def managed_contracts_visible_to(user):
    if is_platform_staff(user):
        return Contract.objects.all()
    if getattr(user, "is_commissioner_user", False):
        return Contract.objects.filter(commissioner_id=user.commissioner_id)
    return Contract.objects.none()


contract_kpis_policy = Policy(visible_to=managed_contracts_visible_to)


def reviews_visible_to(user):
    return ContractReview.objects.filter(contract__in=managed_contracts_visible_to(user))


def _officer_of_review(user, review) -> bool:
    return (
        getattr(user, "is_commissioner_user", False)
        and user.commissioner_id == review.contract.commissioner_id
    )


contract_review_policy = Policy(
    visible_to=reviews_visible_to,
    rules={SIGN_OFF: _officer_of_review},
    refusals={SIGN_OFF: "Only the commissioner's officers can sign off this review."},
)


# --- Renewal decisions ----------------------------------------------------------------------
# The commissioner's users see and decide their own contracts' renewals; staff see all.

from .models import RenewalDecision  # noqa: E402


def renewals_visible_to(user):
    if is_platform_staff(user):
        return RenewalDecision.objects.all()
    if getattr(user, "is_commissioner_user", False):
        return RenewalDecision.objects.filter(contract__commissioner_id=user.commissioner_id)
    return RenewalDecision.objects.none()


def _renewal_officer_of(user, renewal) -> bool:
    return (
        getattr(user, "is_commissioner_user", False)
        and RenewalDecision.objects.filter(
            pk=renewal.pk, contract__commissioner_id=user.commissioner_id
        ).exists()
    )


renewal_policy = Policy(
    visible_to=renewals_visible_to,
    rules={Action.CHANGE: _renewal_officer_of},
    refusals={Action.CHANGE: "Only the commissioner's officers can decide this renewal."},
)


# --- Award decisions ----------------------------------------------------------------------
# A lot's award decision (who won, at what value, when the standstill ends) is a public fact
# from the moment it is made, as the contract award notice is; how the other bids scored is
# not, and no award view shows it.


def awards_visible_to(user):
    return Award.objects.all()


award_policy = Policy(visible_to=awards_visible_to)


# --- The API's tenders and commissioners --------------------------------------------------
# Anyone sees every tender that was published (in any status since); a commissioner's users
# also see their own organisation's drafts, and staff see all. Only the tender's own officers
# change it; providers ask questions about published tenders.


def api_tenders_visible_to(user):
    from .selectors import public_tenders

    return public_tenders() | tenders_visible_to(user)


api_tender_policy = Policy(
    visible_to=api_tenders_visible_to,
    rules={Action.CHANGE: _officer_of, ASK: _may_ask},
    refusals={
        Action.CHANGE: tender_policy.refusals[Action.CHANGE],
        ASK: public_tender_policy.refusals[ASK],
    },
)

# A commissioner's name, kind, identifier and region are public facts.
public_commissioner_policy = Policy(visible_to=lambda user: CommissionerOrganisation.objects.all())


# --- Contracts in the API -----------------------------------------------------------------
# A contract's public facts are open data, for anyone. Its parties (the commissioner's users
# and the provider's users) and staff also see the parts of contract management the pages
# show them: the review schedule, KPI returns and the extension history.


def contracts_visible_to(user):
    return Contract.objects.all()


def contract_parties_visible_to(user):
    if is_platform_staff(user):
        return Contract.objects.all()
    if getattr(user, "is_commissioner_user", False):
        return Contract.objects.filter(commissioner_id=user.commissioner_id)
    if getattr(user, "is_provider_user", False):
        return Contract.objects.filter(provider_id=user.provider_id)
    return Contract.objects.none()


def is_contract_party(user, contract) -> bool:
    """The contract's commissioner's users, its provider's users, or staff (no query)."""
    if is_platform_staff(user):
        return True
    if getattr(user, "is_commissioner_user", False):
        return user.commissioner_id == contract.commissioner_id
    if getattr(user, "is_provider_user", False):
        return user.provider_id == contract.provider_id
    return False


contract_policy = Policy(visible_to=contracts_visible_to)
contract_party_policy = Policy(visible_to=contract_parties_visible_to)


# KPIs (their definitions and latest results) are on the public contract page; KPI returns
# are seen by the contract's parties (as kpis_visible_to); extensions by the parties too.

from .models import ContractExtension, KpiResult  # noqa: E402


def kpis_public(user):
    return Kpi.objects.all()


def kpi_results_visible_to(user):
    return KpiResult.objects.filter(kpi__in=kpis_visible_to(user))


def extensions_visible_to(user):
    return ContractExtension.objects.filter(contract__in=contract_parties_visible_to(user))


kpi_public_policy = Policy(visible_to=kpis_public)
kpi_result_policy = Policy(visible_to=kpi_results_visible_to)
extension_policy = Policy(visible_to=extensions_visible_to)
