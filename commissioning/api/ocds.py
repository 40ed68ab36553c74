"""Open contracting data, public: `/api/ocds/releases/` (a release package of every release,
newest first, paginated with `links.next`) and `/api/ocds/records/<ocid>/` (a record package:
the process's releases and its compiled release).

Releases are not stored: they are built from the platform's data (commissioning.ocds.build).
The release list pages over the events that make releases (one SQL query, keyset-paginated),
then builds the page's releases from its tenders fetched with everything they need: a fixed
number of queries whatever the page size.
"""

import base64
import binascii
import json
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.conditional import ConditionalGetMixin
from core.api.pagination import CursorPage
from core.api.serializers import ErrorSerializer

from ..models import OcdsImportedTender
from ..ocds import build

KIND_ORDER = build.KIND_ORDER

# Every publishable event as (date, tender id, kind order, object id). It mirrors
# build.tender_events (a test checks the two agree, release by release). Assembled only from
# this module's constants (hence `noqa: S608`); values are always query parameters.
EVENTS_SQL = f"""
WITH published AS (
    SELECT t.* FROM commissioning_tender t
    WHERE t.status <> 'draft' AND NOT (t.status = 'cancelled' AND t.published_at IS NULL)
), events AS (
    SELECT COALESCE(t.published_at, t.created_at) AS date, t.id AS tender_id,
           {KIND_ORDER["tender"]} AS kind, t.id AS obj_id
      FROM published t
    UNION ALL
    SELECT a.amended_at, a.tender_id, {KIND_ORDER["amendment"]}, a.id
      FROM commissioning_tenderamendment a JOIN published t ON t.id = a.tender_id
    UNION ALL
    SELECT t.closed_at, t.id, {KIND_ORDER["closed"]}, t.id
      FROM published t WHERE t.closed_at IS NOT NULL
    UNION ALL
    SELECT aw.decided_at, l.tender_id, {KIND_ORDER["award"]}, aw.id
      FROM commissioning_award aw JOIN commissioning_lot l ON l.id = aw.lot_id
      JOIN published t ON t.id = l.tender_id
    UNION ALL
    SELECT c.created_at, c.tender_id, {KIND_ORDER["contract"]}, c.id
      FROM commissioning_contract c JOIN published t ON t.id = c.tender_id
    UNION ALL
    SELECT r.submitted_at, c.tender_id, {KIND_ORDER["kpi"]}, r.id
      FROM commissioning_kpiresult r JOIN commissioning_kpi k ON k.id = r.kpi_id
      JOIN commissioning_contract c ON c.id = k.contract_id
      JOIN published t ON t.id = c.tender_id
    UNION ALL
    SELECT e.approved_at, c.tender_id, {KIND_ORDER["extension"]}, e.id
      FROM commissioning_contractextension e
      JOIN commissioning_contract c ON c.id = e.contract_id
      JOIN published t ON t.id = c.tender_id
    UNION ALL
    SELECT CASE WHEN c.status = 'expired'
                THEN c.end_date::timestamp AT TIME ZONE %(tz)s ELSE c.updated_at END,
           c.tender_id, {KIND_ORDER["ended"]}, c.id
      FROM commissioning_contract c JOIN published t ON t.id = c.tender_id
     WHERE c.status IN ('expired', 'terminated')
    UNION ALL
    SELECT COALESCE(
             (SELECT max(s.changed_at) FROM commissioning_tenderstatuschange s
               WHERE s.tender_id = t.id AND s.to_status = 'cancelled'),
             t.updated_at),
           t.id, {KIND_ORDER["cancelled"]}, t.id
      FROM published t WHERE t.status = 'cancelled'
)
SELECT date, tender_id, kind, obj_id FROM events
{{where}}
ORDER BY date DESC, tender_id DESC, kind DESC, obj_id DESC
LIMIT %(limit)s
"""  # noqa: S608

KINDS = {order: kind for kind, order in KIND_ORDER.items()}


class ReleasePage(CursorPage):
    """The page size rules of every list (1 to 200, 400 otherwise)."""

    page_size = 50


def _encode_cursor(row) -> str:
    date, tender_id, kind, obj_id = row
    raw = json.dumps([date.isoformat(), tender_id, kind, obj_id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str):
    try:
        date, tender_id, kind, obj_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        date = datetime.fromisoformat(date)
        if date.tzinfo is None or not all(isinstance(v, int) for v in (tender_id, kind, obj_id)):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise exceptions.ValidationError({"cursor": [CursorPage.invalid_cursor_message]}) from None
    return date, tender_id, kind, obj_id


def event_rows(*, limit: int, after=None) -> list[tuple]:
    where, params = "", {"tz": settings.TIME_ZONE, "limit": limit}
    if after is not None:
        where = "WHERE (date, tender_id, kind, obj_id) < (%(d)s, %(t)s, %(k)s, %(o)s)"
        params.update(zip(("d", "t", "k", "o"), after, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(EVENTS_SQL.format(where=where), params)
        return cursor.fetchall()


def releases_for_rows(rows) -> list[dict]:
    """The releases the event rows name, in the rows' order, from one fetch of their tenders."""
    wanted: dict[int, set[str]] = {}
    for _, tender_id, kind, obj_id in rows:
        wanted.setdefault(tender_id, set()).add(f"{KINDS[kind]}-{obj_id}")
    tenders = build.load(list(wanted))
    by_id, ocids = {}, {}
    for tender in tenders:
        ocids[tender.pk] = build.ocid_for(tender)
        for release in build.releases_for(tender, only=wanted[tender.pk]):
            by_id[release["id"]] = release
    releases = []
    for _, tender_id, kind, obj_id in rows:
        release = by_id.get(f"{ocids.get(tender_id)}-{KINDS[kind]}-{obj_id}")
        if release is not None:
            releases.append(release)
    return releases


class OcdsReleasesView(ConditionalGetMixin, APIView):
    """Every OCDS release the platform publishes, newest first, as an OCDS 1.1 release
    package. Follow `links.next` for the next page. Public: no key needed."""

    anonymous_actions = ("get",)
    required_scopes: dict = {}
    pagination_class = ReleasePage

    @extend_schema(
        operation_id="ocds_releases",
        parameters=[
            OpenApiParameter("cursor", str, description="The `links.next` of the previous page."),
            OpenApiParameter("page_size", int, description="Releases per page, 1 to 200."),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(ErrorSerializer, description="A bad cursor or page size."),
        },
        description="An OCDS 1.1 release package (https://standard.open-contracting.org/1.1/).",
    )
    def get(self, request):
        size = self.pagination_class().get_page_size(request)
        cursor = request.query_params.get("cursor")
        after = _decode_cursor(cursor) if cursor else None
        rows = event_rows(limit=size + 1, after=after)
        more, rows = len(rows) > size, rows[:size]
        links = {}
        if more:
            query = request.query_params.copy()
            query["cursor"] = _encode_cursor(rows[-1])
            links["next"] = build.public_url(f"{request.path}?{query.urlencode()}")
        releases = releases_for_rows(rows)
        package = build.release_package(
            releases, uri=build.public_url(request.get_full_path()), links=links
        )
        return Response(package)


def published_tender_for_ocid(ocid: str) -> int:
    """The id of the published tender whose process is `ocid`, or 404."""
    queryset = build.published_tenders()
    imported = OcdsImportedTender.objects.filter(ocid=ocid).values_list("tender_id", flat=True)
    pk = imported.first()
    if pk is None:
        pk = build.tender_id_from_ocid(ocid)
        if pk is None:
            raise Http404
        queryset = queryset.filter(ocds_import__isnull=True)
    if not queryset.filter(pk=pk).exists():
        raise Http404
    return pk


class OcdsRecordView(ConditionalGetMixin, APIView):
    """One contracting process as an OCDS 1.1 record package: every release about it, oldest
    first, and the compiled release (its current state). Public: no key needed."""

    anonymous_actions = ("get",)
    required_scopes: dict = {}

    @extend_schema(
        operation_id="ocds_record",
        responses={200: OpenApiTypes.OBJECT},
        description="An OCDS 1.1 record package for the process `ocid`.",
    )
    def get(self, request, ocid: str):
        (tender,) = build.load([published_tender_for_ocid(ocid)])
        package = build.record_package(
            [build.record_for(tender)], uri=build.public_url(request.path)
        )
        return Response(package)
