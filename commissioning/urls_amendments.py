from django.urls import path

from .views import amendments as views

app_name = "amendments"

urlpatterns = [
    path("<int:tender_id>/amend/", views.TenderAmendView.as_view(), name="amend"),
    path("<int:tender_id>/amend/check/", views.TenderAmendCheckView.as_view(), name="check"),
    path(
        "<int:tender_id>/amendments/<int:pk>/",
        views.TenderAmendmentConfirmationView.as_view(),
        name="confirmation",
    ),
]
