"""Demo providers of all three kinds and every size, some not yet verified."""

from core.choices import Region

from .choices import IdentifierScheme, LegalForm, ProviderKind, SizeBand, VerificationStatus
from .models import ProviderIdentifier, ProviderOrganisation

V, U = VerificationStatus.VERIFIED, VerificationStatus.UNVERIFIED

PROVIDERS = [
    # name, kind, legal form, size, verification, identifiers, postcode, regions, capability
    (
        "Carewell Services Ltd",
        ProviderKind.PRIVATE,
        LegalForm.COMPANY,
        SizeBand.LARGE,
        V,
        [(IdentifierScheme.COMPANIES_HOUSE, "04567891")],
        "M1 1AE",
        [Region.NORTH_WEST, Region.LONDON],
        "National provider of domiciliary care and reablement.",
    ),
    (
        "Brightpath Facilities Ltd",
        ProviderKind.PRIVATE,
        LegalForm.COMPANY,
        SizeBand.SMALL,
        V,
        [(IdentifierScheme.COMPANIES_HOUSE, "11223344")],
        "LS1 4DY",
        [Region.YORKSHIRE],
        "Building maintenance and grounds for public buildings.",
    ),
    (
        "Northshire Mind",
        ProviderKind.THIRD_SECTOR,
        LegalForm.CHARITY,
        SizeBand.MEDIUM,
        V,
        [
            (IdentifierScheme.CHARITY_ENGLAND_WALES, "1098765"),
            (IdentifierScheme.COMPANIES_HOUSE, "04455667"),
        ],
        "PR1 2HE",
        [Region.NORTH_WEST],
        "Community mental health support, crisis cafes and peer support groups.",
    ),
    (
        "Riverside Food Co-operative",
        ProviderKind.THIRD_SECTOR,
        LegalForm.COOPERATIVE,
        SizeBand.SMALL,
        V,
        [(IdentifierScheme.MUTUALS_REGISTER, "31245R")],
        "HU1 3AA",
        [Region.YORKSHIRE],
        "Healthy school meals and food-bank logistics.",
    ),
    (
        "Open Doors CIC",
        ProviderKind.THIRD_SECTOR,
        LegalForm.CIC,
        SizeBand.MICRO,
        U,
        [(IdentifierScheme.COMPANIES_HOUSE, "12987654")],
        "NG1 5FS",
        [Region.EAST_MIDLANDS],
        "Supported employment for people with learning disabilities.",
    ),
    (
        "Ashby Parva Good Neighbours",
        ProviderKind.COMMUNITY,
        LegalForm.UNINCORPORATED,
        SizeBand.MICRO,
        V,
        [],
        "LE17 5HN",
        [Region.EAST_MIDLANDS],
        "Volunteer befriending, lifts to appointments and a weekly lunch club.",
    ),
    (
        "Eastfield Youth Trust",
        ProviderKind.COMMUNITY,
        LegalForm.CIO,
        SizeBand.MICRO,
        U,
        [(IdentifierScheme.CHARITY_ENGLAND_WALES, "1187654")],
        "E15 1NT",
        [Region.LONDON],
        "Youth clubs and detached youth work on two estates.",
    ),
]


def seed() -> dict[str, ProviderOrganisation]:
    seeded = {}
    for (
        name,
        kind,
        legal_form,
        size,
        status,
        identifiers,
        postcode,
        regions,
        capability,
    ) in PROVIDERS:
        provider, _ = ProviderOrganisation.objects.update_or_create(
            name=name,
            defaults={
                "kind": kind,
                "legal_form": legal_form,
                "size_band": size,
                "verification_status": status,
                "postcode": postcode,
                "regions": [str(r) for r in regions],
                "capability_statement": capability,
            },
        )
        for scheme, value in identifiers:
            ProviderIdentifier.objects.update_or_create(
                provider=provider, scheme=scheme, defaults={"value": value}
            )
        seeded[name] = provider
    return seeded
