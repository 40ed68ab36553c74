from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from core.api.docs import SwaggerDocsView

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("commissioners/", include("commissioning.urls")),
    # Public tender pages and providers' clarification questions.
    path("tenders/", include("commissioning.urls_public")),
    # Officers' work on their tenders, one module per area.
    path("tendering/", include("commissioning.urls_tendering")),
    path("tendering/", include("commissioning.urls_clarifications")),
    path("tendering/", include("commissioning.urls_evaluation")),
    path("tendering/", include("commissioning.urls_amendments")),
    # Providers' sealed bids.
    path("bids/", include("commissioning.urls_bids")),
    # Citizens' complaint forms and tracking; officers' complaint handling; escalation.
    path("complaints/", include("accountability.urls_public")),
    path("accountability/", include("accountability.urls_handling")),
    path("accountability/", include("accountability.urls_escalation")),
    # Public contracts, and each commissioner's contract register.
    path("contracts/", include("commissioning.urls_contracts")),
    # Contract management: KPI returns and contract reviews.
    path("contract-management/", include("commissioning.urls_kpis")),
    # Contract management: renewal decisions and extensions.
    path("contract-management/", include("commissioning.urls_renewals")),
    path("providers/", include("providers.urls")),
    # Platform staff's corrections, each through a service with a reason.
    path("staff/", include("core.urls_staff")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("civicmarkets.urls_api")),
    path("api/ocds/", include("commissioning.api.urls_ocds")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
