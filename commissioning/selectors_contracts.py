"""Reads for contracts: the public list and detail, and each commissioner's register.

The list and register carry the fields the Local Government Transparency Code 2015 asks
councils to publish for every contract: reference, title, the commissioner, the supplier
(with its kind and size band, and whether it is a VCSE), value, start and end dates.
"""

from django.db.models import Prefetch, QuerySet

from .models import Contract, Kpi

# The register's columns, in order, as (heading, how to read it from a contract); the page
# and the CSV download share them so they cannot drift apart.
REGISTER_COLUMNS = (
    ("Reference", lambda c: c.reference),
    ("Title", lambda c: c.title),
    ("Commissioner", lambda c: c.commissioner.name),
    ("Supplier", lambda c: c.provider.name),
    ("Supplier kind", lambda c: c.provider.get_kind_display()),
    ("Supplier size", lambda c: c.provider.get_size_band_display()),
    ("VCSE", lambda c: "Yes" if c.provider.is_vcse else "No"),
    ("Value (£)", lambda c: f"{c.value:.2f}"),
    ("Start date", lambda c: c.start_date.isoformat()),
    ("End date", lambda c: c.end_date.isoformat()),
    ("Status", lambda c: c.get_status_display()),
)


def contracts_public() -> QuerySet[Contract]:
    """Every contract, as open data: contracts with public money are public."""
    return Contract.objects.select_related("commissioner", "provider").order_by(
        "-start_date", "-id"
    )


def contract_register(*, commissioner) -> QuerySet[Contract]:
    return contracts_public().filter(commissioner=commissioner)


def contract_detail() -> QuerySet[Contract]:
    return Contract.objects.select_related(
        "commissioner", "provider", "tender", "lot"
    ).prefetch_related(Prefetch("kpis", queryset=Kpi.objects.order_by("id")))


def register_rows(contracts) -> list[list[str]]:
    return [[read(contract) for _, read in REGISTER_COLUMNS] for contract in contracts]


def register_headings() -> list[str]:
    return [heading for heading, _ in REGISTER_COLUMNS]
