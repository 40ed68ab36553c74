"""Keeping secrets that travel in URLs out of the logs.

A complainant's tracking link, a colleague's invitation, a password reset and the link that
finishes a provider's registration carry their secret in the path, and every log line that
names the path (Django's "Not Found: /..." and "Too Many Requests: /...", gunicorn's access
log) would keep a working key to the complaint or the account for as long as the logs are
kept. The secret part is replaced with [redacted] before any handler writes the line.

Django's console handler has the filter (settings LOGGING); gunicorn uses
`--logger-class core.redaction.GunicornLogger` (docker-compose.yml). This module imports no
Django models: gunicorn loads it before Django is set up.
"""

import logging
import re

from gunicorn.glogging import Logger

REDACTED = "[redacted]"
_SEGMENT = r"[^/\s?#\"'<>]+"
SECRET_PATHS = (
    # /complaints/track/<reference>/<token>/
    re.compile(rf"(/complaints/track/{_SEGMENT}/){_SEGMENT}"),
    # /providers/invitations/<token>/
    re.compile(rf"(/providers/invitations/){_SEGMENT}"),
    # /accounts/password/reset/<uidb64>/<token>/ (Django swaps the token for "set-password")
    re.compile(rf"(/accounts/password/reset/{_SEGMENT}/)(?!set-password\b){_SEGMENT}"),
    # /providers/register/confirm/<token>/
    re.compile(rf"(/providers/register/confirm/){_SEGMENT}"),
)


def redact(text: str) -> str:
    for pattern in SECRET_PATHS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record whose message names a secret URL; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class GunicornLogger(Logger):
    """gunicorn's logger, with secrets redacted from its access and error logs."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, RedactSecrets) for f in log.filters):
                log.addFilter(RedactSecrets())
