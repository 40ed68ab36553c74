"""Can a stranger tell, by timing, whether an email address has an account? Server time of a
password reset and of a provider registration for an address with an account and for one
without, interleaved so both meet the same machine load. Rate limits are off here (they
would answer 429 long before the sample is big enough)."""

import secrets
import statistics
import time
from io import StringIO

from django.core.management import call_command
from django.test import Client, override_settings

from accounts.models import User
from bench.common import Row


def _registration(email: str, n: int) -> dict:
    return {
        "name": f"Bench Community Transport {n}",
        "kind": "third_sector",
        "legal_form": "cio",
        "size_band": "small",
        "address": "Unit 4, Station Road",
        "postcode": "L32 1AB",
        "regions": ["UKD"],
        "categories": ["60130000-8"],
        "capability_statement": "Door-to-door minibus transport.",
        "admin_full_name": "Kemi Adebayo",
        "admin_email": email,
        "password": "minibus-route-77",
        "password_confirmation": "minibus-route-77",
    }


def _reset(client: Client, email: str, n: int) -> float:
    start = time.perf_counter()
    response = client.post("/accounts/password/reset/", {"email": email})
    took = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    return took


def _register(client: Client, email: str, n: int) -> float:
    client.post("/providers/register/", _registration(email, n))
    start = time.perf_counter()
    response = client.post("/providers/register/check/")
    took = time.perf_counter() - start
    assert response["Location"] == "/providers/register/sent/", response.status_code
    return took


def _compare(name: str, step, repeat: int) -> list[Row]:
    client = Client()
    known, unknown = [], []
    for n in range(5):  # warm up
        step(client, "known@bench.example", -n - 1)
        step(client, f"nobody{-n}@bench.example", -n - 1)
    for n in range(repeat):
        known.append(step(client, "known@bench.example", 2 * n) * 1000)
        unknown.append(step(client, f"nobody{n}@bench.example", 2 * n + 1) * 1000)
    known_median, unknown_median = statistics.median(known), statistics.median(unknown)
    return [
        Row(
            f"{name}: address with an account",
            "median / p95 ms",
            f"{known_median:.2f} / {sorted(known)[int(repeat * 0.95) - 1]:.2f}",
        ),
        Row(
            f"{name}: address without",
            "median / p95 ms",
            f"{unknown_median:.2f} / {sorted(unknown)[int(repeat * 0.95) - 1]:.2f}",
        ),
        Row(
            name,
            "difference of medians (ms)",
            f"{known_median - unknown_median:+.2f}",
            "within the noise (|d| << p95 - median)",
        ),
    ]


def run(scale: float) -> list[Row]:
    call_command("load_cpv", stdout=StringIO())
    User.objects.filter(email="known@bench.example").delete()
    User.objects.create_user(
        email="known@bench.example", full_name="Known Person", password=secrets.token_urlsafe()
    )
    repeat = max(50, int(300 * scale))
    with override_settings(RATELIMIT_ENABLE=False):
        rows = _compare("password reset", _reset, repeat)
        rows += _compare("registration", _register, repeat)
    return rows
