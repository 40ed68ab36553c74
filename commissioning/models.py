from django.db import models
from django.db.models.functions import Lower

from core.choices import Region
from core.validators import validate_org_id

from .choices import CommissionerKind


class CommissionerOrganisation(models.Model):
    """A public body, or a community, that buys public services."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=CommissionerKind.choices)
    # org-id.guide form, for example GB-LAE-MAN (a local authority in England) or GB-GOR-D19.
    identifier = models.CharField(max_length=50, unique=True, validators=[validate_org_id])
    region = models.CharField(max_length=3, choices=Region.choices)
    website = models.URLField(blank=True)
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "commissioner"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="commissioner_name_unique_ci"),
            models.CheckConstraint(
                condition=models.Q(kind__in=CommissionerKind.values), name="commissioner_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(region__in=[r.value for r in Region]),
                name="commissioner_region_valid",
            ),
        ]

    def __str__(self):
        return self.name
