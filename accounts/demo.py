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
