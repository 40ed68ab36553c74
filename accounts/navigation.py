"""The service navigation each kind of user sees. Pages never check roles themselves."""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    active: bool


def navigation_for(user, current_path: str) -> list[NavItem]:
    items: list[tuple[str, str]] = []
    if user.is_authenticated:
        items.append(("Dashboard", reverse("core:dashboard")))
        if getattr(user, "is_commissioner_user", False):
            items.append(("Your tenders", reverse("tendering:list")))
            items.append(("Complaints", reverse("handling:queue")))
            items.append(
                ("Your organisation", reverse("commissioning:team", args=[user.commissioner_id]))
            )
        elif getattr(user, "is_provider_user", False):
            items.append(("Your bids", reverse("bids:list")))
            items.append(("Complaints", reverse("handling:forwarded")))
            items.append(("Your organisation", reverse("providers:team", args=[user.provider_id])))
        if user.is_staff:
            items.append(("Admin", reverse("admin:index")))
    else:
        items.append(("Home", reverse("core:home")))
    # Opportunities are public: anyone, signed in or not, may look for work.
    items.append(("Find opportunities", reverse("tenders:list")))
    items.append(("Contracts", reverse("contracts:list")))
    return [
        NavItem(
            label, href, current_path == href or (href != "/" and current_path.startswith(href))
        )
        for label, href in items
    ]


# --- API keys ------------------------------------------------------------------------------
# People in an organisation manage their API keys from the menu, beside their organisation.

from .permissions import can_issue_api_key  # noqa: E402

_navigation_without_api_keys = navigation_for


def navigation_for(user, current_path: str) -> list[NavItem]:
    items = _navigation_without_api_keys(user, current_path)
    if not (user.is_authenticated and can_issue_api_key(user)):
        return items
    href = reverse("accounts:api_keys")
    api_keys = NavItem("API keys", href, current_path.startswith(href))
    labels = [item.label for item in items]
    after = labels.index("Your organisation") + 1 if "Your organisation" in labels else 1
    return [*items[:after], api_keys, *items[after:]]
