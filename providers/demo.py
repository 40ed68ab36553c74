"""Demo providers of all three kinds and every size, some not yet verified, most with the
services they offer, and one excluded from bidding (officers see it flagged)."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from commissioning.models import CpvCode
from core.choices import Region

from .choices import IdentifierScheme, LegalForm, ProviderKind, SizeBand, VerificationStatus
from .models import ProviderExclusion, ProviderIdentifier, ProviderOrganisation

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
        "Quickfix Property Services Ltd",
        ProviderKind.PRIVATE,
        LegalForm.COMPANY,
        SizeBand.MEDIUM,
        V,
        [(IdentifierScheme.COMPANIES_HOUSE, "09876543")],
        "B1 1BB",
        [Region.WEST_MIDLANDS],
        "Repairs, cleaning and grounds maintenance for councils and housing associations.",
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


# The services each demo provider offers, as CPV codes from the shipped subset.
CATEGORIES = {
    "Carewell Services Ltd": ["85311100-3", "85312400-3", "85312500-4"],
    "Brightpath Facilities Ltd": ["50000000-5", "90910000-9", "77310000-6"],
    "Northshire Mind": ["85312300-2", "85312320-8", "85323000-9"],
    "Riverside Food Co-operative": ["55524000-9", "55520000-1"],
    "Open Doors CIC": ["85311200-4", "80500000-9"],
    "Ashby Parva Good Neighbours": ["85311100-3", "60130000-8", "98133100-5"],
    "Quickfix Property Services Ltd": ["50000000-5", "90910000-9"],
    "Eastfield Youth Trust": ["85311300-5", "92000000-1"],
}

EXCLUDED = "Quickfix Property Services Ltd"
EXCLUSION_REASON = (
    "On the debarment list: it failed to perform a council repairs contract and was "
    "terminated for breach (Procurement Act 2023, section 57)."
)
# accounts.demo gives this login its password; an exclusion needs someone who recorded it.
STAFF_EMAIL = "staff@civicmarkets.example"


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
    _seed_categories(seeded)
    _seed_exclusion(seeded[EXCLUDED])
    return seeded


def _seed_categories(providers: dict[str, ProviderOrganisation]) -> None:
    wanted = {code for codes in CATEGORIES.values() for code in codes}
    if CpvCode.objects.filter(code__in=wanted).count() < len(wanted):
        call_command("load_cpv", stdout=io.StringIO())
    for name, codes in CATEGORIES.items():
        providers[name].categories.set(codes)


def _seed_exclusion(provider: ProviderOrganisation) -> None:
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    if staff is None:
        staff = User(email=STAFF_EMAIL, full_name="Sam Staff", is_staff=True, is_superuser=True)
        staff.set_unusable_password()
        staff.save()
    today = timezone.localdate()
    ProviderExclusion.objects.get_or_create(
        provider=provider,
        reason=EXCLUSION_REASON,
        defaults={
            "starts_on": today - timedelta(days=60),
            "ends_on": today + timedelta(days=3 * 365 - 60),
            "recorded_by": staff,
        },
    )
