from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from core.errors import DomainError
from core.inputs import validate_single_line

from .choices import COMMISSIONER_ROLES, PROVIDER_ROLES, ApiScope, Role

NEVER_DELETED = (
    "Accounts are never deleted: the audit log and the records people made point at them. "
    "Deactivate the account instead, or erase the person's details if they ask "
    "(python manage.py erase_user)."
)


class UserQuerySet(models.QuerySet):
    def delete(self):
        raise DomainError(NEVER_DELETED)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. Each belongs to one organisation, with one role in it.

    Platform staff (is_staff) need no organisation: they work in the admin. Citizens have no
    account at all.
    """

    username = None
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, validators=[validate_single_line])
    role = models.CharField(max_length=30, choices=Role.choices, blank=True)
    commissioner = models.ForeignKey(
        "commissioning.CommissionerOrganisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    provider = models.ForeignKey(
        "providers.ProviderOrganisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # Set when the person's details were erased at their request (accounts.services.user_erase):
    # the account stays, anonymised, so what they did keeps its author.
    erased_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    objects = UserManager()

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            # A user's role and organisation agree: a commissioner role with a commissioner,
            # a provider role with a provider, or neither (platform staff).
            models.CheckConstraint(
                name="user_role_matches_organisation",
                condition=(
                    Q(
                        role__in=COMMISSIONER_ROLES,
                        commissioner__isnull=False,
                        provider__isnull=True,
                    )
                    | Q(role__in=PROVIDER_ROLES, provider__isnull=False, commissioner__isnull=True)
                    | Q(role="", commissioner__isnull=True, provider__isnull=True)
                ),
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def delete(self, *args, **kwargs):
        raise DomainError(NEVER_DELETED)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_commissioner_user(self) -> bool:
        return self.role in COMMISSIONER_ROLES and self.commissioner_id is not None

    @property
    def is_provider_user(self) -> bool:
        return self.role in PROVIDER_ROLES and self.provider_id is not None

    @property
    def organisation(self):
        return self.commissioner or self.provider


class ApiKey(models.Model):
    """A key an integrator's system presents as `Authorization: Bearer <key>`.

    A key acts for the person who issued it, inside their organisation and role, narrowed to
    its scopes. Only a SHA-256 digest of the secret is stored: keys are 256-bit random values,
    so a fast hash is as safe as a slow one and costs nothing per request. The full key is
    shown once, when issued; the prefix identifies it afterwards (in lists and the audit log).
    """

    PREFIX_LENGTH = 12

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(
        max_length=100,
        help_text="What the key is for, e.g. “Finance system”",
        validators=[validate_single_line],
    )
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=30, choices=ApiScope.choices), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.is_active
