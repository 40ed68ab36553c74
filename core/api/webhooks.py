"""Webhook endpoints and their delivery log, for the caller's organisation (scope
`webhooks:manage`). Everything goes through core.webhooks, the same functions as the pages.

Deliveries are signed: see core/webhooks.py (and the README) for the headers and how to verify
`X-CivicMarkets-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>`."""

from functools import cached_property

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.choices import ApiScope
from core.api.filters import IsoDateTimeFilter
from core.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from core.permissions import Action
from core.webhooks import (
    webhook_delivery_policy,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_policy,
    webhook_endpoint_update,
    webhook_ping,
    webhook_redeliver,
)

from .serializers import StrictSerializer
from .views import PolicyViewSet

MANAGE = {"*": ApiScope.WEBHOOKS_MANAGE}

# --- serializers ----------------------------------------------------------------------------


class WebhookEndpointSerializer(serializers.ModelSerializer):
    organisation_kind = serializers.SerializerMethodField()
    organisation_id = serializers.SerializerMethodField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    deliveries_url = serializers.HyperlinkedIdentityField(
        view_name="api-webhook-delivery-list", lookup_url_kwarg="webhook_pk"
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "active",
            "disabled_reason",
            "organisation_kind",
            "organisation_id",
            "created_at",
            "updated_at",
            "deliveries_url",
        ]
        read_only_fields = fields

    def get_organisation_kind(self, endpoint) -> str:
        return "commissioner" if endpoint.commissioner_id else "provider"

    def get_organisation_id(self, endpoint) -> int:
        return endpoint.commissioner_id or endpoint.provider_id


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """The new endpoint with its signing secret: the only time the secret is shown."""

    secret = serializers.CharField(read_only=True)

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointInputSerializer(StrictSerializer):
    url = serializers.CharField(
        max_length=2000, help_text="An https:// (or http://) URL on the public internet."
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        allow_empty=False,
        max_length=len(WebhookEvent.values),
    )
    description = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )


class WebhookEndpointUpdateSerializer(StrictSerializer):
    url = serializers.CharField(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        allow_empty=False,
        max_length=len(WebhookEvent.values),
        required=False,
    )
    description = serializers.CharField(max_length=100, required=False, allow_blank=True)
    active = serializers.BooleanField(
        required=False, help_text="false stops deliveries; true turns a disabled endpoint on."
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    webhook = serializers.IntegerField(source="endpoint_id", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook",
            "event",
            "event_id",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_status_code",
            "last_error",
            "response_excerpt",
            "created_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields


# --- filters --------------------------------------------------------------------------------


class StrictBooleanField(forms.NullBooleanField):
    """`true` or `false` (or 1 or 0); anything else is a bad filter, not an ignored one."""

    widget = forms.TextInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise ValidationError("Enter true or false.", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class WebhookEndpointFilter(filters.FilterSet):
    active = StrictBooleanFilter(help_text="true: endpoints that are on; false: off.")
    event = filters.ChoiceFilter(
        choices=WebhookEvent.choices,
        method="filter_event",
        help_text="Endpoints subscribed to this event.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["active", "event"]

    def filter_event(self, queryset, name, value):
        return queryset.filter(events__contains=[value])


DELIVERY_EVENTS = [*WebhookEvent.choices, ("ping", "A test delivery")]


class WebhookDeliveryFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    event = filters.ChoiceFilter(choices=DELIVERY_EVENTS)
    since = IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Deliveries queued at or after."
    )

    class Meta:
        model = WebhookDelivery
        fields = ["status", "event", "since"]


# --- views ----------------------------------------------------------------------------------


def _parse(request, serializer_class):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class WebhookEndpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Your organisation's webhook endpoints. Every user of the organisation can read them;
    its commissioning managers or provider admins register, change, ping and delete them.
    Another organisation's endpoint answers 404.

    Events: `tender.published`, `tender.closed`, `award.made` and `contract.created` go to
    every subscriber; `contract.renewal_due`, `complaint.received` and `escalation.changed`
    only to the contract's commissioner and provider. Each delivery is a POST of
    `{"id", "event", "created_at", "data"}` with the headers `X-CivicMarkets-Event`,
    `X-CivicMarkets-Delivery` (the event id, the same on every retry: use it to ignore
    repeats) and `X-CivicMarkets-Signature: t=<unix seconds>,v1=<hex>`, where `v1` is the
    HMAC-SHA256 of `"<t>.<raw body>"` keyed with the endpoint's secret. Verify it in constant
    time and refuse an old `t`. Answer 2xx within 5 seconds; anything else is retried with
    backoff (1, 5, 15, 60, 240, 720 minutes, then daily, 8 attempts in all), and an endpoint
    failing 20 times in a row is turned off and your admins are emailed."""

    policy = webhook_endpoint_policy
    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    filterset_class = WebhookEndpointFilter
    ordering = ("-created_at", "-id")
    ordering_fields = ("created_at", "id")
    required_scopes = MANAGE
    record_actions = {
        "partial_update": Action.CHANGE,
        "destroy": Action.CHANGE,
        "ping": Action.CHANGE,
    }

    @extend_schema(
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
        description="Registers an endpoint. The response carries the signing `secret`: copy "
        "it now, it is never shown again. The URL must resolve only to public addresses.",
    )
    def create(self, request, *args, **kwargs):
        values = _parse(request, WebhookEndpointInputSerializer)
        endpoint = webhook_endpoint_create(actor=request.user, **values)
        body = WebhookEndpointCreatedSerializer(endpoint, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=WebhookEndpointUpdateSerializer,
        responses={200: WebhookEndpointSerializer},
        description="Changes the URL, events or description, or turns the endpoint off "
        "(`active: false`) or back on.",
    )
    def partial_update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        values = _parse(request, WebhookEndpointUpdateSerializer)
        endpoint = webhook_endpoint_update(endpoint=endpoint, actor=request.user, **values)
        return Response(self.get_serializer(endpoint).data)

    @extend_schema(responses={204: None}, description="Deletes the endpoint and its log.")
    def destroy(self, request, *args, **kwargs):
        webhook_endpoint_delete(endpoint=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer},
        description="Queues a `ping` event to the endpoint, to check it receives and "
        "verifies deliveries; follow it in the deliveries list.",
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        delivery = webhook_ping(endpoint=self.get_object(), actor=request.user)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


WEBHOOK_PK = OpenApiParameter(
    "webhook_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The webhook's id."
)


@extend_schema_view(
    list=extend_schema(parameters=[WEBHOOK_PK]),
    retrieve=extend_schema(parameters=[WEBHOOK_PK]),
)
class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """What was sent to the endpoint, newest first: each event's payload, attempts, the
    receiver's last status code and an excerpt of its answer, or the error."""

    policy = webhook_delivery_policy
    queryset = WebhookDelivery.objects.select_related("endpoint")
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    ordering = ("-created_at", "-id")
    ordering_fields = ("created_at", "id")
    required_scopes = MANAGE
    record_actions = {"redeliver": Action.CHANGE}

    @cached_property
    def endpoint(self) -> WebhookEndpoint:
        return webhook_endpoint_policy.get_for(self.request.user, self.kwargs["webhook_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        return super().get_queryset().filter(endpoint_id=self.endpoint.pk)

    @extend_schema(
        parameters=[WEBHOOK_PK],
        request=None,
        responses={202: WebhookDeliverySerializer},
        description="Sends the same event again (same `id`, same payload) as a new delivery.",
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, webhook_pk=None, pk=None):
        again = webhook_redeliver(delivery=self.get_object(), actor=request.user)
        return Response(WebhookDeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
