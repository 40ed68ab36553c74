"""The Content-Security-Policy every page is served with, and templates that satisfy it.

The browser journeys (tests/browser) fail on any violation of the policy in the pages they
visit; these tests cover the header itself and every template, visited or not."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from core.api.renderers import drf_style_attribute_hashes
from tests.factories import OfficerFactory, published_tender

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent

REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


@pytest.mark.parametrize(
    "path", ["/", "/tenders/", "/accounts/login/", "/complaints/new/", "/api/docs/", "/nowhere/"]
)
def test_every_page_carries_the_policy(client, path):
    response = client.get(path)
    policy = _policy(response)
    for directive, value in REQUIRED.items():
        assert policy.get(directive) == value, (directive, policy)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_signed_in_pages_carry_it_too(sign_in):
    response = sign_in(OfficerFactory()).get(reverse("core:dashboard"))
    assert _policy(response)["script-src"] == "'self'"


def test_the_browsable_api_allows_only_drfs_own_style_attributes(sign_in):
    published_tender(lots=1)
    response = sign_in(OfficerFactory()).get("/api/v1/tenders/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "<style>" not in page
    allowed = _policy(response)["style-src-attr"].split()
    assert allowed[0] == "'unsafe-hashes'"
    assert set(allowed[1:]) == set(drf_style_attribute_hashes())
    # Every style attribute on the page is one of those, and nothing is unhashed.
    for declaration in re.findall(r'\sstyle="([^"]*)"', page):
        assert _hash(declaration) in allowed, declaration
    # The JSON API itself gains nothing.
    assert "style-src-attr" not in _policy(sign_in(OfficerFactory()).get("/api/v1/tenders/"))


def _hash(declaration: str) -> str:
    import base64
    import hashlib

    digest = hashlib.sha256(declaration.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def test_swagger_ui_is_served_from_this_site_with_no_inline_code(client):
    page = client.get("/api/docs/").content.decode()
    sources = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(source.startswith("/") and not source.startswith("//") for source in sources)
    assert "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)

    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert script["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "no-store" in script["Cache-Control"]
    assert "SwaggerUIBundle" in script.content.decode()


TEMPLATE_DIRS = [
    *(Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])),
    *(p for p in ROOT.glob("*/templates") if p.is_dir()),
]
INLINE = re.compile(
    r"<style\b|<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")|\sstyle=|\son[a-z]+=",
    re.IGNORECASE,
)


def test_no_template_has_an_inline_script_style_or_event_handler():
    offending = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}: {match.group()}"
        for folder in TEMPLATE_DIRS
        for path in sorted(folder.rglob("*.html"))
        for text in [path.read_text()]
        for match in INLINE.finditer(text)
    ]
    assert not offending, "the Content-Security-Policy refuses these:\n" + "\n".join(offending)
