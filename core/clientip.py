"""The client's address, as the sign-in lock-out, the rate limits and the API throttles see it.

One helper and one setting, PROXY_COUNT: the number of reverse proxies in front of the
application that each append the address they received the request from to
X-Forwarded-For (nginx's `$proxy_add_x_forwarded_for`, as in docker-compose.yml).

- PROXY_COUNT=0 (the default): nothing in front, so any X-Forwarded-For is the client's own
  invention and is ignored; the address is the connection's (REMOTE_ADDR).
- PROXY_COUNT=N: the last proxy is the connection, and the N-1 before it appended their own
  peer to X-Forwarded-For, so the client is the N-th address from the right. Whatever a
  client put in the header itself sits further left and is never read.

django-ipware reads the header (it parses IPv6, ports and RFC 7239 forms, and skips junk);
this module only says how many hops to trust.
"""

from django.conf import settings
from ipware import get_client_ip


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    # ipware counts the proxies listed in the header; the last proxy is not listed there
    # (it is the connection), hence one fewer.
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=proxies - 1,
        request_header_order=("HTTP_X_FORWARDED_FOR",),
        strict=False,
    )
    # No header at all: the request reached the application without passing the proxies
    # (a health check from inside the network); its connection is all there is.
    return address or remote
