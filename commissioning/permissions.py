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
