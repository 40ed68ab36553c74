"""Rate limits on public forms (django-ratelimit), failing open.

A limit protects the platform from floods; it must never be the reason a citizen's complaint
is lost. The counters live in the cache (Redis): when it cannot be reached, the request goes
through uncounted and a warning names the limit, so operators see what was not enforced.
Every limit is keyed by the client's address from core.clientip (settings.PROXY_COUNT).
"""

import hashlib
import logging
import re

from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What the cache raises when Redis is down, refuses or times out.
CACHE_ERRORS = (RedisError, OSError)

RATE_RE = re.compile(r"^\d+/\d*[smhd]$")


def cache_unavailable(limit: str, error: BaseException) -> None:
    logger.warning(
        "Rate limit %s not applied: the cache is unavailable (%s: %s)",
        limit,
        type(error).__name__,
        error,
    )


def limit_usage(request, *, group: str, rate: str, key="ip", increment: bool = True):
    """django-ratelimit's usage of `group` for this client ({"should_limit", "time_left",
    ...}), or None when the limit does not apply or could not be counted."""
    try:
        return get_usage(request, group=group, key=key, rate=rate, increment=increment)
    except CACHE_ERRORS as error:
        cache_unavailable(group, error)
        return None


def is_limited(request, *, group: str, rate: str, key="ip") -> bool:
    """Counts this request against `group` and says whether it is over `rate`. `key` is
    "ip" (the client's address) or a django-ratelimit key such as `for_address(email)`."""
    usage = limit_usage(request, group=group, rate=rate, key=key)
    return bool(usage and usage["should_limit"])


def for_address(email: str):
    """A rate-limit key for requests about one email address, whoever sends them (a digest:
    the cache never holds the address itself)."""
    digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()
    return lambda group, request: digest
