"""Test settings with real SMTP, for a Celery worker sending to a mail server of the test's:
the address and timeout come from EMAIL_URL (and EMAIL_TIMEOUT), as in production."""

from civicmarkets.settings.test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
