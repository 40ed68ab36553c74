from django.urls import path
from rest_framework.routers import SimpleRouter

from .awards import AwardViewSet
from .bids import BidViewSet
from .evaluations import EvaluationBidViewSet, EvaluationViewSet

router = SimpleRouter(trailing_slash=True)
router.register("bids", BidViewSet, basename="api-bid")
router.register("awards", AwardViewSet, basename="api-award")

EVALUATION = "tenders/<int:tender_pk>/evaluation/"

urlpatterns = [
    path(
        EVALUATION,
        EvaluationViewSet.as_view({"get": "retrieve"}),
        name="api-evaluation-detail",
    ),
    path(
        f"{EVALUATION}declaration/",
        EvaluationViewSet.as_view({"post": "declare"}),
        name="api-evaluation-declaration",
    ),
    path(
        f"{EVALUATION}bids/",
        EvaluationBidViewSet.as_view({"get": "list"}),
        name="api-evaluation-bid-list",
    ),
    path(
        f"{EVALUATION}bids/<uuid:pk>/",
        EvaluationBidViewSet.as_view({"get": "retrieve"}),
        name="api-evaluation-bid-detail",
    ),
    path(
        f"{EVALUATION}bids/<uuid:pk>/scores/",
        EvaluationBidViewSet.as_view({"get": "scores", "post": "score"}),
        name="api-evaluation-bid-scores",
    ),
    path(
        f"{EVALUATION}bids/<uuid:pk>/documents/<uuid:document_id>/",
        EvaluationBidViewSet.as_view({"get": "document"}),
        name="api-evaluation-bid-document",
    ),
    path(
        f"{EVALUATION}bids/<uuid:pk>/moderation/",
        EvaluationBidViewSet.as_view({"post": "moderation"}),
        name="api-evaluation-bid-moderation",
    ),
    *router.urls,
]
