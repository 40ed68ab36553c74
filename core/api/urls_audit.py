from django.urls import path
from rest_framework.routers import SimpleRouter

from .audit import AuditCheckpointKeysView, AuditCheckpointViewSet

router = SimpleRouter(trailing_slash=True)
router.register("audit/checkpoints", AuditCheckpointViewSet, basename="api-audit-checkpoint")

urlpatterns = [
    *router.urls,
    path("audit/keys/", AuditCheckpointKeysView.as_view(), name="api-audit-keys"),
]
