"""Production configuration: settings from the environment, a clean `check --deploy`, and a
compose file that the Compose Specification accepts."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent

PRODUCTION_ENV = {
    "PATH": os.environ["PATH"],
    "DJANGO_SETTINGS_MODULE": "civicmarkets.settings.base",
    "SECRET_KEY": "k3p9-production-like-secret-that-is-long-enough-and-random-4f8a2c",
    "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"),
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "civicmarkets.example.org",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "AUDIT_HMAC_KEY": "production-like-audit-hmac-key-4b1d9e7a0c2f5e8d3a6b",
    "AUDIT_CHECKPOINT_SIGNING_KEY": "cHJvZHVjdGlvbi1saWtlLWNoZWNrcG9pbnQta2V5ISE=",
}


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_is_off_unless_asked_for():
    script = (
        "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    )
    off = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=PRODUCTION_ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    on = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**PRODUCTION_ENV, "DJANGO_DEBUG": "true"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert off.stdout.strip() == "False"
    assert on.stdout.strip() == "True"


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _compose_schema() -> dict:
    path = Path(settings.SHARED_DATA_DIR) / "compose-spec" / "compose-spec.json"
    if not path.exists():
        pytest.skip(
            f"The Compose Specification schema is not at {path}; set CIVICMARKETS_SHARED_DIR "
            "to the shared reference data, or fetch compose-spec.json from the compose-spec "
            "repository, to run this check."
        )
    return json.loads(path.read_text())


def test_compose_file_is_valid_under_the_compose_specification():
    import jsonschema

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    schema = _compose_schema()
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    problems = [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(compose)
    ]
    assert not problems, "\n".join(problems)


def test_compose_file_runs_the_whole_platform_with_health_checks_and_volumes():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert "gunicorn" in " ".join(services["web"]["command"])
    for name in ("web", "db", "redis", "worker"):
        assert "healthcheck" in services[name], f"{name} has no health check"
    assert services["web"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert {"postgres-data", "media"} <= set(compose["volumes"])
