from django.urls import path

from .views import renewals as views

app_name = "renewals"

urlpatterns = [
    path("renewals/", views.RenewalListView.as_view(), name="list"),
    path("renewals/<int:pk>/", views.RenewalDecisionView.as_view(), name="detail"),
]
