from django.urls import path

from . import views

app_name = "commissioning"

urlpatterns = [
    path("<int:pk>/team/", views.CommissionerTeamView.as_view(), name="team"),
    path("<int:pk>/edit/", views.CommissionerEditView.as_view(), name="edit"),
]
