from django.urls import path

from .amendments import TenderAmendmentViewSet

amendments = TenderAmendmentViewSet.as_view({"get": "list", "post": "create"})

urlpatterns = [
    path(
        "tenders/<int:tender_id>/amendments/",
        amendments,
        name="api-tender-amendment-list",
    ),
]
