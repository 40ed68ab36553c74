from django.urls import path

from .views import kpis, reviews

app_name = "kpis"

urlpatterns = [
    path("kpi-returns/", kpis.ProviderReturnsView.as_view(), name="provider_returns"),
    path(
        "kpi-returns/<int:kpi_id>/<str:period_start>/",
        kpis.KpiReturnSubmitView.as_view(),
        name="submit",
    ),
    path("contracts/<int:contract_id>/kpis/", kpis.ContractKpisView.as_view(), name="contract"),
    path("reviews/", reviews.ReviewsDueView.as_view(), name="reviews"),
    path("reviews/<int:review_id>/", reviews.ReviewView.as_view(), name="review"),
]
