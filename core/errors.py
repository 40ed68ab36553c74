"""The one application error type, and its few specialisations.

Services raise these; the pages and the API each turn them into a clear message in one
place (core.views.DomainErrorMixin, and the API's exception handler), never a 500.
"""


class DomainError(Exception):
    """A rule of the platform refused the action. `message` is shown to the user as is;
    `field_errors` maps form or API field names to messages about them."""

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class IllegalTransition(DomainError):
    """A state machine refused a move from its current state."""


class NotPermitted(DomainError):
    """The acting user may see the record but may not do this to it."""


class ServiceUnavailable(Exception):
    """The platform itself cannot do this now (its configuration, or something it depends
    on, is wrong): not the user's doing, so neither a refusal nor a crash. Pages answer 503
    with `message`, the API 503 in its error shape; `detail` is for the operator's log only
    and may name settings, records and causes."""

    heading = "Sorry, the service is unavailable"

    def __init__(self, message: str, *, detail: str = ""):
        super().__init__(detail or message)
        self.message = message
        self.detail = detail or message
