"""Deployment checks (`manage.py check --deploy`): the public-address settings must be this
installation's own, not the development defaults.

Left at their defaults, every emailed link (complaint tracking, invitations, renewals) points at
127.0.0.1, OCDS publishes ocids under a prefix registered to nobody (so other publishers' data
can collide with ours), mail goes out from an address no one can answer, and the site answers
only to localhost. Nothing fails loudly at run time, so the deploy check does."""

import ipaddress
import re
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks

# The ocid prefix in base.py's default: an example, registered to nobody.
DEVELOPMENT_OCID_PREFIX = "ocds-civicm1"
# https://standard.open-contracting.org/1.1/en/schema/identifiers/#contracting-process-identifier-ocid
OCID_PREFIX = re.compile(r"^ocds-[a-z0-9]{6}$")


def is_local_host(host: str) -> bool:
    """True for names and addresses that only ever mean this machine or no machine."""
    host = host.strip().strip("[]").lower().rstrip(".")
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _public_url_problems(number: int, name: str, value: str) -> list[checks.CheckMessage]:
    hint = (
        f"Set {name} to this installation's public address, e.g. "
        "https://civicmarkets.example.org (emails and published data link to it)."
    )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = f"{name} is {value!r}, which is not a web address."
    elif is_local_host(parts.hostname):
        problem = f"{name} is {value!r}, an address only this machine can reach."
    elif parts.scheme != "https":
        message = f"{name} is {value!r}: the links people follow should use https."
        return [checks.Warning(message, hint=hint, id=f"civicmarkets.W00{number}")]
    else:
        return []
    return [checks.Error(problem, hint=hint, id=f"civicmarkets.E00{number}")]


@checks.register(checks.Tags.security, deploy=True)
def check_public_addresses(app_configs=None, **kwargs):
    errors = [
        *_public_url_problems(1, "SITE_URL", settings.SITE_URL),
        *_public_url_problems(2, "PUBLIC_BASE_URL", settings.PUBLIC_BASE_URL),
    ]

    prefix = settings.OCDS_OCID_PREFIX
    if prefix == DEVELOPMENT_OCID_PREFIX or not OCID_PREFIX.match(prefix):
        errors.append(
            checks.Error(
                f"OCDS_OCID_PREFIX is {prefix!r}, "
                + (
                    "the development default, which is registered to nobody."
                    if prefix == DEVELOPMENT_OCID_PREFIX
                    else "which is not of the form ocds-xxxxxx."
                ),
                hint="Register a prefix with the Open Contracting Partnership and set "
                "OCDS_OCID_PREFIX to it, so this installation's ocids are unique worldwide.",
                id="civicmarkets.E003",
            )
        )

    sender = settings.DEFAULT_FROM_EMAIL
    mailbox, at, domain = parseaddr(sender)[1].rpartition("@")
    if not (mailbox and at and domain) or is_local_host(domain):
        errors.append(
            checks.Error(
                f"DEFAULT_FROM_EMAIL is {sender!r}, an address no one outside this machine can "
                "reply to, and mail servers refuse or mark as spam.",
                hint="Set DEFAULT_FROM_EMAIL to an address at this installation's mail domain, "
                'e.g. "CivicMarkets <no-reply@civicmarkets.example.org>".',
                id="civicmarkets.E004",
            )
        )

    hosts = settings.ALLOWED_HOSTS
    if not hosts or all(is_local_host(host.lstrip(".")) for host in hosts):
        errors.append(
            checks.Error(
                f"ALLOWED_HOSTS is {hosts!r}: the site would answer only on this machine.",
                hint="Set ALLOWED_HOSTS to the public host names, comma-separated.",
                id="civicmarkets.E005",
            )
        )
    elif "*" in hosts:
        errors.append(
            checks.Warning(
                "ALLOWED_HOSTS contains '*': any Host header is accepted.",
                hint="Name the public host names instead, so forged Host headers are refused.",
                id="civicmarkets.W005",
            )
        )
    return errors
