from django.urls import path

from .views import organisations as views

app_name = "commissioning"

urlpatterns = [
    path("<int:pk>/team/", views.CommissionerTeamView.as_view(), name="team"),
    path("<int:pk>/edit/", views.CommissionerEditView.as_view(), name="edit"),
]
