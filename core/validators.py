"""Format checks for identifiers and addresses used across the apps."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

# A UK postcode, in the forms Royal Mail issues (spaces optional, any case).
POSTCODE_RE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]([0-9ABEHMNPRV-Y])?|[0-9][A-HJKPS-UW])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$",
    re.IGNORECASE,
)


def normalise_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value or "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def validate_postcode(value: str) -> None:
    if not POSTCODE_RE.match(normalise_postcode(value)):
        raise ValidationError("Enter a real postcode, like SW1A 1AA", code="invalid_postcode")


# org-id.guide identifiers: a list code (GB-COH, GB-CHC, ...) then the register's own id.
validate_org_id = RegexValidator(
    r"^[A-Z]{2}-[A-Z0-9]{2,6}-[A-Za-z0-9\-]{1,30}$",
    "Enter an identifier in org-id form, like GB-COH-01234567 or GB-CHC-1234567",
    code="invalid_org_id",
)
