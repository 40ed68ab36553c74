from django.urls import path

from .views import clarifications as views

app_name = "clarifications"

urlpatterns = [
    path(
        "<int:tender_id>/clarifications/",
        views.TenderClarificationListView.as_view(),
        name="list",
    ),
    path(
        "<int:tender_id>/clarifications/<int:pk>/answer/",
        views.ClarificationAnswerView.as_view(),
        name="answer",
    ),
]
