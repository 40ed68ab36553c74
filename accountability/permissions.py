"""Who may see and act on complaints and escalations. Pages and API both use these policies.

Complainants have no account: they reach their own complaint only through the private
tracking link (reference plus secret), never through these policies."""

from core.permissions import Action, Policy, is_platform_staff

from .models import Complaint


def complaints_visible_to(user):
    """A commissioner's users see the complaints about their contracts; a provider's users see
    only those the commissioner forwarded to them; staff see all."""
    if is_platform_staff(user):
        return Complaint.objects.all()
    if getattr(user, "is_commissioner_user", False):
        return Complaint.objects.filter(commissioner_id=user.commissioner_id)
    if getattr(user, "is_provider_user", False):
        return Complaint.objects.filter(
            provider_id=user.provider_id, forwarded_to_provider_at__isnull=False
        )
    return Complaint.objects.none()


def _handler_of(user, complaint) -> bool:
    return (
        getattr(user, "is_commissioner_user", False)
        and user.commissioner_id == complaint.commissioner_id
    )


complaint_policy = Policy(
    visible_to=complaints_visible_to,
    rules={Action.CHANGE: _handler_of},
    refusals={
        Action.CHANGE: "Only the commissioner's officers can handle this complaint.",
    },
)


def sees_personal_data(user, complaint) -> bool:
    """The commissioner sees the complainant's details; the provider only once forwarded."""
    if _handler_of(user, complaint) or is_platform_staff(user):
        return True
    return (
        getattr(user, "is_provider_user", False)
        and user.provider_id == complaint.provider_id
        and complaint.forwarded_to_provider_at is not None
    )


# --- Escalation ---------------------------------------------------------------------------
# The public reads a contract's level and history through accountability.selectors_public;
# these policies govern the officers' and providers' escalation pages and actions.

from commissioning.models import Contract  # noqa: E402

from .models import EscalationProposal, EscalationStep  # noqa: E402


def escalation_contracts_visible_to(user):
    """The commissioner's users manage escalation on their own contracts; staff see all."""
    if is_platform_staff(user):
        return Contract.objects.all()
    if getattr(user, "is_commissioner_user", False):
        return Contract.objects.filter(commissioner_id=user.commissioner_id)
    return Contract.objects.none()


def _commissioner_officer_of(user, contract) -> bool:
    return (
        getattr(user, "is_commissioner_user", False)
        and user.commissioner_id == contract.commissioner_id
    )


ESCALATION_REFUSAL = "Only the commissioner's officers can decide escalation on this contract."

contract_escalation_policy = Policy(
    visible_to=escalation_contracts_visible_to,
    rules={Action.CHANGE: _commissioner_officer_of},
    refusals={Action.CHANGE: ESCALATION_REFUSAL},
)


def escalation_proposals_visible_to(user):
    return EscalationProposal.objects.filter(
        contract__in=escalation_contracts_visible_to(user)
    ).select_related("contract")


escalation_proposal_policy = Policy(
    visible_to=escalation_proposals_visible_to,
    rules={Action.CHANGE: lambda user, proposal: _commissioner_officer_of(user, proposal.contract)},
    refusals={Action.CHANGE: ESCALATION_REFUSAL},
)


def escalation_steps_visible_to(user):
    """The provider's users see the steps taken on their own contracts; the commissioner's
    users see those on theirs; staff see all."""
    steps = EscalationStep.objects.select_related("contract")
    if is_platform_staff(user):
        return steps
    if getattr(user, "is_commissioner_user", False):
        return steps.filter(contract__commissioner_id=user.commissioner_id)
    if getattr(user, "is_provider_user", False):
        return steps.filter(contract__provider_id=user.provider_id)
    return steps.none()


def _provider_user_of(user, step) -> bool:
    return (
        getattr(user, "is_provider_user", False) and user.provider_id == step.contract.provider_id
    )


escalation_step_policy = Policy(
    visible_to=escalation_steps_visible_to,
    rules={Action.CHANGE: _provider_user_of},
    refusals={Action.CHANGE: "Only the provider's users can submit an improvement plan."},
)
