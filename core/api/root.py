from django.urls import NoReverseMatch, reverse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .conditional import ConditionalGetMixin

# Resource lists an integrator starts from; each app registers its routes under these names.
RESOURCES = {
    "me": "api-me",
    "commissioners": "api-commissioner-list",
    "providers": "api-provider-list",
    "tenders": "api-tender-list",
    "bids": "api-bid-list",
    "awards": "api-award-list",
    "contracts": "api-contract-list",
    "complaints": "api-complaint-list",
    "webhooks": "api-webhook-list",
    "ocds_releases": "api-ocds-releases",
    "audit_checkpoints": "api-audit-checkpoint-list",
}


class ApiRootView(ConditionalGetMixin, APIView):
    """The API's front door: links to every resource, the schema and the docs."""

    anonymous_actions = ("get",)
    required_scopes: dict = {}

    @extend_schema(exclude=True)
    def get(self, request):
        links = {}
        for name, url_name in RESOURCES.items():
            try:
                links[name] = request.build_absolute_uri(reverse(url_name))
            except NoReverseMatch:
                continue
        links["schema"] = request.build_absolute_uri(reverse("api-schema"))
        links["docs"] = request.build_absolute_uri(reverse("api-docs"))
        return Response(links)
