"""One shape for every API error: `{"detail": "...", "errors": {"field": ["..."]}}`.

Services' domain errors become 400 (409 for an illegal state change, 403 for a refusal);
Django's 404 and PermissionDenied keep their codes; DRF's own errors are reshaped. The
platform's own unavailability (a wrong BID_MASTER_KEY) and a database lock or statement
timeout are 503, the latter with Retry-After. Nothing a client sends should reach a 500.

Errors that never reach a DRF view (an unknown address under /api/, a request refused by
middleware, an unexpected failure) get the same shape from `api_error_response`, which
Django's error handlers (core.views) and the edge middleware (core.edge) call for paths
under /api/.
"""

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import RequestDataTooBig as DjangoRequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.dbtimeouts import BUSY_MESSAGE, RETRY_AFTER_SECONDS, is_database_timeout
from core.errors import DomainError, IllegalTransition, NotPermitted, ServiceUnavailable

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error_response(status_code: int, detail: str, errors: dict | None = None, **headers):
    """The API's error shape, for answers made outside DRF's views."""
    response = JsonResponse({"detail": detail, "errors": errors or {}}, status=status_code)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    return [str(detail)]


def _field_errors(detail) -> dict:
    """DRF's nested ValidationError detail as {"field": [messages]} (nested fields dotted)."""
    errors: dict[str, list[str]] = {}

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            errors.setdefault(prefix or "non_field_errors", []).extend(_flatten(value))

    walk("", detail)
    return errors


def api_exception_handler(exc, context):
    if is_database_timeout(exc):
        # The transaction rolled back: busy, not broken (as core.dbtimeouts answers pages).
        request = context["request"]
        logger.warning("database timeout on %s %s: %s", request.method, request.path, exc)
        return Response(
            {"detail": BUSY_MESSAGE, "errors": {}},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, ServiceUnavailable):
        # The platform's own configuration (a wrong BID_MASTER_KEY): 503, said plainly.
        from core.unavailable import log_unavailable

        log_unavailable(context["request"], exc)
        return Response({"detail": exc.message, "errors": {}}, status=503)
    if isinstance(exc, DomainError):
        code = status.HTTP_400_BAD_REQUEST
        if isinstance(exc, IllegalTransition):
            code = status.HTTP_409_CONFLICT
        elif isinstance(exc, NotPermitted):
            code = status.HTTP_403_FORBIDDEN
        return Response({"detail": exc.message, "errors": exc.field_errors}, status=code)
    if isinstance(exc, DjangoRequestDataTooBig):
        exc = RequestTooLarge()
    if isinstance(exc, exceptions.NotAuthenticated):
        exc = exceptions.NotAuthenticated(
            "Sign in or send an API key (Authorization: Bearer <key>) to do this."
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": "Check the request: some fields have problems.",
            "errors": _field_errors(exc.detail),
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        response.data = {"detail": " ".join(_flatten(detail)), "errors": {}}
    return response
