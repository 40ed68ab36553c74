"""The one mechanism that checks who may see and do what, for pages and API alike.

Each kind of record has a `Policy` in its app's permissions.py:

- `visible_to(user)` returns the queryset of rows the user may see at all (like NetBox's
  `restrict`). Lists are built from it, so a list never shows another organisation's rows.
- `rules` maps an action ("change", "manage_team", ...) to a predicate on (user, record).

`policy.get_for(user, pk, action)` fetches and authorises in one call (like Zulip's
`access_*_by_id`): a record the user may not see answers 404, exactly as a missing one does,
so ids cannot be probed; a record the user may see but not act on answers 403.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"
    MANAGE_TEAM = "manage_team"
    EVALUATE = "evaluate"


Rule = Callable[[object, Model], bool]


@dataclass(frozen=True)
class Policy:
    visible_to: Callable[[object], QuerySet]
    rules: Mapping[str, Rule] = field(default_factory=dict)
    refusals: Mapping[str, str] = field(default_factory=dict)
    # The field `get_for` finds a record by: a record with a public id (a bid) is never
    # fetched by its sequence id, which would tell how many others were made in between.
    lookup: str = "pk"

    def can(self, user, record: Model, action: str) -> bool:
        if action == Action.VIEW:
            return self.visible_to(user).filter(pk=record.pk).exists()
        rule = self.rules.get(action)
        return bool(rule and rule(user, record))

    def get_for(self, user, pk, action: str = Action.VIEW, queryset: QuerySet | None = None):
        rows = self.visible_to(user) if queryset is None else queryset & self.visible_to(user)
        try:
            record = rows.get(**{self.lookup: pk})
        except (rows.model.DoesNotExist, ValueError, TypeError, ValidationError):
            raise Http404 from None
        if action != Action.VIEW:
            rule = self.rules.get(action)
            if rule is None or not rule(user, record):
                raise PermissionDenied(
                    self.refusals.get(action, "You do not have permission to do that.")
                )
        return record


def is_platform_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def _audit_checkpoints_visible_to(user):
    from .models import AuditCheckpoint

    # Signed checkpoints are public: publishing them is what makes them an anchor.
    return AuditCheckpoint.objects.all()


audit_checkpoint_policy = Policy(visible_to=_audit_checkpoints_visible_to)
