"""Who may see and change providers' private records. Pages and API both use these policies."""

from accounts.choices import Role
from core.permissions import Action, Policy, is_platform_staff

from .models import ProviderOrganisation


def providers_visible_to(user):
    """A provider's users see their own organisation's private pages; staff see all.

    Public facts about providers (name, kind, contracts held) are shown on public pages,
    which read through the selectors, not through this policy.
    """
    if is_platform_staff(user):
        return ProviderOrganisation.objects.all()
    if getattr(user, "is_provider_user", False):
        return ProviderOrganisation.objects.filter(pk=user.provider_id)
    return ProviderOrganisation.objects.none()


def _is_admin_of(user, provider) -> bool:
    return user.role == Role.PROVIDER_ADMIN and user.provider_id == provider.pk


provider_policy = Policy(
    visible_to=providers_visible_to,
    rules={
        Action.CHANGE: _is_admin_of,
        Action.MANAGE_TEAM: _is_admin_of,
    },
    refusals={
        Action.CHANGE: "Only your organisation's provider admin can change its details.",
        Action.MANAGE_TEAM: "Only your organisation's provider admin can manage your team.",
    },
)


def sees_exclusions(user) -> bool:
    """Officers and platform staff see that a provider is excluded, wherever it appears."""
    return is_platform_staff(user) or bool(getattr(user, "is_commissioner_user", False))


# --- The API's providers ------------------------------------------------------------------
# Anyone may look up a provider's public facts, as on its public page: every provider but one
# whose verification was refused (staff see those too). Its own admin changes its details.


def public_providers_visible_to(user):
    from .selectors import public_providers

    return public_providers(include_refused=is_platform_staff(user))


public_provider_policy = Policy(
    visible_to=public_providers_visible_to,
    rules={Action.CHANGE: _is_admin_of},
    refusals={Action.CHANGE: provider_policy.refusals[Action.CHANGE]},
)
