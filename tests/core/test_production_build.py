"""The production build serves: `collectstatic` with the manifest storage production uses, then
gunicorn with the production settings module and DEBUG off, fetching pages and every static
file they refer to, as a browser behind the TLS proxy would.

A missing asset here once broke the image's build and answered 500 on every page; this module
is what keeps that from coming back unnoticed."""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.db import connection

# The server needs the test database to exist; it reads only empty tables.
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
HOST = "civicmarkets.example.org"

# The static references a page makes: stylesheets, scripts, icons and images.
STATIC_REFERENCE = re.compile(r"""(?:src|href)=["'](/static/[^"'?#]+)["']""")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")
# ManifestStaticFilesStorage puts a 12-hex-digit hash of the content before the extension.
HASHED = re.compile(r"\.[0-9a-f]{12}\.[^/.]+$")


def _production_env(static_root: Path, database_url: str) -> dict:
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "civicmarkets.settings.base",
        "SECRET_KEY": "production-build-test-secret-long-and-random-enough-8c1e5a9d2f",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"https://{HOST}",
        "STATIC_ROOT": str(static_root),
        "BID_MASTER_KEY": "dGVzdC1vbmx5LW1hc3Rlci1rZXktMzItYnl0ZXMhISE=",
        "CIVICMARKETS_SHARED_DIR": os.environ.get(
            "CIVICMARKETS_SHARED_DIR", str(ROOT.parent / "shared")
        ),
    }


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    return tmp_path_factory.mktemp("staticfiles")


@pytest.fixture(scope="module")
def collected(static_root):
    """collectstatic as the Dockerfile runs it: production settings, DEBUG off."""
    env = _production_env(static_root, "postgres://build@localhost/build")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    return result


@pytest.fixture(scope="module")
def production_server(collected, static_root, django_db_setup, django_db_blocker):
    """gunicorn on the collected files, on a socket this test bound (so no port race)."""
    with django_db_blocker.unblock():
        database_url = _database_url()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    log = static_root.parent / "gunicorn.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "civicmarkets.wsgi",
                "--bind",
                f"fd://{listener.fileno()}",
                "--workers",
                "1",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=_production_env(static_root, database_url),
            pass_fds=[listener.fileno()],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    listener.close()
    server = ProductionClient(port)
    try:
        server.wait_until_up(process, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class ProductionClient:
    """Plain HTTP to gunicorn, with the headers the TLS-terminating proxy adds."""

    def __init__(self, port: int):
        self.port = port

    def get(self, path: str) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(
                "GET",
                path,
                headers={"Host": HOST, "X-Forwarded-Proto": "https", "Accept": "text/html"},
            )
            response = conn.getresponse()
            headers = {name.lower(): value for name, value in response.getheaders()}
            return response.status, headers, response.read()
        finally:
            conn.close()

    def wait_until_up(self, process, log: Path) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited ({process.returncode}):\n{log.read_text()}")
            try:
                self.get("/healthz")
                return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer within 60 s:\n{log.read_text()}")


def test_collectstatic_with_the_manifest_storage_succeeds(collected, static_root):
    assert collected.returncode == 0, collected.stdout + collected.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    assert "civicmarkets.css" in manifest["paths"]


PAGES = [
    "/",
    "/tenders/",
    "/contracts/",
    "/accounts/login/",
    "/complaints/new/",
    "/api/docs/",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_and_every_asset_they_refer_to_are_served_with_debug_off(production_server, path):
    status, headers, body = production_server.get(path)
    assert status == 200, body[:2000]
    assert headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]
    html = body.decode()
    references = set(STATIC_REFERENCE.findall(html))
    assert references, f"{path} refers to no static file"
    # No script or stylesheet from another origin on the platform's pages.
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", _head_and_scripts(html)), html
    unhashed = [ref for ref in references if not HASHED.search(ref)]
    assert not unhashed, f"{path} links to static files by their unhashed names: {unhashed}"
    for reference in sorted(references):
        _assert_served(production_server, reference)
    # Scripts the platform writes for the page (Swagger UI's start-up script) are served too.
    for src in re.findall(r"""<script\b[^>]*\bsrc=["']([^"']+)["']""", html):
        if not src.startswith("/static/"):
            status, headers, _ = production_server.get(unescape(src))
            assert status == 200, src
            assert "javascript" in headers["content-type"], (src, headers)


def _head_and_scripts(html: str) -> str:
    """The parts of a page that load code or styles: <link> and <script> tags."""
    return " ".join(re.findall(r"<(?:link|script)\b[^>]*>", html))


def _assert_served(server, reference: str, seen: set | None = None) -> None:
    seen = set() if seen is None else seen
    if reference in seen:
        return
    seen.add(reference)
    status, headers, body = server.get(reference)
    assert status == 200, f"{reference} answered {status}"
    # Hashed names never change content, so browsers may keep them for good.
    assert "immutable" in headers.get("cache-control", ""), (reference, headers)
    if reference.endswith(".css"):
        for url in CSS_URL.findall(body.decode()):
            if url.startswith(("data:", "#")):
                continue
            target = urlsplit(urljoin(reference, url)).path
            assert target.startswith("/static/"), f"{reference} refers outside /static/: {url}"
            _assert_served(server, target, seen)


def test_error_pages_render_with_debug_off(production_server):
    status, _headers, body = production_server.get("/no-such-page/")
    assert status == 404
    assert b"Page not found" in body
    for reference in set(STATIC_REFERENCE.findall(body.decode())):
        _assert_served(production_server, reference)


def _build_in(tmp_path: Path, template: str) -> subprocess.CompletedProcess:
    """Runs static/build.mjs in a copy of the project holding one extra template."""
    shutil.copytree(ROOT / "static", tmp_path / "static", ignore=shutil.ignore_patterns("dist"))
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(template)
    return subprocess.run(
        ["node", str(tmp_path / "static" / "build.mjs")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_front_end_build_copies_what_the_css_names_and_fails_on_a_missing_file(tmp_path):
    result = _build_in(
        tmp_path,
        "{% load static %}<link href=\"{% static 'civicmarkets.css' %}\">"
        "<script src=\"{% static 'gone.js' %}\"></script>",
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[1:] == [
        "  gone.js, named in templates/page.html, has no file"
    ], result.stderr
    dist = tmp_path / "static" / "dist"
    css = (dist / "civicmarkets.css").read_text()
    for url in CSS_URL.findall(css):
        if not url.startswith("data:"):
            assert (dist / url).is_file(), f"the CSS names {url}, which the build did not copy"
