"""Server time of the foundation's pages: home, sign-in, a dashboard, a team page, /healthz."""

from django.test import Client

from accounts.models import User
from bench.common import Row, peak_memory_mib, timed_requests
from core.services import heartbeat_record


def run(scale: float) -> list[Row]:
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    heartbeat_record()
    manager = User.objects.get(email="manager@northshire.example")
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(manager, backend="django.contrib.auth.backends.ModelBackend")
    repeat = max(20, int(200 * scale))
    pages = [
        ("home", anonymous, "/"),
        ("sign-in form", anonymous, "/accounts/login/"),
        ("healthz", anonymous, "/healthz"),
        ("commissioner dashboard", signed_in, "/dashboard/"),
        ("team page", signed_in, f"/commissioners/{manager.commissioner_id}/team/"),
    ]
    rows = []
    for name, client, url in pages:
        result = timed_requests(client, url, repeat=repeat)
        rows.append(
            Row(
                f"page: {name}",
                "median / p95 ms",
                f"{result['median_ms']:.1f} / {result['p95_ms']:.1f}",
                "< 50 / < 150",
            )
        )
        rows.append(Row(f"page: {name}", "SQL queries", f"{result['queries']:.0f}"))
    rows.append(Row("pages", "peak memory (MiB)", f"{peak_memory_mib():.0f}"))
    return rows
