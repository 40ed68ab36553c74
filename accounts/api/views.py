from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.conditional import ConditionalGetMixin
from core.api.views import PolicyViewSet

from ..choices import ApiScope
from ..models import ApiKey
from ..permissions import api_key_policy
from ..services import api_key_revoke
from .serializers import ApiKeySerializer, MeSerializer


class MeView(ConditionalGetMixin, APIView):
    """Who the caller is: the user a key acts for, their organisation and the key's scopes.
    An integrator's first call, to check the key works: any key may ask."""

    required_scopes: dict = {}

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        context = {"api_key": request.auth if isinstance(request.auth, ApiKey) else None}
        return Response(MeSerializer(request.user, context=context).data)


class ApiKeyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PolicyViewSet):
    """The caller's API keys (and, for organisation admins, their colleagues'). Keys are
    issued in the web pages, where the secret can be shown once; here they can be listed and
    revoked (a leaked key can be cut off by a script)."""

    policy = api_key_policy
    # A key with only, say, tenders:read must not cut off its colleagues' keys.
    required_scopes = {"*": ApiScope.API_KEYS_MANAGE}
    queryset = ApiKey.objects.select_related("user")
    serializer_class = ApiKeySerializer
    ordering = ("-created_at", "-id")
    ordering_fields = ("created_at", "expires_at")
    filter_backends = []

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        api_key = api_key_revoke(api_key=self.get_object(), actor=request.user)
        return Response(ApiKeySerializer(api_key).data)
