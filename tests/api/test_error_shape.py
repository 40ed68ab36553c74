"""Every error under /api/ is JSON in the one shape, `{"detail", "errors"}`: also the ones no
API view ever sees (an unknown address, a request refused at the edge, an unexpected
failure). The HTML pages keep their GOV.UK error pages."""

import pytest

from core.api.root import ApiRootView

pytestmark = pytest.mark.django_db


def _is_error_shape(response) -> bool:
    return response["Content-Type"] == "application/json" and set(response.json()) == {
        "detail",
        "errors",
    }


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing/", "/api/nothing", "/api/v1/tenders/abc/def/", "/api/"]
)
def test_an_unknown_api_address_is_a_json_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert _is_error_shape(response)
    assert response.json()["detail"] == "Not found."


def test_an_unknown_page_is_still_the_html_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.fixture
def broken_api_root(monkeypatch):
    """A failure nobody foresaw, inside an API view."""

    def fail(self, request):
        raise RuntimeError("an unforeseen failure")

    monkeypatch.setattr(ApiRootView, "get", fail)


def test_an_unexpected_failure_in_the_api_is_a_json_500(client, broken_api_root):
    client.raise_request_exception = False

    response = client.get("/api/v1/")

    assert response.status_code == 500
    assert _is_error_shape(response)
    assert "Try again later" in response.json()["detail"]
    # The cause stays in the server's log, never in the answer.
    assert "unforeseen" not in response.content.decode()


def test_an_unexpected_failure_in_a_page_is_still_the_html_500(client, monkeypatch):
    from core.views import HomeView

    monkeypatch.setattr(
        HomeView, "get", lambda self, request: (_ for _ in ()).throw(RuntimeError("boom"))
    )
    client.raise_request_exception = False

    response = client.get("/")

    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_a_plain_django_error_under_the_api_is_reshaped_and_keeps_its_headers(client):
    response = client.post("/api/docs/")

    assert response.status_code == 405
    assert _is_error_shape(response)
    assert response.json()["detail"] == "Method Not Allowed."
    assert "GET" in response["Allow"]


def test_the_browsable_api_still_shows_its_own_error_page_to_a_browser(client):
    response = client.get("/api/v1/me/", HTTP_ACCEPT="text/html")

    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("text/html")
