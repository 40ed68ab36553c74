from rest_framework.routers import SimpleRouter

from .webhooks import WebhookDeliveryViewSet, WebhookEndpointViewSet

router = SimpleRouter(trailing_slash=True)
router.register("webhooks", WebhookEndpointViewSet, basename="api-webhook")
router.register(
    r"webhooks/(?P<webhook_pk>[0-9]+)/deliveries",
    WebhookDeliveryViewSet,
    basename="api-webhook-delivery",
)

urlpatterns = router.urls
