from rest_framework.routers import SimpleRouter

from .views import ComplaintViewSet, EscalationProposalViewSet, EscalationStepViewSet

router = SimpleRouter(trailing_slash=True)
router.register("complaints", ComplaintViewSet, basename="api-complaint")
router.register(
    "escalations/proposals", EscalationProposalViewSet, basename="api-escalation-proposal"
)
router.register("escalations/steps", EscalationStepViewSet, basename="api-escalation-step")

urlpatterns = router.urls
