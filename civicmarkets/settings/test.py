"""Settings for the test run: production settings with the few changes tests need."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/civicmarkets")
# A fixed key for tests only; production reads its own from the environment.
os.environ.setdefault("BID_MASTER_KEY", "dGVzdC1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXMhISE=")
# A Redis database of its own, so the tests never touch a developer's running demo.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# Tests may pause inside a transaction (a browser, a worker starting): no idle limit here.
os.environ.setdefault("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", "0")

from .base import *  # noqa: F403
from .base import BASE_DIR, STORAGES

DEBUG = False
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# Hashing passwords slowly is the point in production and only costs time here.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The manifest needs collectstatic; tests serve static files straight from the finders.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"

# Fixed audit keys for tests only (an HMAC key, and an Ed25519 seed as base64).
AUDIT_HMAC_KEYS = ["test-only-audit-hmac-key-not-secret-0123456789"]
AUDIT_CHECKPOINT_SIGNING_KEY = "dGVzdC1vbmx5LWNoZWNrcG9pbnQtc2lnbmluZy1rZXk="
AUDIT_CHECKPOINT_TRUSTED_KEYS = []
