"""The REST API, version 1. Each app owns its routes; this module only gathers them."""

from django.urls import include, path

from core.api.root import ApiRootView

urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("accounts.api.urls")),
    path("", include("providers.api.urls")),
    path("", include("commissioning.api.urls_tenders")),
    path("", include("commissioning.api.urls_amendments")),
    path("", include("commissioning.api.urls_bids")),
    path("", include("commissioning.api.urls_contracts")),
    path("", include("accountability.api.urls")),
    path("", include("core.api.urls_webhooks")),
    path("", include("core.api.urls_audit")),
]
