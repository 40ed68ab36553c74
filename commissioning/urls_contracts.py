from django.urls import path

from .views import contracts as views

app_name = "contracts"

urlpatterns = [
    path("", views.ContractListView.as_view(), name="list"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="detail"),
    path("register/<int:pk>/", views.ContractRegisterView.as_view(), name="register"),
    path("register/<int:pk>/csv/", views.ContractRegisterCsvView.as_view(), name="register_csv"),
    path("feedback/<uuid:bid_id>/", views.BidFeedbackView.as_view(), name="feedback"),
]
