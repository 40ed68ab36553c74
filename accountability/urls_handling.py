from django.urls import path

from .views import handling as views

app_name = "handling"

urlpatterns = [
    path("complaints/", views.ComplaintQueueView.as_view(), name="queue"),
    path("complaints/<int:pk>/", views.ComplaintDetailView.as_view(), name="detail"),
    path("complaints/<int:pk>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path(
        "complaints/<int:pk>/investigate/",
        views.StartInvestigationView.as_view(),
        name="start_investigation",
    ),
    path("complaints/<int:pk>/respond/", views.RespondView.as_view(), name="respond"),
    path("complaints/<int:pk>/close/", views.CloseView.as_view(), name="close"),
    path("complaints/<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("complaints/<int:pk>/notes/add/", views.AddNoteView.as_view(), name="note_add"),
    path("complaints/<int:pk>/forward/", views.ForwardView.as_view(), name="forward"),
    path(
        "complaints/<int:pk>/ombudsman/refer/",
        views.ReferToOmbudsmanView.as_view(),
        name="ombudsman_refer",
    ),
    path(
        "complaints/<int:pk>/ombudsman/outcome/",
        views.OmbudsmanOutcomeView.as_view(),
        name="ombudsman_outcome",
    ),
    path("forwarded/", views.ForwardedComplaintListView.as_view(), name="forwarded"),
    path(
        "forwarded/<int:pk>/",
        views.ForwardedComplaintDetailView.as_view(),
        name="forwarded_detail",
    ),
]
