from django.urls import path

from .views import tendering as views

app_name = "tendering"

urlpatterns = [
    path("", views.TenderListView.as_view(), name="list"),
    path("new/", views.TenderCreateView.as_view(), name="create"),
    path("<int:pk>/", views.TenderDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.TenderEditView.as_view(), name="edit"),
    path("<int:pk>/lots/add/", views.LotAddView.as_view(), name="lot_add"),
    path("<int:pk>/lots/<int:lot_id>/remove/", views.LotRemoveView.as_view(), name="lot_remove"),
    path("<int:pk>/criteria/add/", views.CriterionAddView.as_view(), name="criterion_add"),
    path(
        "<int:pk>/criteria/<int:criterion_id>/remove/",
        views.CriterionRemoveView.as_view(),
        name="criterion_remove",
    ),
    path("<int:pk>/panel/add/", views.PanelMemberAddView.as_view(), name="panel_add"),
    path("<int:pk>/documents/add/", views.DocumentAddView.as_view(), name="document_add"),
    path("<int:pk>/publish/", views.TenderPublishView.as_view(), name="publish"),
    path("<int:pk>/published/", views.TenderPublishedView.as_view(), name="published"),
    path("<int:pk>/close/", views.TenderCloseView.as_view(), name="close"),
    path(
        "<int:pk>/start-evaluation/",
        views.TenderStartEvaluationView.as_view(),
        name="start_evaluation",
    ),
    path("<int:pk>/cancel/", views.TenderCancelView.as_view(), name="cancel"),
]
