from django.urls import path

from .views import public as views

app_name = "public"

urlpatterns = [
    path("new/", views.ServiceView.as_view(), name="complaint_service"),
    path("new/what-went-wrong/", views.WhatWentWrongView.as_view(), name="complaint_what"),
    path("new/when-and-where/", views.WhenAndWhereView.as_view(), name="complaint_when"),
    path("new/files/", views.FilesView.as_view(), name="complaint_files"),
    path(
        "new/files/<int:pk>/remove/", views.RemoveFileView.as_view(), name="complaint_file_remove"
    ),
    path("new/contact/", views.ContactView.as_view(), name="complaint_contact"),
    path("new/check/", views.CheckAnswersView.as_view(), name="complaint_check"),
    path("new/done/", views.ConfirmationView.as_view(), name="complaint_done"),
    path("track/", views.TrackStartView.as_view(), name="track_start"),
    path(
        "track/<str:reference>/<str:token>/",
        views.TrackComplaintView.as_view(),
        name="track_complaint",
    ),
]
