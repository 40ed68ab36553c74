"""No server error from any input: control characters, deep nesting, huge numbers, impossible
years and oversized bodies are refused at the edge with a clear 400 (413 for size), in the
API's error shape under /api/ and as a page elsewhere, and nothing is written."""

import json

import pytest
from django.urls import reverse

from accountability.models import Complaint, PendingAttachment
from core.api.root import ApiRootView
from tests.factories import ContractFactory, StaffFactory

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


def _api_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "errors"}
    return body


def _complaint(contract, **fields):
    return {
        "contract": contract.pk,
        "category": "quality",
        "description": "The carer did not arrive on Tuesday.",
        "contact": "anonymous",
        **fields,
    }


# --- control characters ------------------------------------------------------------------


def test_nul_in_an_api_address_is_a_json_400(client):
    body = _api_error(client.get("/api/ocds/records/%00/"), 400)
    assert "control character U+0000" in body["detail"]


def test_nul_in_an_api_filter_is_a_400_naming_the_filter(client):
    body = _api_error(client.get("/api/v1/tenders/", {"q": "care\x00home"}), 400)
    assert "q" in body["errors"]


def test_nul_in_a_json_string_is_a_400_naming_the_field_and_nothing_is_stored(api):
    contract = ContractFactory()

    response = api.post(
        "/api/v1/complaints/", _complaint(contract, description="Late\x00again"), format="json"
    )

    body = _api_error(response, 400)
    assert body["errors"] == {"description": ["Remove the control character U+0000 (NULL)."]}
    assert not Complaint.objects.exists()


def test_line_breaks_and_tabs_are_still_welcome_in_long_text(api):
    contract = ContractFactory()
    text = "Monday: nobody came.\r\n\tTuesday: nobody came either."

    response = api.post(
        "/api/v1/complaints/", _complaint(contract, description=text), format="json"
    )

    assert response.status_code == 201
    assert Complaint.objects.get().description == text


def test_nul_in_a_search_box_is_refused_with_a_page_that_says_why(client):
    response = client.get("/tenders/", {"q": "day\x00care"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "control character U+0000 (NULL)" in page
    assert "“q”" in page


def test_control_characters_in_a_form_are_refused_and_not_kept(client):
    contract = ContractFactory()
    client.get(reverse("public:complaint_service"), {"contract": contract.pk})

    response = client.post(
        reverse("public:complaint_what"),
        {"category": "missed_service", "description": "Nobody came\x1b[31m on Monday."},
    )

    assert response.status_code == 400
    assert "U+001B" in response.content.decode()
    assert "description" not in client.session.get("complaint_answers", {})


def test_nul_in_a_cookie_or_key_is_a_400_not_a_500(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert client.get("/tenders/").status_code == 400
    client.cookies.clear()

    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer cm_0123456789\x00b_secret")
    _api_error(response, 400)


def test_staff_list_filters_refuse_nul_and_impossible_years(sign_in):
    staff = sign_in(StaffFactory())

    nul = staff.get("/admin/accounts/user/", {"email": "\x00"})
    late = staff.get("/admin/accounts/user/", {"date_joined__year": "99999"})
    early = staff.get("/admin/accounts/user/", {"date_joined__year": "0"})

    assert nul.status_code == 400
    for response in (late, early):
        assert response.status_code == 400
        assert "Enter a year from 1 to 9999" in response.content.decode()
    assert staff.get("/admin/accounts/user/", {"date_joined__year": "2026"}).status_code == 200


# --- nesting and numbers -------------------------------------------------------------------


def test_json_nested_5000_deep_is_a_400(client):
    response = client.post(
        "/api/v1/complaints/", "[" * 5000 + "]" * 5000, content_type="application/json"
    )

    body = _api_error(response, 400)
    assert "nested too deeply" in body["detail"]
    assert not Complaint.objects.exists()


def test_json_nested_just_past_the_limit_is_a_400(api):
    contract = ContractFactory()
    deep = {}
    for _ in range(40):
        deep = {"x": deep}

    response = api.post("/api/v1/complaints/", _complaint(contract, extra=deep), format="json")

    assert "nested too deeply" in _api_error(response, 400)["detail"]


@pytest.mark.parametrize(
    "number", ["1" + "0" * 5000, "-" + "9" * 30, "1e999", "-1e999", "1" + "0" * 200 + ".5"]
)
def test_oversized_numbers_are_a_400_naming_the_field(client, number):
    contract = ContractFactory()
    raw = json.dumps(_complaint(contract)).replace(
        f'"contract": {contract.pk}', f'"contract": {number}'
    )

    response = client.post("/api/v1/complaints/", raw, content_type="application/json")

    body = _api_error(response, 400)
    assert body["errors"]["contract"] == [
        "Enter a number no larger than 9,223,372,036,854,775,807."
    ]
    assert not Complaint.objects.exists()


def test_nan_and_infinity_are_refused(client):
    response = client.post(
        "/api/v1/complaints/", '{"contract": NaN}', content_type="application/json"
    )
    assert "NaN is not a number" in _api_error(response, 400)["detail"]


def test_a_recursion_error_anywhere_in_a_view_is_a_400(client, monkeypatch):
    def too_deep(self, request):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(ApiRootView, "get", too_deep)

    assert "nested too deeply" in _api_error(client.get("/api/v1/"), 400)["detail"]


# --- body size -----------------------------------------------------------------------------


class _Endless:
    """A request body that would go on for `size` bytes, and records how much was read."""

    def __init__(self, size: int):
        self.size = size
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 else min(n, left)
        self.read_bytes += n
        return b"x" * n

    def readline(self, limit: int = -1) -> bytes:
        return self.read(limit if limit and limit > 0 else 64 * 1024)


def _huge_post(client, path, size, content_type):
    body = _Endless(size)
    response = client.generic(
        "POST",
        path,
        b"x",
        content_type=content_type,
        **{"wsgi.input": body, "CONTENT_LENGTH": str(size)},
    )
    return response, body


@pytest.mark.parametrize("size", [160 * MiB, 6 * MiB])
def test_an_oversized_complaint_upload_is_refused_before_its_body_is_read(client, size):
    contract = ContractFactory()
    client.get(reverse("public:complaint_service"), {"contract": contract.pk})
    client.post(
        reverse("public:complaint_what"),
        {"category": "missed_service", "description": "Nobody came on Monday."},
    )
    client.post(reverse("public:complaint_when"), {})

    response, body = _huge_post(
        client,
        reverse("public:complaint_files"),
        size,
        "multipart/form-data; boundary=edge",
    )

    assert response.status_code == 413
    assert "larger than this page accepts (5.1\xa0MB)" in response.content.decode()
    assert body.read_bytes == 0
    assert not PendingAttachment.objects.exists()


def test_an_oversized_json_body_is_a_json_413_before_it_is_read(client):
    response, body = _huge_post(client, "/api/v1/complaints/", 40 * MiB, "application/json")

    assert "larger than this page accepts" in _api_error(response, 413)["detail"]
    assert body.read_bytes == 0


def test_a_nonsense_content_length_is_a_400(client):
    response = client.generic(
        "POST", "/api/v1/complaints/", b"{}", content_type="application/json", CONTENT_LENGTH="lots"
    )
    _api_error(response, 400)


def test_a_date_pushed_past_year_9999_anywhere_in_a_view_is_a_400(client, monkeypatch):
    from datetime import date, timedelta

    def far_out(self, request):
        return date(9999, 12, 31) + timedelta(days=1)

    monkeypatch.setattr(ApiRootView, "get", far_out)

    body = _api_error(client.get("/api/v1/"), 400)
    assert "Enter a date between 1 January 1900 and 31 December 2199" in body["detail"]
