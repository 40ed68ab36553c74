from django.urls import path

from . import views, views_jobs

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("jobs/", views_jobs.JobRunListView.as_view(), name="jobs"),
]
