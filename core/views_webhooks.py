"""Webhook pages: an organisation's endpoints, adding one (the signing secret is shown once),
turning one off or on, pinging, deleting, and the recent deliveries with their errors.

Everything goes through core.webhooks (its policy and services), as the API does."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView, View

from .errors import DomainError
from .forms_webhooks import WebhookConfirmForm, WebhookEndpointForm
from .models import WebhookDelivery, WebhookEvent
from .permissions import Action
from .views import RecordAccessMixin, ServiceFormMixin
from .webhooks import (
    can_manage_webhooks,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_policy,
    webhook_endpoint_update,
    webhook_ping,
)

# The new endpoint's secret waits here, server-side, between the POST that creates it and the
# one GET that shows it; that GET removes it.
CREATED_SESSION_KEY = "webhook_created"
RECENT_DELIVERIES = 25
STATUS_COLOURS = {
    WebhookDelivery.Status.PENDING: "govuk-tag--yellow",
    WebhookDelivery.Status.DELIVERED: "govuk-tag--green",
    WebhookDelivery.Status.FAILED: "govuk-tag--red",
    WebhookDelivery.Status.EXPIRED: "govuk-tag--grey",
}


def _in_an_organisation(user) -> bool:
    return bool(user.commissioner_id or user.provider_id)


class WebhookListView(LoginRequiredMixin, TemplateView):
    template_name = "core/webhooks/list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        endpoints = webhook_endpoint_policy.visible_to(user).order_by("-created_at", "-id")
        if user.is_staff and not _in_an_organisation(user):
            endpoints = endpoints.none()  # staff see every endpoint in the admin instead
        return super().get_context_data(
            **kwargs,
            endpoints=list(endpoints),
            can_manage=can_manage_webhooks(user),
            event_labels=dict(WebhookEvent.choices),
        )


class WebhookCreateView(LoginRequiredMixin, ServiceFormMixin, FormView):
    template_name = "core/webhooks/create.html"
    form_class = WebhookEndpointForm
    success_url = reverse_lazy("core:webhook_created")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_manage_webhooks(request.user):
            raise PermissionDenied(
                "Only your organisation's commissioning managers or provider admins can add "
                "webhooks."
            )
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        endpoint = webhook_endpoint_create(actor=self.request.user, **form.cleaned_data)
        self.request.session[CREATED_SESSION_KEY] = {"id": endpoint.pk, "secret": endpoint.secret}


@method_decorator(never_cache, name="dispatch")
class WebhookCreatedView(LoginRequiredMixin, TemplateView):
    """Shows the signing secret once; reloading finds nothing and goes to the list."""

    template_name = "core/webhooks/created.html"

    def get(self, request, *args, **kwargs):
        created = request.session.pop(CREATED_SESSION_KEY, None)
        endpoint = None
        if created is not None:
            endpoint = webhook_endpoint_policy.visible_to(request.user).filter(pk=created["id"])
            endpoint = endpoint.first()
        if endpoint is None:
            return HttpResponseRedirect(reverse("core:webhooks"))
        return self.render_to_response(
            self.get_context_data(
                endpoint=endpoint,
                secret=created["secret"],
                event_labels=[WebhookEvent(e).label for e in endpoint.events],
            )
        )


class WebhookDetailView(RecordAccessMixin, TemplateView):
    template_name = "core/webhooks/detail.html"
    policy = webhook_endpoint_policy

    def get_context_data(self, **kwargs):
        endpoint = self.get_object()
        deliveries = list(endpoint.deliveries.order_by("-created_at", "-id")[:RECENT_DELIVERIES])
        for delivery in deliveries:
            delivery.status_colour = STATUS_COLOURS.get(delivery.status, "")
        return super().get_context_data(
            **kwargs,
            endpoint=endpoint,
            deliveries=deliveries,
            can_manage=webhook_endpoint_policy.can(self.request.user, endpoint, Action.CHANGE),
            event_labels=[WebhookEvent(e).label for e in endpoint.events],
        )


class _EndpointActionView(RecordAccessMixin, View):
    """A POST-only button on the endpoint's page, for its organisation's admins."""

    policy = webhook_endpoint_policy
    action = Action.CHANGE
    http_method_names = ["post"]

    def post(self, request, pk):
        endpoint = self.get_object()
        try:
            message = self.perform(endpoint)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
        return HttpResponseRedirect(reverse("core:webhook_detail", args=[endpoint.pk]))


class WebhookActiveView(_EndpointActionView):
    def perform(self, endpoint):
        turn_on = self.request.POST.get("active") == "on"
        webhook_endpoint_update(endpoint=endpoint, actor=self.request.user, active=turn_on)
        if turn_on:
            return "Endpoint turned on. Deliveries waiting for it will be sent."
        return "Endpoint turned off. We will keep events for it until you turn it back on."


class WebhookPingView(_EndpointActionView):
    def perform(self, endpoint):
        webhook_ping(endpoint=endpoint, actor=self.request.user)
        return "Test event sent. Its delivery appears below within a minute."


class WebhookDeleteView(RecordAccessMixin, ServiceFormMixin, FormView):
    template_name = "core/webhooks/delete.html"
    form_class = WebhookConfirmForm
    policy = webhook_endpoint_policy
    action = Action.CHANGE
    success_url = reverse_lazy("core:webhooks")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, endpoint=self.get_object())

    def perform(self, form):
        endpoint = self.get_object()
        webhook_endpoint_delete(endpoint=endpoint, actor=self.request.user)
        self.success_message = f"Webhook endpoint {endpoint.url} deleted."
