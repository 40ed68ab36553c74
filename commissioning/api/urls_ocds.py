"""Open contracting data at /api/ocds/ (public, OCDS 1.1)."""

from django.urls import path

from .ocds import OcdsRecordView, OcdsReleasesView

urlpatterns = [
    path("releases/", OcdsReleasesView.as_view(), name="api-ocds-releases"),
    path("records/<str:ocid>/", OcdsRecordView.as_view(), name="api-ocds-record"),
]
