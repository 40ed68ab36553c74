import pytest


class _FixedClock:
    """A clock that stands still, for django-ratelimit only."""

    def time(self) -> float:
        return 1_800_000_000.0


@pytest.fixture(autouse=True)
def _one_rate_limit_window(monkeypatch):
    """django-ratelimit counts in fixed windows; a test that crosses a window's end would see
    its count reset halfway. Its clock stands still here, so each test sits in one window."""
    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "time", _FixedClock())
