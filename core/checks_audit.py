"""`check --deploy` refuses a production without the audit log's keys (they come from the
environment only), and any configuration with a malformed one."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from . import audit_signing


@register(Tags.security, deploy=True)
def audit_keys_configured(app_configs, **kwargs):
    problems = []
    if not audit_signing.hmac_keys():
        problems.append(
            Error(
                "AUDIT_HMAC_KEY is not set: audit entries cannot be chained, so the log's "
                "integrity cannot be checked.",
                hint="Set it to at least 32 random characters, kept out of the database and "
                "its backups (see the README's configuration table).",
                id="audit.E001",
            )
        )
    if not settings.AUDIT_CHECKPOINT_SIGNING_KEY:
        problems.append(
            Error(
                "AUDIT_CHECKPOINT_SIGNING_KEY is not set: no checkpoint of the audit log can be "
                "signed and published.",
                hint="Generate an Ed25519 key (see the README) and set its base64 here.",
                id="audit.E002",
            )
        )
    return problems


@register(Tags.security)
def audit_keys_well_formed(app_configs, **kwargs):
    problems = []
    short = [
        k
        for k in settings.AUDIT_HMAC_KEYS
        if 0 < len(k.strip()) < audit_signing.MIN_HMAC_KEY_CHARACTERS
    ]
    if short:
        problems.append(
            Error(
                f"{len(short)} AUDIT_HMAC_KEY key(s) are shorter than "
                f"{audit_signing.MIN_HMAC_KEY_CHARACTERS} characters.",
                hint="Use long random keys: the key is all that stops a forged chain.",
                id="audit.E003",
            )
        )
    try:
        audit_signing.trusted_public_keys()
    except ImproperlyConfigured as error:
        problems.append(Error(str(error), id="audit.E004"))
    return problems
