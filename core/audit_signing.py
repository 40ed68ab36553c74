"""The audit log's keys: the HMAC that chains entries, and the Ed25519 key that signs
checkpoints. Both come from the environment and never from the database, so someone who can
write to the database cannot forge either.

- `AUDIT_HMAC_KEY`: one secret (at least 32 characters), or several comma-separated, newest
  first, while rotating. New entries are chained with the first; each entry records the id of
  the key it was chained with (`key_id`, a fingerprint that reveals nothing of the key), so
  older entries still verify.
- `AUDIT_CHECKPOINT_SIGNING_KEY`: an Ed25519 private key, the base64 of its 32 raw bytes. Its
  public key is published with every checkpoint; `AUDIT_CHECKPOINT_TRUSTED_KEYS` lists older
  public keys (base64) whose checkpoints still count after a rotation.
"""

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_HMAC_KEY_CHARACTERS = 32


# --- the chain's HMAC key ---------------------------------------------------------------------


def key_id_of(key: bytes) -> str:
    return hashlib.sha256(b"civicmarkets audit key id\x00" + key).hexdigest()[:16]


def hmac_keys() -> dict[str, bytes]:
    """Every configured chaining key by its id, newest first."""
    keys = [k.strip().encode() for k in settings.AUDIT_HMAC_KEYS if k.strip()]
    return {key_id_of(key): key for key in keys}


def current_hmac_key() -> tuple[str, bytes]:
    keys = hmac_keys()
    if not keys:
        raise ImproperlyConfigured(
            "AUDIT_HMAC_KEY is not set: the audit log cannot be sealed or verified without it."
        )
    return next(iter(keys.items()))


def _canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_payload(entry) -> dict:
    """Everything an entry's hash covers: what it says, where it sits and what precedes it."""
    occurred = entry.occurred_at.astimezone(UTC).isoformat()
    return {
        "id": entry.pk,
        "position": entry.position,
        "previous_hash": entry.previous_hash,
        "transaction_id": entry.transaction_id,
        "occurred_at": occurred,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_label": entry.object_label,
        "before": entry.before,
        "after": entry.after,
    }


def entry_hash(entry, key: bytes) -> str:
    return hmac.new(key, _canonical(entry_payload(entry)), hashlib.sha256).hexdigest()


def head_mac(position: int, last_hash: str, key: bytes) -> str:
    message = f"civicmarkets audit head\n{position}\n{last_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


# --- checkpoints' signing key -----------------------------------------------------------------


def _decode_key(text: str, what: str) -> bytes:
    text = text.strip().replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{what} must be the base64 of a 32-byte Ed25519 key.")
    return raw


def public_key_text(public: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def public_key_id(key_text: str) -> str:
    return hashlib.sha256(_decode_key(key_text, "A public key")).hexdigest()[:16]


def signing_key() -> Ed25519PrivateKey:
    text = settings.AUDIT_CHECKPOINT_SIGNING_KEY
    if not text:
        raise ImproperlyConfigured(
            "AUDIT_CHECKPOINT_SIGNING_KEY is not set: checkpoints of the audit log cannot be "
            "signed without it."
        )
    return Ed25519PrivateKey.from_private_bytes(_decode_key(text, "AUDIT_CHECKPOINT_SIGNING_KEY"))


def trusted_public_keys() -> dict[str, str]:
    """Public keys (base64) whose checkpoints count, by key id: the signing key's own and any
    older ones still trusted. Read from settings, never from the database or a checkpoint."""
    texts = []
    if settings.AUDIT_CHECKPOINT_SIGNING_KEY:
        texts.append(public_key_text(signing_key().public_key()))
    texts += [t.strip() for t in settings.AUDIT_CHECKPOINT_TRUSTED_KEYS if t.strip()]
    return {public_key_id(text): text for text in texts}


def checkpoint_message(*, issuer: str, position: int, entry_hash: str, created_at: str) -> bytes:
    """The exact bytes a checkpoint's signature covers (documented on the checkpoints page)."""
    return _canonical(
        {
            "issuer": issuer,
            "position": position,
            "entry_hash": entry_hash,
            "created_at": created_at,
        }
    )


def checkpoint_sign(*, issuer: str, position: int, entry_hash: str, created_at: str):
    """Returns (key_id, signature as base64)."""
    private = signing_key()
    message = checkpoint_message(
        issuer=issuer, position=position, entry_hash=entry_hash, created_at=created_at
    )
    key_id = public_key_id(public_key_text(private.public_key()))
    return key_id, base64.b64encode(private.sign(message)).decode()


def checkpoint_signature_problem(checkpoint: dict, public_keys: dict[str, str]) -> str | None:
    """Why `checkpoint` (a dict as the API serves it) is not validly signed by one of
    `public_keys`; None when it is."""
    try:
        message = checkpoint_message(
            issuer=str(checkpoint["issuer"]),
            position=int(checkpoint["position"]),
            entry_hash=str(checkpoint["entry_hash"]),
            created_at=str(checkpoint["created_at"]),
        )
        signature = base64.b64decode(str(checkpoint["signature"]), validate=True)
        key_id = str(checkpoint["key_id"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        return (
            "it is not a complete checkpoint "
            "(issuer, position, entry_hash, created_at, key_id, signature)"
        )
    key_text = public_keys.get(key_id)
    if key_text is None:
        return f"it is signed by key {key_id}, which is not a trusted checkpoint key"
    public = Ed25519PublicKey.from_public_bytes(_decode_key(key_text, "A public key"))
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return "its signature does not match its contents (forged or altered)"
    return None
