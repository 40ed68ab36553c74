"""Reads for the citizens' complaint pages, with the joins those pages need."""

import hmac

from django.db.models import Prefetch, Q, QuerySet

from commissioning.models import Contract
from core.choices import Region
from core.validators import POSTCODE_RE, normalise_postcode

from .models import Complaint, ComplaintResponse
from .services.complaints import OPEN_CONTRACT_STATUSES, hash_tracking_token

SEARCH_LIMIT = 20
# Compared against when no complaint has the reference, so a wrong reference costs the same
# time as a wrong token and neither can be told apart.
_NO_SUCH_HASH = "0" * 64


def complainable_contracts() -> QuerySet[Contract]:
    return (
        Contract.objects.filter(status__in=OPEN_CONTRACT_STATUSES)
        .select_related("commissioner", "provider")
        .order_by("title", "id")
    )


def contracts_matching(query: str) -> list[Contract]:
    """Running contracts whose service, provider or commissioner is named like `query`, or in
    the area it names (a region, or a postcode's outward code), a short list to choose from."""
    query = (query or "").strip()
    if not query:
        return []
    match = (
        Q(title__icontains=query)
        | Q(provider__name__icontains=query)
        | Q(commissioner__name__icontains=query)
    )
    regions = [code for code, label in Region.choices if query.lower() in label.lower()]
    if regions:
        match |= Q(tender__region__in=regions) | Q(commissioner__region__in=regions)
    compact = normalise_postcode(query)
    if POSTCODE_RE.match(compact):
        outward = compact.split()[0]
        match |= Q(provider__postcode__istartswith=f"{outward} ")
    elif 2 <= len(compact) <= 4 and compact[0].isalpha() and compact[-1].isdigit():
        match |= Q(provider__postcode__istartswith=f"{compact} ")
    return list(complainable_contracts().filter(match)[:SEARCH_LIMIT])


def complainable_contract(pk) -> Contract | None:
    try:
        return complainable_contracts().filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def complaint_for_tracking(reference: str, token: str) -> Complaint | None:
    """The complaint the private link opens, or None for a wrong reference or a wrong token
    alike: nobody can learn from the answer which references exist."""
    complaint = (
        Complaint.objects.select_related("contract", "commissioner", "provider")
        .prefetch_related(
            Prefetch("responses", queryset=ComplaintResponse.objects.order_by("stage", "id"))
        )
        .filter(reference=(reference or "").strip().upper()[:20])
        .first()
    )
    expected = complaint.tracking_token_hash if complaint else _NO_SUCH_HASH
    given = hash_tracking_token((token or "").strip())
    if hmac.compare_digest(expected, given) and complaint is not None:
        return complaint
    return None


def contract_for_complaint(*, pk=None, reference: str = "") -> Contract | None:
    """The contract a complaint sent through the API is about, by id or by its reference
    (CM-C-000123), whatever its status: complaint_submit says when the service has ended."""
    if reference:
        digits = (reference or "").strip().upper().removeprefix("CM-C-")
        if not digits.isdigit():
            return None
        pk = int(digits)
    try:
        rows = Contract.objects.select_related("commissioner", "provider")
        return rows.filter(pk=int(pk)).first()
    except (TypeError, ValueError, OverflowError):
        return None
