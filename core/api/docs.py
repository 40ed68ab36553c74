"""Swagger UI at /api/docs/, served from the platform's own static files (drf-spectacular-sidecar)
under the same Content-Security-Policy as every page: no CDN, no inline script or style.

drf-spectacular's split view serves the page and its start-up script as two responses, so the
script is a file the policy's script-src 'self' allows rather than an inline block."""

from django.utils.cache import patch_cache_control
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is not None:
            # The start-up script carries this visitor's CSRF token: no other site may load it
            # with a <script> tag, and no cache may keep it.
            response["Cross-Origin-Resource-Policy"] = "same-origin"
            patch_cache_control(response, private=True, no_store=True)
        return response
