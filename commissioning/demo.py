"""Demo commissioners: one of each kind, in different regions."""

from core.choices import Region

from .choices import CommissionerKind
from .models import CommissionerOrganisation

COMMISSIONERS = [
    (
        "Northshire County Council",
        CommissionerKind.LOCAL_AUTHORITY,
        "GB-LAE-NSH",
        Region.NORTH_WEST,
    ),
    ("Riverside Integrated Care Board", CommissionerKind.NHS_BODY, "GB-NHS-QRV", Region.YORKSHIRE),
    (
        "Department for Community Services",
        CommissionerKind.CENTRAL_GOVERNMENT,
        "GB-GOR-D99",
        Region.LONDON,
    ),
    (
        "Ashby Parva Parish Council",
        CommissionerKind.COMMUNITY_PURCHASER,
        "GB-PC-ASHBYPARVA",
        Region.EAST_MIDLANDS,
    ),
]


def seed() -> dict[str, CommissionerOrganisation]:
    seeded = {}
    for name, kind, identifier, region in COMMISSIONERS:
        commissioner, _ = CommissionerOrganisation.objects.update_or_create(
            identifier=identifier,
            defaults={
                "name": name,
                "kind": kind,
                "region": region,
                "contact_email": f"commissioning@{identifier.lower().split('-')[-1]}.example.org",
            },
        )
        seeded[identifier] = commissioner
    return seeded
