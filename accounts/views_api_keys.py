"""API keys in the pages: list, issue (the whole key is shown once), revoke.

Everything goes through accounts.services (api_key_issue, api_key_revoke) and
accounts.permissions (api_key_policy, can_issue_api_key), the same functions the API uses.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from core.permissions import Action
from core.views import RecordAccessMixin, ServiceFormMixin

from . import services
from .choices import ApiScope
from .forms import ApiKeyIssueForm, ApiKeyRevokeForm
from .models import ApiKey
from .permissions import ORGANISATION_ADMIN_ROLES, api_key_policy, can_issue_api_key

# The whole key waits here, in the server-side session, between the POST that issues it and
# the one GET that shows it; that GET removes it.
ISSUED_SESSION_KEY = "api_key_issued"


def _describe(key: ApiKey, now) -> ApiKey:
    """Adds what the list shows: the status and the scopes' labels."""
    if key.revoked_at is not None:
        key.status, key.status_colour = "Revoked", "govuk-tag--red"
    elif key.expires_at <= now:
        key.status, key.status_colour = "Expired", "govuk-tag--grey"
    else:
        key.status, key.status_colour = "Active", "govuk-tag--green"
    key.is_revocable = key.status == "Active"
    key.scope_codes = list(key.scopes)
    return key


class ApiKeyListView(LoginRequiredMixin, TemplateView):
    """Your keys; for commissioning managers and provider admins, also your colleagues' keys."""

    template_name = "accounts/api_keys/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        now = timezone.now()
        visible = api_key_policy.visible_to(user).select_related("user").order_by("-created_at")
        mine = [_describe(key, now) for key in visible.filter(user=user)]
        colleagues = []
        if user.role in ORGANISATION_ADMIN_ROLES:
            colleagues = [_describe(key, now) for key in visible.exclude(user=user)]
        return super().get_context_data(
            **kwargs,
            mine=mine,
            colleagues=colleagues,
            shows_colleagues=user.role in ORGANISATION_ADMIN_ROLES,
            can_issue=can_issue_api_key(user),
            scope_labels=dict(ApiScope.choices),
        )


class ApiKeyIssueView(LoginRequiredMixin, ServiceFormMixin, FormView):
    template_name = "accounts/api_keys/issue.html"
    form_class = ApiKeyIssueForm
    success_url = reverse_lazy("accounts:api_key_issued")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_issue_api_key(request.user):
            raise PermissionDenied("Only people in a registered organisation can issue API keys.")
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        issued = services.api_key_issue(actor=self.request.user, **form.cleaned_data)
        self.request.session[ISSUED_SESSION_KEY] = {
            "id": issued.api_key.pk,
            "secret": issued.secret,
        }


@method_decorator(never_cache, name="dispatch")
class ApiKeyIssuedView(LoginRequiredMixin, TemplateView):
    """Shows the new key once. Reloading the page finds nothing to show, and says so."""

    template_name = "accounts/api_keys/issued.html"

    def get(self, request, *args, **kwargs):
        issued = request.session.pop(ISSUED_SESSION_KEY, None)
        if issued is None:
            return HttpResponseRedirect(reverse("accounts:api_keys"))
        api_key = ApiKey.objects.filter(pk=issued["id"], user=request.user).first()
        if api_key is None:
            return HttpResponseRedirect(reverse("accounts:api_keys"))
        context = self.get_context_data(
            api_key=api_key,
            secret=issued["secret"],
            scope_labels=[ApiScope(scope).label for scope in api_key.scopes],
            api_base=request.build_absolute_uri("/api/v1/"),
        )
        return self.render_to_response(context)


class ApiKeyRevokeView(RecordAccessMixin, ServiceFormMixin, FormView):
    """Are you sure? Then the key stops working at once."""

    template_name = "accounts/api_keys/revoke.html"
    form_class = ApiKeyRevokeForm
    policy = api_key_policy
    action = Action.CHANGE
    success_url = reverse_lazy("accounts:api_keys")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.api_key = self.get_object(ApiKey.objects.select_related("user"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, api_key=self.api_key, is_own=self.api_key.user_id == self.request.user.pk
        )

    def perform(self, form):
        services.api_key_revoke(api_key=self.api_key, actor=self.request.user)
        self.success_message = f"API key “{self.api_key.name}” revoked. It no longer works."
