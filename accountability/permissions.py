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
