"""Scopes, and the bridge from DRF to each app's Policy.

Every API view names the scope each of its actions needs in `required_scopes`
({"list": "tenders:read", "publish": "tenders:write", ...}; "*" is the default). A request
with an API key needs that scope on the key; a signed-in session (the browsable API) has the
user's own rights; anonymous clients may use only the actions in `anonymous_actions`. What a
user may then see and do to a record is decided by the app's Policy, exactly as for pages.
"""

from rest_framework import permissions

from accounts.models import ApiKey


def action_of(request, view) -> str:
    return getattr(view, "action", None) or request.method.lower()


NO_SCOPE = ""  # the view says this action needs no scope (public data, or "who am I")


def required_scope(request, view) -> str | None:
    """The scope the action needs; NO_SCOPE when the view declares none is needed (an empty
    `required_scopes`, or the action mapped to None); None when the view forgot to say, which
    refuses every key: a view added without scopes must fail closed, not open to any key."""
    scopes = getattr(view, "required_scopes", None)
    if scopes is None:
        return None
    if not scopes:
        return NO_SCOPE
    action = action_of(request, view)
    scope = scopes[action] if action in scopes else scopes.get("*")
    if scope is None and (action in scopes or "*" in scopes):
        return NO_SCOPE
    return scope


class ScopedAccess(permissions.BasePermission):
    message = "Sign in or send an API key to do this."

    def has_permission(self, request, view):
        action = action_of(request, view)
        if not (request.user and request.user.is_authenticated):
            return action in getattr(view, "anonymous_actions", ())
        if isinstance(request.auth, ApiKey):
            scope = required_scope(request, view)
            if scope is None:
                self.message = "API keys cannot do this: sign in to the website instead."
                return False
            if scope != NO_SCOPE and scope not in request.auth.scopes:
                self.message = f"This API key lacks the scope “{scope}” needed to do this."
                return False
        return True
