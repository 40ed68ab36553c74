from rest_framework.routers import SimpleRouter

from .tenders import CommissionerViewSet, TenderViewSet

router = SimpleRouter(trailing_slash=True)
router.register("commissioners", CommissionerViewSet, basename="api-commissioner")
router.register("tenders", TenderViewSet, basename="api-tender")

urlpatterns = router.urls
