"""Hooks: how a lower layer tells a higher one that something happened, or asks it for
something, without importing it.

`core` imports no project app, and apps depend on each other in one direction only (see the
README's "How it is laid out" and the import-linter contract in pyproject.toml). Where a lower
app must reach a higher one (the audit log telling the webhooks app about a change; contract
management asking accountability for a contract's complaints), the higher app registers a
listener in its `AppConfig.ready()`, and the lower app calls the hook by name:

    # webhooks/apps.py (higher)
    hooks.listen(hooks.AUDIT_RECORDED, webhooks_on_audit)

    # core/services.py (lower)
    hooks.call(hooks.AUDIT_RECORDED, action=..., target=..., after=...)

Listeners run synchronously, in the caller's transaction, in the order they registered, and
`call` returns their results as a list: an event ("this happened") ignores it, a question
("what do you know about this contract?") reads it. A hook nobody listens to returns [].

Every hook is named here, with what it passes and what it expects back, so the one place that
lists how the layers talk upwards is this module.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

# The audit log recorded a change (core.services.audit_record), inside its transaction.
# kwargs: action (str), target (model instance), after (dict). Returns nothing.
AUDIT_RECORDED = "audit.recorded"

# A page of a lower app shows what higher apps know about its record (like NetBox's template
# extensions): each listener returns a Panel, or None to show nothing. kwargs: the record and
# `user` (the viewer). The provider's public page gets its contracts from commissioning and its
# complaints and escalation from accountability; a contract's page gets its complaints and
# escalation from accountability.
PROVIDER_PAGE_PANELS = "providers.provider_page.panels"
CONTRACT_PAGE_PANELS = "commissioning.contract_page.panels"


@dataclass(frozen=True)
class Panel:
    """A piece of a page contributed by a higher app: its template and that template's context.
    `order` places it among the others (lower first)."""

    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


def panels(hook: str, **kwargs) -> list[Panel]:
    """The panels listeners of `hook` contribute, in their order; listeners returning None
    contribute nothing."""
    return sorted((p for p in call(hook, **kwargs) if p is not None), key=lambda p: p.order)


_listeners: dict[str, list[Callable]] = defaultdict(list)


def listen(hook: str, listener: Callable) -> Callable:
    """Registers `listener` for `hook` (once: registering it again changes nothing)."""
    if listener not in _listeners[hook]:
        _listeners[hook].append(listener)
    return listener


def call(hook: str, **kwargs) -> list:
    """Calls every listener of `hook` with `kwargs`; returns their results, in order."""
    return [listener(**kwargs) for listener in _listeners.get(hook, ())]


def listeners(hook: str) -> tuple[Callable, ...]:
    return tuple(_listeners.get(hook, ()))
