"""Demo users: one for each role, so every kind of page can be tried by signing in."""

from .choices import Role
from .models import User


def seed(*, commissioners, providers, password: str) -> list[tuple[str, str]]:
    """Creates (or resets) the demo users. Returns (email, what they are) to print."""
    people = [
        ("staff@civicmarkets.example", "Sam Staff", "", None, None, "platform staff (admin)"),
        (
            "officer@northshire.example",
            "Olu Officer",
            Role.COMMISSIONING_OFFICER,
            commissioners["GB-LAE-NSH"],
            None,
            "commissioning officer, Northshire County Council",
        ),
        (
            "manager@northshire.example",
            "Maya Manager",
            Role.COMMISSIONING_MANAGER,
            commissioners["GB-LAE-NSH"],
            None,
            "commissioning manager, Northshire County Council",
        ),
        (
            "officer@riverside-icb.example",
            "Ravi Officer",
            Role.COMMISSIONING_OFFICER,
            commissioners["GB-NHS-QRV"],
            None,
            "commissioning officer, Riverside ICB",
        ),
        (
            "clerk@ashbyparva.example",
            "Claire Clerk",
            Role.COMMISSIONING_MANAGER,
            commissioners["GB-PC-ASHBYPARVA"],
            None,
            "manager, Ashby Parva Parish Council",
        ),
        (
            "admin@carewell.example",
            "Priya Admin",
            Role.PROVIDER_ADMIN,
            None,
            providers["Carewell Services Ltd"],
            "provider admin, Carewell Services (private)",
        ),
        (
            "admin@northshiremind.example",
            "Nia Admin",
            Role.PROVIDER_ADMIN,
            None,
            providers["Northshire Mind"],
            "provider admin, Northshire Mind (third sector)",
        ),
        (
            "writer@northshiremind.example",
            "Ben Writer",
            Role.BID_WRITER,
            None,
            providers["Northshire Mind"],
            "bid writer, Northshire Mind (third sector)",
        ),
        (
            "admin@goodneighbours.example",
            "Gwen Admin",
            Role.PROVIDER_ADMIN,
            None,
            providers["Ashby Parva Good Neighbours"],
            "provider admin, Good Neighbours (community)",
        ),
        (
            "admin@opendoors.example",
            "Omar Admin",
            Role.PROVIDER_ADMIN,
            None,
            providers["Open Doors CIC"],
            "provider admin, Open Doors CIC (not yet verified)",
        ),
    ]
    logins = []
    for email, full_name, role, commissioner, provider, description in people:
        user = User.objects.filter(email=email).first() or User(email=email)
        user.full_name = full_name
        user.role = role
        user.commissioner = commissioner
        user.provider = provider
        user.is_staff = user.is_superuser = role == ""
        user.is_active = True
        user.set_password(password)
        user.save()
        logins.append((email, description))
    return logins


# --- demo API keys -------------------------------------------------------------------------
# Two keys with known values, so the README's curl walk-through works against `make run`.
# Known secrets are acceptable ONLY for the demo: real keys come from api_key_issue, which
# draws 256 random bits. These still look like real keys (cm_<12-char prefix>_<secret>), and
# only their SHA-256 digests are stored, as for any key.

from datetime import timedelta  # noqa: E402

from django.utils import timezone  # noqa: E402

from .choices import ApiScope  # noqa: E402
from .models import ApiKey  # noqa: E402
from .services import DEFAULT_LIFETIME_DAYS, hash_secret  # noqa: E402

# (email of the key's user, key name, the whole key, scopes)
DEMO_API_KEYS = [
    (
        "officer@northshire.example",
        "Demo: Northshire's case system",
        "cm_demoofficer0_NOT-A-SECRET-demo-key-for-local-use-only-officer",
        [
            ApiScope.TENDERS_READ,
            ApiScope.TENDERS_WRITE,
            ApiScope.BIDS_READ,
            ApiScope.EVALUATIONS_READ,
            ApiScope.EVALUATIONS_WRITE,
            ApiScope.AWARDS_WRITE,
            ApiScope.CONTRACTS_READ,
            ApiScope.CONTRACTS_WRITE,
            ApiScope.COMPLAINTS_READ,
            ApiScope.COMPLAINTS_WRITE,
            ApiScope.WEBHOOKS_MANAGE,
        ],
    ),
    (
        "admin@northshiremind.example",
        "Demo: Northshire Mind's bid system",
        "cm_demoprovider_NOT-A-SECRET-demo-key-for-local-use-only-provider",
        [
            ApiScope.TENDERS_READ,
            ApiScope.BIDS_READ,
            ApiScope.BIDS_WRITE,
            ApiScope.CONTRACTS_READ,
            ApiScope.CONTRACTS_WRITE,
            ApiScope.COMPLAINTS_READ,
            ApiScope.COMPLAINTS_WRITE,
            ApiScope.WEBHOOKS_MANAGE,
        ],
    ),
]


def seed_api_keys() -> list[tuple[str, str]]:
    """Creates (or restores: unrevoked, a year to run) the demo keys. Returns (email, key)."""
    shown = []
    for email, name, secret, scopes in DEMO_API_KEYS:
        prefix = secret.split("_", 2)[1]
        ApiKey.objects.update_or_create(
            prefix=prefix,
            defaults={
                "user": User.objects.get(email=email),
                "name": name,
                "secret_hash": hash_secret(secret),
                "scopes": [str(scope) for scope in scopes],
                "expires_at": timezone.now() + timedelta(days=DEFAULT_LIFETIME_DAYS),
                "revoked_at": None,
                "revoked_by": None,
            },
        )
        shown.append((email, secret))
    return shown
