"""Providers in the API: anyone reads their public facts; a provider's admin changes their
own organisation's details through the same service as the edit page."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.response import Response

from core.api.views import PolicyViewSet
from core.permissions import Action

from ..models import ProviderDetailsChange
from ..permissions import public_provider_policy
from ..selectors import with_exclusion_flag
from ..services import provider_update
from .filters import ProviderApiFilter
from .serializers import ProviderSerializer, ProviderUpdateSerializer


class ProviderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """Companies, third-sector organisations and community groups that deliver public
    services, with the facts their public page shows. A provider whose verification was
    refused is not listed. Officers and staff also see whether an exclusion is in force."""

    policy = public_provider_policy
    serializer_class = ProviderSerializer
    filterset_class = ProviderApiFilter
    ordering = ("name", "id")
    ordering_fields = ("name", "updated_at")
    anonymous_actions = ("list", "retrieve")
    # No scope is about providers' own details; changing them is part of bidding.
    required_scopes = {"list": None, "retrieve": None, "partial_update": "bids:write"}
    record_actions = {"partial_update": Action.CHANGE}

    def get_queryset(self):
        waiting = ProviderDetailsChange.objects.filter(status=ProviderDetailsChange.Status.PENDING)
        return with_exclusion_flag(self.visible_queryset()).prefetch_related(
            Prefetch("details_changes", queryset=waiting, to_attr="pending_changes")
        )

    @extend_schema(request=ProviderUpdateSerializer, responses=ProviderSerializer)
    def partial_update(self, request, pk=None):
        """Change your organisation's details (its admin only): only the fields sent change."""
        provider = self.get_object()
        serializer = ProviderUpdateSerializer(provider, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        provider_update(provider=provider, actor=request.user, **serializer.validated_data)
        fresh = self.get_queryset().get(pk=provider.pk)
        return Response(self.get_serializer(fresh).data)
