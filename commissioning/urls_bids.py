from django.urls import path

from .views import bids as views

app_name = "bids"

urlpatterns = [
    path("", views.YourBidsView.as_view(), name="list"),
    path("new/<int:lot_id>/", views.BidCreateView.as_view(), name="new"),
    path("<uuid:public_id>/", views.BidDetailView.as_view(), name="detail"),
    path("<uuid:public_id>/submitted/", views.BidSubmittedView.as_view(), name="submitted"),
    path("<uuid:public_id>/change/", views.BidChangeView.as_view(), name="change"),
    path("<uuid:public_id>/withdraw/", views.BidWithdrawView.as_view(), name="withdraw"),
]
