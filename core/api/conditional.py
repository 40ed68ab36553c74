"""Conditional GET: every successful GET carries an ETag computed from its body, and a client
sending If-None-Match with it gets 304 and no body.

No Last-Modified: most representations nest other records (a tender's lots and answers, a
contract's KPIs) whose changes do not touch the parent's updated_at, so a date would claim
"not modified" for a changed representation. A hash of the body cannot."""

import hashlib

from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response


class ConditionalGetMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != status.HTTP_200_OK:
            return response
        if not isinstance(response, Response):
            return response
        response.render()
        etag = f'W/"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        response["ETag"] = etag
        # Representations depend on who asks.
        response["Vary"] = "Accept, Authorization, Cookie"
        if request.user and request.user.is_authenticated:
            response["Cache-Control"] = "private, no-cache"
        else:
            response["Cache-Control"] = "public, no-cache"
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match:
            wanted = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
            if "*" in wanted or etag.removeprefix("W/") in wanted:
                not_modified = Response(status=status.HTTP_304_NOT_MODIFIED)
                not_modified["ETag"] = etag
                not_modified["Vary"] = response["Vary"]
                return super().finalize_response(request, not_modified, *args, **kwargs)
        return response
