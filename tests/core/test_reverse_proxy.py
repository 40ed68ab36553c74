"""The compose deployment puts nginx in front of gunicorn: the only published port, a body
cap a little above the application's, and X-Forwarded-For appended, which is what
PROXY_COUNT=1 assumes (tests/core/test_client_address.py sends requests the way it does).
No Docker engine or nginx runs here, so the files are checked as text."""

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _nginx() -> str:
    compose = _compose()
    mounts = compose["services"]["proxy"]["volumes"]
    source = next(m.split(":")[0] for m in mounts if m.endswith("default.conf:ro"))
    return (ROOT / source).read_text()


def _directive(config: str, name: str) -> list[str]:
    return [
        match.group(1).strip()
        for match in re.finditer(rf"^\s*{name}\s+([^;]+);", config, flags=re.MULTILINE)
    ]


def test_only_the_proxy_publishes_a_port_and_the_application_trusts_one_proxy():
    services = _compose()["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert "healthcheck" in services["proxy"]
    assert services["web"]["environment"]["PROXY_COUNT"] == "${PROXY_COUNT:-1}"


def test_the_proxy_caps_bodies_just_above_the_application_and_appends_the_client():
    config = _nginx()
    (size,) = _directive(config, "client_max_body_size")
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", size.lower()).groups()
    cap = int(number) * UNITS[unit]
    assert settings.MAX_REQUEST_BYTES <= cap <= 2 * settings.MAX_REQUEST_BYTES
    headers = _directive(config, "proxy_set_header")
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in headers
    assert _directive(config, "proxy_pass") == ["http://civicmarkets_web"]
    assert "web:8000" in _directive(config, "server")


def test_the_proxy_keeps_no_access_log_of_secret_links():
    """Tracking, invitation, reset and registration links carry their secret in the path;
    gunicorn's access log, which redacts them, is the one kept."""
    config = _nginx()
    assert _directive(config, "access_log") == ["off"]
