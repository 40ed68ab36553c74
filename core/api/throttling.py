"""Rates per API key, per signed-in user, and per anonymous client address. The rates are
settings (API_THROTTLE_* in the environment).

The client's address is core.clientip's (settings.PROXY_COUNT), never DRF's own reading of
X-Forwarded-For, which trusts whatever a client sends. Throttles fail open: with the cache
down a request is let through and a warning names the throttle (core.ratelimits)."""

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from accounts.models import ApiKey
from core.clientip import client_ip
from core.ratelimits import CACHE_ERRORS, cache_unavailable


class FailOpenThrottle(SimpleRateThrottle):
    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as error:
            cache_unavailable(f"api:{self.scope}", error)
            return True


class ApiKeyRateThrottle(FailOpenThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
        return None


class SessionUserRateThrottle(FailOpenThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated and not isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
        return None


class AnonymousRateThrottle(FailOpenThrottle, AnonRateThrottle):
    scope = "anon"
