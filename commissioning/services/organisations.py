"""Every change to commissioners' records. Views, API and tasks call these, nothing else."""

from core.services import record_update

from ..models import CommissionerOrganisation
from ..permissions import commissioner_policy

EDITABLE_FIELDS = ("name", "region", "website", "contact_email")


def commissioner_update(*, commissioner: CommissionerOrganisation, actor, **changes):
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {', '.join(sorted(unknown))}")
    return record_update(
        policy=commissioner_policy,
        model=CommissionerOrganisation,
        pk=commissioner.pk,
        actor=actor,
        action_name="commissioner.updated",
        changes=changes,
    )
