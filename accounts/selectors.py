from .models import User


def team_members(*, organisation) -> list[User]:
    """The active users of a commissioner or provider, for its team page."""
    field = (
        "provider" if organisation._meta.model_name == "providerorganisation" else "commissioner"
    )
    return list(User.objects.filter(**{field: organisation}, is_active=True).order_by("full_name"))
