"""State machines declared once per model, as data.

A model declares its allowed moves as a `StateMachine`:

    TENDER_STATES = StateMachine(
        field="status",
        transitions={Status.DRAFT: {Status.PUBLISHED, Status.CANCELLED}, ...},
    )

and its services call `TENDER_STATES.move(tender, Status.PUBLISHED)`, which refuses an illegal
move with IllegalTransition and a message in the users' words. Only services change state.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import IllegalTransition


@dataclass(frozen=True)
class StateMachine:
    field: str
    transitions: Mapping[str, frozenset[str] | set[str]]

    def allowed_from(self, state: str) -> frozenset[str]:
        return frozenset(self.transitions.get(state, ()))

    def can_move(self, instance, target: str) -> bool:
        return target in self.allowed_from(getattr(instance, self.field))

    def check(self, instance, target: str) -> None:
        """Refuses an illegal move without changing anything, so services can check the state
        before their other rules."""
        if not self.can_move(instance, target):
            self.move(instance, target)

    def move(self, instance, target: str) -> str:
        """Sets the new state on `instance` (unsaved) and returns the state it left."""
        current = getattr(instance, self.field)
        if target not in self.allowed_from(current):
            raise IllegalTransition(
                f"{self._label(instance)} is {self._display(instance, current)} "
                f"and cannot become {self._display(instance, target)}."
            )
        setattr(instance, self.field, target)
        return current

    def _label(self, instance) -> str:
        return f"This {instance._meta.verbose_name}"

    def _display(self, instance, state: str) -> str:
        choices = dict(instance._meta.get_field(self.field).flatchoices)
        return str(choices.get(state, state)).lower()
