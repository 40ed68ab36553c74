"""API keys: issue (the secret is returned once), revoke, and check a presented key."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, NotPermitted
from core.permissions import Action
from core.services import audit_record

from .choices import ApiScope
from .models import ApiKey, User
from .permissions import api_key_policy, can_issue_api_key

KEY_MARKER = "cm"
MAX_LIFETIME_DAYS = 730
DEFAULT_LIFETIME_DAYS = 365
# last_used_at is written at most this often, so a busy key does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    secret: str  # the whole key, as the integrator must send it; never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(presented: str) -> tuple[str, str] | None:
    # The secret is URL-safe base64, which may itself contain "_".
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARKER or len(parts[1]) != ApiKey.PREFIX_LENGTH:
        return None
    return parts[1], presented.strip()


@transaction.atomic
def api_key_issue(
    *, actor: User, name: str, scopes: list[str], lifetime_days: int = DEFAULT_LIFETIME_DAYS
) -> IssuedKey:
    if not can_issue_api_key(actor):
        raise NotPermitted("Only people in a registered organisation can issue API keys.")
    problems: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        problems["name"] = ["Enter what the key is for"]
    elif len(name) > 100:
        problems["name"] = ["Name must be 100 characters or fewer"]
    known = set(ApiScope.values)
    scopes = list(dict.fromkeys(scopes or []))
    if not scopes:
        problems["scopes"] = ["Choose at least one scope"]
    elif unknown := [s for s in scopes if s not in known]:
        problems["scopes"] = [f"Not a scope: {', '.join(unknown)}"]
    if not isinstance(lifetime_days, int) or not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        problems["lifetime_days"] = [f"Enter a lifetime from 1 to {MAX_LIFETIME_DAYS} days"]
    if problems:
        raise DomainError("Check the key's details.", field_errors=problems)
    prefix = secrets.token_hex(ApiKey.PREFIX_LENGTH // 2)
    secret = f"{KEY_MARKER}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        user=actor,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=lifetime_days),
    )
    audit_record(
        actor=actor,
        action="api_key.issued",
        target=api_key,
        after={"name": name, "scopes": scopes, "expires_at": api_key.expires_at.isoformat()},
    )
    return IssuedKey(api_key=api_key, secret=secret)


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor: User) -> ApiKey:
    api_key = ApiKey.objects.select_for_update(of=("self",), no_key=True).get(pk=api_key.pk)
    if not api_key_policy.can(actor, api_key, Action.CHANGE):
        raise NotPermitted(api_key_policy.refusals[Action.CHANGE])
    if api_key.revoked_at is not None:
        raise DomainError("This key has already been revoked.")
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = actor
    api_key.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=actor, action="api_key.revoked", target=api_key)
    return api_key


class ApiKeyRefused(Exception):
    """The presented key cannot be used; the message says why, for the client's developer."""


def api_key_authenticate(presented: str) -> ApiKey:
    """The usable key matching what a client presented, or ApiKeyRefused. One query (the key
    with its user and organisation), plus an occasional update of last_used_at."""
    split = _split(presented or "")
    if split is None:
        raise ApiKeyRefused("The API key is malformed: expected cm_<prefix>_<secret>.")
    prefix, secret = split
    api_key = (
        ApiKey.objects.select_related("user__commissioner", "user__provider")
        .filter(prefix=prefix)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, hash_secret(secret)):
        raise ApiKeyRefused("The API key is not recognised.")
    now = timezone.now()
    if api_key.revoked_at is not None:
        raise ApiKeyRefused("The API key has been revoked.")
    if api_key.expires_at <= now:
        raise ApiKeyRefused("The API key has expired: issue a new one.")
    if not api_key.user.is_active:
        raise ApiKeyRefused("The API key's owner no longer has an active account.")
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
