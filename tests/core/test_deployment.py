"""Production configuration: settings from the environment, a clean `check --deploy`, and a
compose file that the Compose Specification accepts."""

import json
import os
import runpy
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
    # The public-address settings a deployment must set (the deploy check refuses defaults).
    "SITE_URL": "https://civicmarkets.example.org",
    "OCDS_OCID_PREFIX": "ocds-x7k2q9",
    "DEFAULT_FROM_EMAIL": "CivicMarkets <no-reply@civicmarkets.example.org>",
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


def test_check_deploy_reports_public_addresses_left_at_development_defaults():
    env = {
        k: v
        for k, v in PRODUCTION_ENV.items()
        if k not in ("SITE_URL", "OCDS_OCID_PREFIX", "DEFAULT_FROM_EMAIL", "ALLOWED_HOSTS")
    }
    result = _manage("check", "--deploy", env=env)
    assert result.returncode != 0
    for reported in [
        "(civicmarkets.E001) SITE_URL is 'http://127.0.0.1:8000'",
        # PUBLIC_BASE_URL follows SITE_URL, so it is left at the default with it.
        "(civicmarkets.E002) PUBLIC_BASE_URL is 'http://127.0.0.1:8000'",
        "(civicmarkets.E003) OCDS_OCID_PREFIX is 'ocds-civicm1', the development default",
        "(civicmarkets.E004) DEFAULT_FROM_EMAIL is 'CivicMarkets <no-reply@localhost>'",
        "(civicmarkets.E005) ALLOWED_HOSTS is ['localhost', '127.0.0.1']",
    ]:
        assert reported in result.stderr, result.stderr


PUBLIC = {
    "SITE_URL": "https://civicmarkets.example.org",
    "PUBLIC_BASE_URL": "https://civicmarkets.example.org",
    "OCDS_OCID_PREFIX": "ocds-x7k2q9",
    "DEFAULT_FROM_EMAIL": "CivicMarkets <no-reply@civicmarkets.example.org>",
    "ALLOWED_HOSTS": ["civicmarkets.example.org"],
}


@pytest.mark.parametrize(
    ("changed", "reported"),
    [
        ({"SITE_URL": "http://localhost:8000"}, "civicmarkets.E001"),
        ({"SITE_URL": "https://[::1]"}, "civicmarkets.E001"),
        ({"SITE_URL": "civicmarkets.example.org"}, "civicmarkets.E001"),
        ({"PUBLIC_BASE_URL": "http://0.0.0.0:8000"}, "civicmarkets.E002"),
        ({"OCDS_OCID_PREFIX": "civicmarkets"}, "civicmarkets.E003"),
        ({"DEFAULT_FROM_EMAIL": "no-reply@127.0.0.1"}, "civicmarkets.E004"),
        ({"DEFAULT_FROM_EMAIL": "CivicMarkets"}, "civicmarkets.E004"),
        ({"ALLOWED_HOSTS": ["localhost", ".localhost", "[::1]"]}, "civicmarkets.E005"),
        ({"ALLOWED_HOSTS": []}, "civicmarkets.E005"),
        ({"ALLOWED_HOSTS": ["civicmarkets.example.org", "*"]}, "civicmarkets.W005"),
        ({"SITE_URL": "http://civicmarkets.example.org"}, "civicmarkets.W001"),
    ],
)
def test_each_public_address_left_local_is_reported_alone(settings, changed, reported):
    from core.deploy_checks import check_public_addresses

    for name, value in {**PUBLIC, **changed}.items():
        setattr(settings, name, value)
    assert [message.id for message in check_public_addresses()] == [reported]


def test_public_addresses_of_a_real_installation_pass(settings):
    from core.deploy_checks import check_public_addresses

    for name, value in PUBLIC.items():
        setattr(settings, name, value)
    assert check_public_addresses() == []


def test_public_base_url_follows_site_url_unless_set_apart(monkeypatch):
    def public_base_url(**env):
        for name, value in {**PRODUCTION_ENV, **env}.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(ROOT / "civicmarkets" / "settings" / "base.py"))[
            "PUBLIC_BASE_URL"
        ]

    assert public_base_url() == "https://civicmarkets.example.org"
    assert public_base_url(PUBLIC_BASE_URL="https://data.example.org") == "https://data.example.org"


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
