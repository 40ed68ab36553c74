"""Database timeouts: one stuck transaction makes a request fail fast, never the site hang.

Every connection is opened with `lock_timeout`, `statement_timeout` and
`idle_in_transaction_session_timeout` from settings (DATABASE_*_TIMEOUT_MS; the web server's
defaults are short, the Celery worker and migrations set their own in the environment). A
statement that gives up raises LockNotAvailable or QueryCanceled; this middleware answers
that with 503 and Retry-After ("busy, try again"), the transaction having rolled back,
instead of a 500.
"""

import logging

from django.db import OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from psycopg2 import errors as pg_errors

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
BUSY_MESSAGE = "The service is busy: nothing was changed. Try again."


def is_database_timeout(error: BaseException) -> bool:
    cause = getattr(error, "__cause__", None)
    return isinstance(error, OperationalError) and isinstance(
        cause, (pg_errors.LockNotAvailable, pg_errors.QueryCanceled)
    )


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_timeout(exception):
            return None
        logger.warning("database timeout on %s %s: %s", request.method, request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": BUSY_MESSAGE, "errors": {}},
                status=503,
            )
        else:
            response = render(request, "errors/503_busy.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
