"""Who may see and revoke API keys: the person who issued a key, and their organisation's
managers and admins (who must be able to cut off a colleague's integration)."""

from django.db.models import Q

from core.permissions import Action, Policy, is_platform_staff

from .choices import Role
from .models import ApiKey

ORGANISATION_ADMIN_ROLES = (Role.COMMISSIONING_MANAGER, Role.PROVIDER_ADMIN)


def _api_keys_visible_to(user):
    if not (user.is_authenticated and user.is_active):
        return ApiKey.objects.none()
    if is_platform_staff(user):
        return ApiKey.objects.all()
    mine = Q(user=user)
    if user.role in ORGANISATION_ADMIN_ROLES:
        if user.commissioner_id:
            mine |= Q(user__commissioner_id=user.commissioner_id)
        if user.provider_id:
            mine |= Q(user__provider_id=user.provider_id)
    return ApiKey.objects.filter(mine)


def can_issue_api_key(user) -> bool:
    """Anyone in an organisation may issue keys that act for themselves."""
    return bool(
        user.is_authenticated and user.is_active and (user.commissioner_id or user.provider_id)
    )


api_key_policy = Policy(
    visible_to=_api_keys_visible_to,
    rules={Action.CHANGE: lambda user, key: _api_keys_visible_to(user).filter(pk=key.pk).exists()},
    refusals={Action.CHANGE: "Only the key's owner or their organisation's admins can revoke it."},
)
