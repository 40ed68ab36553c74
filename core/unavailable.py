"""Pages answer 503 with a clear GOV.UK error page when the platform itself cannot do what
was asked (core.errors.ServiceUnavailable, e.g. a wrong BID_MASTER_KEY): neither the user's
fault (4xx) nor an unexplained crash (500). The operator's details go to the log."""

import logging

from django.http import JsonResponse
from django.shortcuts import render

from .errors import ServiceUnavailable

logger = logging.getLogger("civicmarkets.unavailable")


def log_unavailable(request, error: ServiceUnavailable) -> None:
    logger.error("%s %s answered 503: %s", request.method, request.path, error.detail)


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ServiceUnavailable):
            return None
        log_unavailable(request, exception)
        if request.path.startswith("/api/"):
            # The API's views answer through their own exception handler; anything else
            # under /api/ keeps the same shape.
            return JsonResponse({"detail": exception.message, "errors": {}}, status=503)
        return render(
            request,
            "errors/503.html",
            {"heading": exception.heading, "message": exception.message},
            status=503,
        )
