"""What drf-spectacular needs to describe the API fully: the Bearer key scheme, and the error
responses every operation can give, in the one error shape."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from .serializers import ErrorSerializer


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key from /accounts/api-keys/: `Bearer cm_<prefix>_<secret>`.",
        }


ERRORS = {
    400: "The request has problems: `errors` names each field and what is wrong with it.",
    401: "No credentials, or the API key is not usable (malformed, unknown, revoked, expired).",
    403: "The caller may see this but not do it, or the key lacks the scope.",
    404: "No such record, or the caller may not see it.",
    409: "The record's state does not allow this now (for example, a closed tender).",
    413: "The request body is too large.",
    429: "Too many requests: wait the number of seconds in Retry-After.",
}


class CivicAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        codes = [401, 403, 429]
        if method != "GET" or self._is_list_view():
            # Writes validate their body; lists validate filters, ordering and cursors.
            codes = [400, *codes]
        if "{" in self.path:
            codes.append(404)
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += [409, 413]
        for code in codes:
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=ERRORS[code]),
                    str(code),
                )
        return responses
