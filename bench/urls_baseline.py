"""The bench's URLconf (bench/bench_api.py only): the site's own routes, plus a minimal view
serving the same tender rows as `/api/v1/tenders/` with `.values()` and `JsonResponse`: no
DRF, no serializers, no pagination class, no throttles. It is the floor the API is measured
against; it is never part of the site."""

from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.urls import include, path

from commissioning.models import Lot
from commissioning.permissions import api_tenders_visible_to

# The tenders API's list item, as far as .values() can follow it (no lists of criteria,
# documents or clarifications: lots stand for the nested lists, in one more query).
FIELDS = (
    "id",
    "title",
    "description",
    "status",
    "commissioner_id",
    "commissioner__name",
    "commissioner__identifier",
    "main_cpv__code",
    "main_cpv__description",
    "region",
    "procedure",
    "estimated_value",
    "contract_term_months",
    "extension_option_months",
    "clarification_deadline",
    "submission_deadline",
    "published_at",
    "closed_at",
    "cancellation_reason",
    "created_at",
    "updated_at",
)
LOT_FIELDS = ("id", "tender_id", "number", "title", "description", "estimated_value")


def baseline_tenders(request):
    size = min(max(int(request.GET.get("page_size", 50)), 1), 200)
    rows = list(api_tenders_visible_to(AnonymousUser()).order_by("-id").values(*FIELDS)[:size])
    lots: dict[int, list] = {row["id"]: [] for row in rows}
    for lot in Lot.objects.filter(tender_id__in=lots).order_by("number").values(*LOT_FIELDS):
        lots[lot.pop("tender_id")].append(lot)
    for row in rows:
        row["lots"] = lots[row["id"]]
    return JsonResponse({"next": None, "previous": None, "results": rows})


urlpatterns = [
    path("bench/baseline/tenders/", baseline_tenders, name="bench-baseline-tenders"),
    path("", include("civicmarkets.urls")),
]
