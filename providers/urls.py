from django.urls import path

from . import views

app_name = "providers"

urlpatterns = [
    path("<int:pk>/team/", views.ProviderTeamView.as_view(), name="team"),
    path("<int:pk>/edit/", views.ProviderEditView.as_view(), name="edit"),
]
