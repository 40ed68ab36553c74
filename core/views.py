"""Pages every user shares (home, dashboards, health, errors) and the mixins all pages use."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from . import selectors
from .api.exceptions import api_error_response, is_api_request
from .edge import EdgeRefusal, refusal_response, too_large_message
from .errors import DomainError
from .permissions import Action, Policy


class RecordAccessMixin(LoginRequiredMixin):
    """Fetches the page's record through its app's Policy: 404 if the user may not see it,
    403 if they may see it but not take `action` on it. Every record page uses this."""

    policy: Policy
    action: str = Action.VIEW
    pk_url_kwarg = "pk"

    def get_object(self, queryset=None):
        if not hasattr(self, "_record"):
            self._record = self.policy.get_for(
                self.request.user, self.kwargs[self.pk_url_kwarg], self.action, queryset
            )
        return self._record


class ServiceFormMixin:
    """Runs the page's service in `perform(form)` and shows a refusal on the form.

    A DomainError from the service becomes field errors (or a form-level error) in the GOV.UK
    error summary, with what the user typed kept; nothing was written, as services run in a
    transaction.
    """

    success_message = ""

    def form_valid(self, form):
        try:
            self.perform(form)
        except DomainError as error:
            if error.field_errors:
                for field, problems in error.field_errors.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                form.add_error(None, error.message)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        # Not super().form_valid(): a ModelForm's form_valid would save the form itself,
        # around the service.
        return HttpResponseRedirect(self.get_success_url())

    def perform(self, form):
        raise NotImplementedError


class HomeView(TemplateView):
    template_name = "core/home.html"


class DashboardView(LoginRequiredMixin, TemplateView):
    """One dashboard per kind of user; the organisation's summary comes from a selector."""

    def get_template_names(self):
        user = self.request.user
        if user.is_commissioner_user:
            return ["core/dashboard_commissioner.html"]
        if user.is_provider_user:
            return ["core/dashboard_provider.html"]
        if user.is_staff:
            return ["core/dashboard_staff.html"]
        return ["core/dashboard_unassigned.html"]

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, **selectors.dashboard_for(self.request.user))


@never_cache
def healthz(request):
    healthy, report = selectors.health_report()
    report["status"] = "ok" if healthy else "unhealthy"
    return JsonResponse(report, status=200 if healthy else 503)


# Django's error handlers (civicmarkets/urls.py). Under /api/ they answer in the API's error
# shape, so an integrator never has to parse an HTML page.


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return refusal_response(
            request, EdgeRefusal(413, too_large_message(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return refusal_response(
            request, EdgeRefusal(400, "The form sent too many fields or files.")
        )
    if is_api_request(request):
        return api_error_response(400, "The request could not be understood.")
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    reason = str(exception) if exception and str(exception) else ""
    if is_api_request(request):
        return api_error_response(403, reason or "You do not have permission to do this.")
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    if is_api_request(request):
        return api_error_response(404, "Not found.")
    return render(request, "errors/404.html", status=404)


def server_error(request):
    if is_api_request(request):
        return api_error_response(
            500,
            "Something went wrong on our side. Try again later; if it keeps happening, "
            "tell us what you sent.",
        )
    # No context processors' database work here: the database may be what failed.
    return render(request, "errors/500.html", {"service_name_fallback": True}, status=500)
