"""Every change to providers' records. Views, API and tasks call these, nothing else."""

from core.services import record_update

from .models import ProviderOrganisation
from .permissions import provider_policy

EDITABLE_FIELDS = ("name", "size_band", "address", "postcode", "capability_statement", "website")


def provider_update(*, provider: ProviderOrganisation, actor, **changes):
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    return record_update(
        policy=provider_policy,
        model=ProviderOrganisation,
        pk=provider.pk,
        actor=actor,
        action_name="provider.updated",
        changes=changes,
    )
