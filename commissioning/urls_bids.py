from django.urls import path

from .views import bids as views

app_name = "bids"

urlpatterns = [
    path("", views.YourBidsView.as_view(), name="list"),
    path("new/<int:lot_id>/", views.BidCreateView.as_view(), name="new"),
    path("<int:pk>/", views.BidDetailView.as_view(), name="detail"),
    path("<int:pk>/submitted/", views.BidSubmittedView.as_view(), name="submitted"),
    path("<int:pk>/change/", views.BidChangeView.as_view(), name="change"),
    path("<int:pk>/withdraw/", views.BidWithdrawView.as_view(), name="withdraw"),
]
