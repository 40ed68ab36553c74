"""Reads for the public tender pages and for clarifications, with the joins each page needs.

The public sees a tender once it has been published, and for ever after, whatever happens to
it; drafts never, nor a draft that was cancelled before anyone saw it.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet

from .choices import BidStatus, LotReservation, TenderStatus
from .models import Bid, Clarification, Lot, Tender, TenderDocument, TenderStatusChange

# What the list's status filter offers, in the users' words, and the statuses behind each.
STATUS_GROUPS = {
    "open": (TenderStatus.PUBLISHED,),
    "closed": (TenderStatus.CLOSED, TenderStatus.EVALUATION),
    "awarded": (TenderStatus.AWARDED, TenderStatus.CONTRACTED),
    "cancelled": (TenderStatus.CANCELLED,),
}
DEFAULT_STATUS_GROUPS = ("open",)
# Lots a small organisation or a VCSE can bid for without competing with large companies.
SMALL_OR_VCSE_RESERVATIONS = (LotReservation.VCSE, LotReservation.SMALL, LotReservation.MUTUAL)
# Statuses a tender reaches only by being published first, so they need no other check.
_ALWAYS_PUBLISHED = (
    TenderStatus.PUBLISHED,
    TenderStatus.CLOSED,
    TenderStatus.EVALUATION,
    TenderStatus.AWARDED,
    TenderStatus.CONTRACTED,
)
# After closing, the number of bids is a public fact; before, it must not leak.
BIDS_COUNTED_AFTER = frozenset(
    (
        TenderStatus.CLOSED,
        TenderStatus.EVALUATION,
        TenderStatus.AWARDED,
        TenderStatus.CONTRACTED,
        TenderStatus.CANCELLED,
    )
)


def public_status_q(groups=DEFAULT_STATUS_GROUPS) -> Q:
    """The condition for tenders in the chosen status groups that the public may see.

    Only a cancelled tender needs `published_at` looked at: written this way, the default
    list's condition is a plain `status = 'published'`, which its index answers alone."""
    statuses = {s for group in groups for s in STATUS_GROUPS[group]}
    condition = Q(status__in=sorted(statuses - {TenderStatus.CANCELLED}))
    if TenderStatus.CANCELLED in statuses:
        condition |= Q(status=TenderStatus.CANCELLED, published_at__isnull=False)
    return condition


def public_tenders() -> QuerySet[Tender]:
    """Every tender the public may see: published at some point, in any status since."""
    return Tender.objects.filter(
        Q(status__in=_ALWAYS_PUBLISHED)
        | Q(status=TenderStatus.CANCELLED, published_at__isnull=False)
    )


def public_tender_list() -> QuerySet[Tender]:
    """The public list's rows, soonest deadline first, with what each row shows, in one query
    for any page size. Not yet limited to public tenders: commissioning.filters.TenderFilter
    adds `public_status_q` for the statuses asked for, so never show these rows without it."""
    reservations = (
        Lot.objects.filter(tender=OuterRef("pk"))
        .exclude(reservation=LotReservation.NONE)
        .order_by()
        .values("reservation")
        .distinct()
    )
    return (
        Tender.objects.select_related("commissioner", "main_cpv")
        .only(
            "id",
            "title",
            "region",
            "procedure",
            "estimated_value",
            "submission_deadline",
            "status",
            "commissioner__id",
            "commissioner__name",
            "main_cpv__code",
            "main_cpv__description",
        )
        .annotate(reservations=ArraySubquery(reservations))
        .order_by("submission_deadline", "id")
    )


def tender_search(queryset: QuerySet[Tender], text: str) -> QuerySet[Tender]:
    """Tenders whose title or description match `text`, as people type into search boxes:
    words, "quoted phrases", `or`, and -excluded words."""
    query = SearchQuery(text, search_type="websearch", config="english")
    return queryset.filter(search_document=query)


def public_tender_detail(pk) -> Tender | None:
    """One public tender with everything its page shows, or None when the public may not
    see it (a draft, or no such tender: both look the same)."""
    return (
        public_tenders()
        .select_related("commissioner", "main_cpv")
        .prefetch_related(
            "additional_cpvs",
            Prefetch("lots", queryset=Lot.objects.order_by("number")),
            "documents",
            Prefetch(
                "status_changes",
                queryset=TenderStatusChange.objects.exclude(to_status=TenderStatus.DRAFT).order_by(
                    "changed_at", "id"
                ),
                to_attr="public_timeline",
            ),
            Prefetch(
                "clarifications",
                queryset=Clarification.objects.filter(published_at__isnull=False)
                .only("id", "tender_id", "question", "answer", "published_at")
                .order_by("published_at", "id"),
                to_attr="published_clarifications",
            ),
        )
        .filter(pk=pk)
        .first()
    )


def public_tender_document(*, tender_pk, pk) -> TenderDocument | None:
    """A document of a tender the public may see, or None."""
    return TenderDocument.objects.filter(
        pk=pk, tender_id=tender_pk, tender__in=public_tenders()
    ).first()


def bids_received(tender: Tender) -> int | None:
    """How many live bids a closed tender received; None while the count must stay secret."""
    if tender.closed_at is None or tender.status not in BIDS_COUNTED_AFTER:
        return None
    return Bid.objects.filter(tender=tender, status=BidStatus.SUBMITTED).count()


def own_unanswered_clarifications(tender: Tender, *, provider_id) -> QuerySet[Clarification]:
    """The questions a provider asked that have no published answer yet: only it sees them."""
    return Clarification.objects.filter(
        tender=tender, asked_by_provider_id=provider_id, published_at__isnull=True
    ).order_by("asked_at", "id")


def tender_clarifications_for_officer(tender: Tender) -> QuerySet[Clarification]:
    """Every question on the tender, unanswered first, with who asked (the officer may know)."""
    return (
        Clarification.objects.filter(tender=tender)
        .select_related("asked_by_provider", "answered_by")
        .order_by(F("published_at").asc(nulls_first=True), "asked_at", "id")
    )


# --- the API's tenders ----------------------------------------------------------------------


def _with_bids_received(queryset: QuerySet[Tender]) -> QuerySet[Tender]:
    """`bids_received` is the number of live bids, computed only for tenders past closing (the
    same rule as `bids_received()`); None before, so it cannot leak."""
    from django.db.models import Case, Count, IntegerField, Subquery, When
    from django.db.models.functions import Coalesce

    live_bids = (
        Bid.objects.filter(tender=OuterRef("pk"), status=BidStatus.SUBMITTED)
        .order_by()
        .values("tender")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(
        bids_received=Case(
            When(
                closed_at__isnull=False,
                status__in=sorted(BIDS_COUNTED_AFTER),
                then=Coalesce(Subquery(live_bids, output_field=IntegerField()), 0),
            ),
            default=None,
            output_field=IntegerField(),
        )
    )


# The list's columns, as `.values()` names them (see TenderListItemSerializer).
API_TENDER_LIST_COLUMNS = (
    "id",
    "title",
    "description",
    "status",
    "commissioner_id",
    "region",
    "procedure",
    "estimated_value",
    "contract_term_months",
    "extension_option_months",
    "clarification_deadline",
    "submission_deadline",
    "published_at",
    "closed_at",
    "updated_at",
)


def api_tender_list_rows(queryset: QuerySet[Tender]) -> QuerySet:
    """The API's tender list as plain rows, in ONE query for any page size: the commissioner
    and main CPV joined, the lots' summaries gathered by PostgreSQL into a JSON array. A page
    of 200 tenders builds no model instances (bench/bench_api.py measures why that matters)."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import F, TextField
    from django.db.models.functions import Cast, JSONObject

    lots = Lot.objects.filter(tender_id=OuterRef("pk")).order_by("number")
    lot_summaries = ArraySubquery(
        lots.values(
            summary=JSONObject(
                id="id",
                number="number",
                title="title",
                # As text, so money never passes through a float.
                estimated_value=Cast("estimated_value", TextField()),
                reservation="reservation",
            )
        )
    )
    return _with_bids_received(queryset).values(
        *API_TENDER_LIST_COLUMNS,
        "bids_received",
        commissioner_name=F("commissioner__name"),
        commissioner_identifier=F("commissioner__identifier"),
        cpv_code=F("main_cpv__code"),
        cpv_description=F("main_cpv__description"),
        lot_summaries=lot_summaries,
    )


def api_tender_rows(queryset: QuerySet[Tender]) -> QuerySet[Tender]:
    """The API's tender rows with everything their full representation shows, in a fixed
    number of queries for any page size."""
    from .models import EvaluationCriterion

    return _with_bids_received(
        queryset.select_related("commissioner", "main_cpv").prefetch_related(
            "additional_cpvs",
            Prefetch("lots", queryset=Lot.objects.order_by("number")),
            Prefetch("criteria", queryset=EvaluationCriterion.objects.order_by("id")),
            Prefetch("documents", queryset=TenderDocument.objects.order_by("uploaded_at", "id")),
            Prefetch(
                "clarifications",
                queryset=Clarification.objects.filter(published_at__isnull=False)
                .only("id", "tender_id", "question", "answer", "published_at")
                .order_by("published_at", "id"),
                to_attr="published_clarifications",
            ),
        )
    )


# --- a bid's documents, as their bidder and the panel see them ------------------------------


def with_document_public_ids() -> Prefetch:
    """Prefetches each bid's documents' ids and public ids only (never their sealed bytes),
    for `bid_document_entries` on many bids at once."""
    from .models import BidDocument

    return Prefetch(
        "documents",
        queryset=BidDocument.objects.only("id", "public_id", "bid_id"),
        to_attr="document_ids",
    )


def bid_document_entries(bid: Bid, entries: list[dict]) -> list[dict]:
    """The document entries of a bid's sealed contents (which name each document by its
    internal id) with the document's public id as `id`, the only id pages and the API show."""
    from .models import BidDocument

    prefetched = getattr(bid, "document_ids", None)
    if prefetched is not None:
        public = {document.pk: document.public_id for document in prefetched}
    else:
        public = dict(BidDocument.objects.filter(bid=bid).values_list("pk", "public_id"))
    return [{**entry, "id": public[entry["id"]]} for entry in entries if entry["id"] in public]
