"""The edge: requests refused before any page or API view sees them, with a clear answer.

`EdgeMiddleware` (early in settings.MIDDLEWARE, before anything reads the body):

- Request bodies: a Content-Length over the cap is refused with 413 before a byte of the
  body is read (MAX_REQUEST_BYTES for multipart uploads, DATA_UPLOAD_MAX_MEMORY_SIZE for
  anything else, or a view's own `max_request_bytes`), so nothing is spooled to disk first.
- Control characters: NUL in any header (a cookie, a key), and NUL, other C0 controls, DEL
  and C1 controls in the path, the query string and form fields (tabs and line breaks are
  allowed in form fields; titles refuse them in their own validator). PostgreSQL cannot store
  NUL at all, so without this a NUL anywhere could only end as a 500.
- Years: a `__year` filter outside 1 to 9999 (as the admin's date filters take) is refused.
- RecursionError from a view (input nested deeper than Python can follow) becomes a 400, and
  so does a date pushed past year 9999 by arithmetic on an extreme input (a backstop: the
  services refuse dates outside core.inputs' range with a field error first).

Each refusal is 400 (413 for size) with the problem and the field named: the API's error shape
under /api/, the GOV.UK error page elsewhere. Any other error Django itself answers under
/api/ (a 405 from the docs page) is put in the API's shape on the way out. JSON bodies are
checked by the API's parsers (core.api.parsers) with the same rules.
"""

import logging
import re

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat

from .api.exceptions import api_error_response, is_api_request
from .inputs import DATE_RANGE_MESSAGE, control_character, describe

logger = logging.getLogger(__name__)

YEAR_LOOKUPS = ("__year", "__iso_year")
MULTIPART = "multipart/form-data"


_OUT_OF_RANGE = re.compile(r"year -?\d+ is out of range|date value out of range")


def _date_out_of_range(exception: BaseException) -> bool:
    """Python's calendar refusing a date beyond year 9999 (or before 1), as date arithmetic on
    an extreme input does."""
    return isinstance(exception, OverflowError | ValueError) and bool(
        _OUT_OF_RANGE.search(str(exception))
    )


class EdgeRefusal(Exception):
    def __init__(self, status: int, message: str, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def refusal_response(request, refusal: EdgeRefusal):
    if is_api_request(request):
        errors = {refusal.field: [refusal.message]} if refusal.field else {}
        detail = (
            "Check the request: some fields have problems." if refusal.field else refusal.message
        )
        return api_error_response(refusal.status, detail, errors)
    if not hasattr(request, "user"):
        # Refused before authentication ran (or because a header was unreadable): the error
        # page needs a user for its navigation, and must not load a session to get one.
        request.user = AnonymousUser()
    template = "errors/413.html" if refusal.status == 413 else "errors/400.html"
    return render(request, template, {"reason": refusal.message}, status=refusal.status)


def too_large_message(limit: int) -> str:
    return (
        f"What you sent is larger than this page accepts ({filesizeformat(limit)}). "
        "Nothing was saved."
    )


def _declared_length(request) -> int:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        raise EdgeRefusal(400, "The request's Content-Length is not a number.") from None
    if length < 0:
        raise EdgeRefusal(400, "The request's Content-Length is not a number.")
    return length


def body_limit(request, view=None) -> int:
    """The most bytes this request's body may hold."""
    own = None
    if view is not None:
        own = getattr(view, "max_request_bytes", None)
        for attribute in ("view_class", "cls"):
            own = own or getattr(getattr(view, attribute, None), "max_request_bytes", None)
    if own:
        return own
    if request.META.get("CONTENT_TYPE", "").startswith(MULTIPART):
        return settings.MAX_REQUEST_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def _check_size(request, view=None) -> None:
    limit = body_limit(request, view)
    if _declared_length(request) > limit:
        raise EdgeRefusal(413, too_large_message(limit))


def _check_text(text: str, field: str | None, *, label: str) -> None:
    found = control_character(text)
    if found is not None:
        raise EdgeRefusal(
            400,
            f"{label} contains the control character {describe(found)}, which cannot be "
            "accepted. Remove it and try again.",
            field,
        )


def _check_year(key: str, value: str) -> None:
    if not key.endswith(YEAR_LOOKUPS):
        return
    year = value.strip()
    if not (year.isascii() and year.isdigit() and 1 <= int(year) <= 9999):
        raise EdgeRefusal(400, "Enter a year from 1 to 9999.", key)


def check_query_and_form(request) -> None:
    """Refuses control characters in the path, the query string and POSTed form fields, and
    impossible years in filters. (Django drops unprintable characters from uploaded files'
    names itself.)"""
    _check_text(request.path_info, None, label="The web address")
    for key, values in request.GET.lists():
        _check_text(key, None, label="The web address")
        for value in values:
            _check_text(value, key, label=f"The value of “{key}” in the web address")
            _check_year(key, value)
    if request.method != "POST" or not request.META.get("CONTENT_TYPE", "").startswith(
        (MULTIPART, "application/x-www-form-urlencoded")
    ):
        return
    for key, values in request.POST.lists():
        _check_text(key, None, label="The form")
        for value in values:
            _check_text(value, key, label="What you entered")


class EdgeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            # Before the session is loaded from a cookie that might carry a NUL.
            for name, value in request.META.items():
                if name.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
                    raise EdgeRefusal(
                        400, "A header of the request contains a NUL character (U+0000)."
                    )
            # A quoted cookie may spell a NUL as an escape ("\\000") that only parsing reveals.
            for value in request.COOKIES.values():
                if control_character(value) is not None:
                    raise EdgeRefusal(400, "A cookie of the request contains a control character.")
        except EdgeRefusal as refusal:
            return refusal_response(request, refusal)
        return self.process_response(request, self.get_response(request))

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Runs before the CSRF check reads the form (no middleware reads the body earlier),
        # so the view's own cap comes before a byte of the body is read.
        try:
            _check_size(request, view_func)
            check_query_and_form(request)
        except EdgeRefusal as refusal:
            return refusal_response(request, refusal)
        except RequestDataTooBig:
            return refusal_response(
                request, EdgeRefusal(413, too_large_message(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
            )
        return None

    def process_response(self, request, response):
        # Error answers under /api/ that are not JSON (Django's own, or a view that renders
        # only HTML, as the docs page does) in the API's shape too; the browsable API's page,
        # which a browser asked for, is left alone.
        renderer = getattr(response, "accepted_renderer", None)
        if (
            response.status_code >= 400
            and is_api_request(request)
            and getattr(renderer, "format", None) != "api"
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            kept = {
                name: response[name]
                for name in ("Allow", "Retry-After", "WWW-Authenticate")
                if response.has_header(name)
            }
            reshaped = api_error_response(response.status_code, f"{response.reason_phrase}.")
            for name, value in kept.items():
                reshaped[name] = value
            return reshaped
        return response

    def process_exception(self, request, exception):
        if _date_out_of_range(exception):
            # A backstop: services refuse such dates with a field error (core.inputs.
            # date_problem), and the failed transaction wrote nothing.
            logger.warning("Refused a date out of range: %s (%s)", request.path, exception)
            return refusal_response(
                request, EdgeRefusal(400, f"{DATE_RANGE_MESSAGE}: a date you sent is too far out.")
            )
        if isinstance(exception, RecursionError):
            logger.warning("Refused a request nested too deeply to process: %s", request.path)
            return refusal_response(
                request,
                EdgeRefusal(400, "What you sent is nested too deeply to be read."),
            )
        return None
