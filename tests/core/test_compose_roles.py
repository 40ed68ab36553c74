"""docker-compose.yml runs migrations as the tables' owner and everything else as the
application's role, which owns nothing (see tests/core/test_db_roles.py for what that role
can and cannot do)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent


def test_compose_connects_the_platform_as_the_app_role_and_migrates_as_the_owner():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    owner = services["db"]["environment"]["POSTGRES_USER"]
    for name in ("web", "worker", "beat"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgres://civicmarkets_app:"), name
        assert "AUDIT_HMAC_KEY" in services[name]["environment"], name
    migrate = services["migrate"]
    assert migrate["environment"]["DATABASE_URL"].startswith(f"postgres://{owner}:")
    command = " ".join(migrate["command"])
    assert "migrate" in command and "db_app_role civicmarkets_app" in command
    assert migrate["environment"]["DATABASE_STATEMENT_TIMEOUT_MS"] == "0"
    assert int(services["worker"]["environment"]["DATABASE_LOCK_TIMEOUT_MS"]) > 5000
