"""The API key serving the current request, so the audit log can say a change came through
the API (and which key) without every service taking another argument."""

from contextvars import ContextVar

current_api_key: ContextVar = ContextVar("current_api_key", default=None)
