import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from core.choices import Region
from core.inputs import validate_single_line
from core.validators import normalise_postcode, validate_postcode

from .choices import IdentifierScheme, LegalForm, ProviderKind, SizeBand, VerificationStatus

# Each register's own number format; the org-id is the scheme code, a hyphen and this.
IDENTIFIER_FORMATS = {
    IdentifierScheme.COMPANIES_HOUSE: (
        re.compile(r"^([0-9]{8}|(SC|NI|OC|SO|NC|R0|IP|SP|RS|CE|CS)[0-9]{6})$"),
        "a Companies House number is 8 characters, like 01234567 or SC123456",
    ),
    IdentifierScheme.CHARITY_ENGLAND_WALES: (
        re.compile(r"^[1-9][0-9]{5,6}$"),
        "a charity number in England and Wales is 6 or 7 digits, like 1234567",
    ),
    IdentifierScheme.CHARITY_SCOTLAND: (
        re.compile(r"^SC0[0-9]{5}$"),
        "a Scottish charity number is SC0 and 5 digits, like SC012345",
    ),
    IdentifierScheme.CHARITY_NORTHERN_IRELAND: (
        re.compile(r"^NIC1[0-9]{5}$|^10[0-9]{4}$"),
        "a Northern Ireland charity number is like NIC101234 or 101234",
    ),
    IdentifierScheme.MUTUALS_REGISTER: (
        re.compile(r"^[0-9]{1,6}R?$|^RS[0-9]{6}$"),
        "a Mutuals Public Register number is like 12345R or RS001234",
    ),
}


def identifier_problem(scheme: str, value: str) -> str | None:
    """What is wrong with `value` as a number on `scheme`'s register, or None."""
    pattern, explanation = IDENTIFIER_FORMATS[IdentifierScheme(scheme)]
    if not pattern.match(value):
        return f"Enter a valid number: {explanation}"
    return None


class ProviderOrganisation(models.Model):
    """A company, third-sector organisation or community group that delivers public services."""

    name = models.CharField(max_length=200, validators=[validate_single_line])
    kind = models.CharField(max_length=20, choices=ProviderKind.choices)
    legal_form = models.CharField(max_length=30, choices=LegalForm.choices)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices)
    verification_status = models.CharField(
        max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True, validators=[validate_postcode])
    regions = models.JSONField(
        default=list, blank=True, help_text="ITL 1 region codes the provider serves"
    )
    # The service categories the provider offers, as CPV codes, so commissioners can find it
    # and the market's health can be measured per category.
    categories = models.ManyToManyField(
        "commissioning.CpvCode",
        blank=True,
        related_name="providers",
        verbose_name="service categories",
    )
    capability_statement = models.TextField(blank=True, max_length=2000)
    website = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "provider"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="provider_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(kind__in=ProviderKind.values), name="provider_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(legal_form__in=LegalForm.values),
                name="provider_legal_form_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(size_band__in=SizeBand.values), name="provider_size_band_valid"
            ),
        ]
        indexes = [models.Index(fields=["kind", "size_band"])]

    def __str__(self):
        return self.name

    def clean(self):
        if self.postcode:
            self.postcode = normalise_postcode(self.postcode)
        unknown = [code for code in self.regions if code not in Region.values]
        if unknown:
            raise ValidationError({"regions": f"Unknown region codes: {', '.join(unknown)}"})

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED

    @property
    def is_vcse(self) -> bool:
        """Voluntary, community or social enterprise: the third sector and community groups."""
        return self.kind in (ProviderKind.THIRD_SECTOR, ProviderKind.COMMUNITY)

    @property
    def primary_identifier(self):
        identifiers = list(self.identifiers.all())
        return identifiers[0] if identifiers else None


class ProviderIdentifier(models.Model):
    """A provider's number on a public register, kept in org-id.guide form."""

    provider = models.ForeignKey(
        ProviderOrganisation, on_delete=models.CASCADE, related_name="identifiers"
    )
    scheme = models.CharField(max_length=10, choices=IdentifierScheme.choices)
    value = models.CharField(max_length=20)

    class Meta:
        ordering = ["scheme"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "value"], name="provider_identifier_unique"),
            models.UniqueConstraint(
                fields=["provider", "scheme"], name="provider_one_identifier_per_scheme"
            ),
        ]

    def __str__(self):
        return self.org_id

    @property
    def org_id(self) -> str:
        return f"{self.scheme}-{self.value}"

    def clean(self):
        self.value = (self.value or "").strip().upper().replace(" ", "")
        problem = identifier_problem(self.scheme, self.value)
        if problem:
            raise ValidationError({"value": problem})


class ProviderExclusion(models.Model):
    """Platform staff record a provider as excluded (for example, on the debarment list).

    An excluded provider cannot bid while an exclusion is in force; officers see the flag
    wherever the provider appears."""

    provider = models.ForeignKey(
        ProviderOrganisation, on_delete=models.CASCADE, related_name="exclusions"
    )
    reason = models.TextField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="exclusion_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.provider} excluded {self.starts_on} to {self.ends_on}"


class Invitation(models.Model):
    """A provider admin's invitation to a colleague, accepted through a one-time link."""

    provider = models.ForeignKey(
        ProviderOrganisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    full_name = models.CharField(max_length=150, validators=[validate_single_line])
    role = models.CharField(max_length=30)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-invited_at"]

    def __str__(self):
        return f"invitation for {self.email} to {self.provider}"


class PendingRegistration(models.Model):
    """A provider's registration waiting for its first admin to open the link emailed to
    them, which proves the address is theirs. Nothing else is written until then. Its
    answers hold the password only as its hash; the row goes when the link is used or a day
    after (REGISTRATION_CONFIRM_HOURS)."""

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField()
    answers = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"registration waiting for {self.email}"


class ProviderDetailsChange(models.Model):
    """A change a verified provider made to a fact staff verified, held until staff check it.

    Kind, legal form and size band decide which reserved lots a provider may bid for, so a
    verified provider's change to them does not apply at once: it waits here, and until staff
    approve it the provider is judged by the stricter of what was verified and what it told
    us (commissioning.eligibility). A blank field is not being changed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a check"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"

    provider = models.ForeignKey(
        ProviderOrganisation, on_delete=models.CASCADE, related_name="details_changes"
    )
    kind = models.CharField(max_length=20, choices=ProviderKind.choices, blank=True)
    legal_form = models.CharField(max_length=30, choices=LegalForm.choices, blank=True)
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    FACTS = ("kind", "legal_form", "size_band")

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = "provider details change"
        constraints = [
            models.UniqueConstraint(
                fields=["provider"],
                condition=models.Q(status="pending"),
                name="one_pending_details_change_per_provider",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="", legal_form="", size_band=""),
                name="details_change_changes_something",
            ),
        ]

    def __str__(self):
        return f"{self.provider}: {self.summary()}"

    def proposed(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.FACTS if getattr(self, name)}

    def summary(self) -> str:
        labels = {
            "kind": ("kind", ProviderKind),
            "legal_form": ("legal form", LegalForm),
            "size_band": ("size", SizeBand),
        }
        return "; ".join(
            f"{labels[name][0]} to {labels[name][1](value).label}"
            for name, value in self.proposed().items()
        )
