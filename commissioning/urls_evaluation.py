from django.urls import path

from .views import evaluation as views

app_name = "evaluation"

urlpatterns = [
    path("<int:pk>/evaluation/", views.EvaluationOverviewView.as_view(), name="overview"),
    path("<int:pk>/evaluation/declaration/", views.DeclarationView.as_view(), name="declaration"),
    path(
        "<int:pk>/evaluation/bids/<uuid:bid_id>/score/",
        views.BidScoreView.as_view(),
        name="score",
    ),
    path(
        "<int:pk>/evaluation/bids/<uuid:bid_id>/documents/<uuid:document_id>/",
        views.BidDocumentView.as_view(),
        name="bid_document",
    ),
    path(
        "<int:pk>/evaluation/bids/<uuid:bid_id>/criteria/<int:criterion_id>/moderate/",
        views.ModerationView.as_view(),
        name="moderate",
    ),
    path("<int:pk>/evaluation/lots/<int:lot_id>/award/", views.AwardView.as_view(), name="award"),
    path(
        "<int:pk>/evaluation/lots/<int:lot_id>/decision/",
        views.DecisionView.as_view(),
        name="decision",
    ),
    path(
        "<int:pk>/evaluation/lots/<int:lot_id>/contract/",
        views.ContractCreateView.as_view(),
        name="contract",
    ),
]
