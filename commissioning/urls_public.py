from django.urls import path

from .views import public as views

app_name = "tenders"

urlpatterns = [
    path("", views.TenderListView.as_view(), name="list"),
    path("<int:pk>/", views.TenderDetailView.as_view(), name="detail"),
    path(
        "<int:pk>/documents/<int:document_pk>/",
        views.tender_document_download,
        name="document",
    ),
    path("<int:pk>/questions/new/", views.ClarificationAskView.as_view(), name="ask"),
]
