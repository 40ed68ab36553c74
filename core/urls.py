from django.urls import path

from . import views, views_jobs

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("jobs/", views_jobs.JobRunListView.as_view(), name="jobs"),
]

from . import views_webhooks  # noqa: E402

urlpatterns += [
    path("webhooks/", views_webhooks.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/new/", views_webhooks.WebhookCreateView.as_view(), name="webhook_create"),
    path("webhooks/created/", views_webhooks.WebhookCreatedView.as_view(), name="webhook_created"),
    path("webhooks/<int:pk>/", views_webhooks.WebhookDetailView.as_view(), name="webhook_detail"),
    path(
        "webhooks/<int:pk>/active/",
        views_webhooks.WebhookActiveView.as_view(),
        name="webhook_active",
    ),
    path("webhooks/<int:pk>/ping/", views_webhooks.WebhookPingView.as_view(), name="webhook_ping"),
    path(
        "webhooks/<int:pk>/delete/",
        views_webhooks.WebhookDeleteView.as_view(),
        name="webhook_delete",
    ),
]

from . import views_audit  # noqa: E402

urlpatterns += [
    path(
        "audit/checkpoints/",
        views_audit.AuditCheckpointListView.as_view(),
        name="audit_checkpoints",
    ),
]
