"""The base of every API view: the app's Policy fetches and authorises records (404 for what
the caller may not see, 403 for what they may see but not do), and the key in use is noted
for the audit log."""

from rest_framework import viewsets

from core.permissions import Action, Policy

from .conditional import ConditionalGetMixin
from .context import current_api_key


class ApiViewMixin(ConditionalGetMixin):
    policy: Policy | None = None
    # The Policy action each view action needs on its record; retrieve/list need VIEW.
    record_actions: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._api_key_token = current_api_key.set(request.auth if request.auth else None)

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_api_key_token", None)
        if token is not None:
            current_api_key.reset(token)
            self._api_key_token = None
        return super().finalize_response(request, response, *args, **kwargs)

    def visible_queryset(self):
        """What the caller may see, from the Policy, narrowed by the view's queryset (which
        brings the select_related/prefetch_related its serializer needs)."""
        visible = self.policy.visible_to(self.request.user)
        base = getattr(self, "queryset", None)
        return visible if base is None else base.all() & visible

    def get_queryset(self):
        return self.visible_queryset()

    def get_object(self):
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        action = self.record_actions.get(getattr(self, "action", None), Action.VIEW)
        record = self.policy.get_for(self.request.user, lookup, action, self.get_queryset())
        self.check_object_permissions(self.request, record)
        return record


class PolicyViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """Base for resource view sets: add DRF's list/retrieve mixins and @action methods that
    call services."""
