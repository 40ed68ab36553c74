import os

import pytest
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the tests' own ORM calls are
# still synchronous and safe, so Django's guard against ORM use inside a loop is relaxed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """django-axes and rate limits count in the cache; each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sign_in(client):
    """Signs `user` in on the test client and returns the client."""

    def _sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _sign_in


@pytest.fixture
def api():
    """A REST client for the API. `api.as_key(user, *scopes)` issues a real API key for the
    user (through the service) and sends it on every request; `api.anonymous()` drops it."""
    from rest_framework.test import APIClient

    from accounts.services import api_key_issue

    class Api(APIClient):
        def as_key(self, user, *scopes):
            issued = api_key_issue(actor=user, name="Test integration", scopes=list(scopes))
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
            self.api_key = issued.api_key
            return self

        def anonymous(self):
            self.credentials()
            self.logout()
            return self

    return Api()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The audit tables refuse TRUNCATE, but the flush between transactional tests truncates
    every table. The trigger lets the tables' owner through where it set
    `civicmarkets.audit_truncate` to 'allowed' (core/migrations/0006_audit_chain.py): set here
    for the test database alone, never by the application."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"ALTER DATABASE {name} SET civicmarkets.audit_truncate = 'allowed'")
        cursor.execute("SET civicmarkets.audit_truncate = 'allowed'")
