from rest_framework.routers import SimpleRouter

from .views import ProviderViewSet

router = SimpleRouter(trailing_slash=True)
router.register("providers", ProviderViewSet, basename="api-provider")

urlpatterns = router.urls
