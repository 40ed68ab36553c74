from rest_framework.routers import SimpleRouter

from .contracts import (
    ContractExtensionViewSet,
    ContractKpiReturnViewSet,
    ContractKpiViewSet,
    ContractRenewalDecisionViewSet,
    ContractReviewViewSet,
    ContractViewSet,
)

router = SimpleRouter(trailing_slash=True)
router.register("contracts", ContractViewSet, basename="api-contract")

CONTRACT = r"contracts/(?P<contract_pk>[0-9]+)"
router.register(f"{CONTRACT}/kpis", ContractKpiViewSet, basename="api-contract-kpi")
router.register(
    f"{CONTRACT}/kpi-returns", ContractKpiReturnViewSet, basename="api-contract-kpi-return"
)
router.register(f"{CONTRACT}/reviews", ContractReviewViewSet, basename="api-contract-review")
router.register(
    f"{CONTRACT}/renewal-decisions",
    ContractRenewalDecisionViewSet,
    basename="api-contract-renewal-decision",
)
router.register(
    f"{CONTRACT}/extensions", ContractExtensionViewSet, basename="api-contract-extension"
)

urlpatterns = router.urls
