"""A visitor's first sight of the service: the home page and the error pages."""

import pytest
from django.test import override_settings
from django.urls import path

from civicmarkets import urls as project_urls
from core import views as core_views

pytestmark = pytest.mark.django_db


def test_visitor_sees_what_the_platform_is_and_ways_in(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Commission public services fairly and in the open" in page
    for way_in in ("Commissioning officers", "Providers", "Citizens"):
        assert way_in in page
    assert 'href="/accounts/login/"' in page


def test_pages_carry_no_gov_uk_branding(client):
    page = client.get("/").content.decode()
    assert "GOV.UK" not in page
    assert "govuk-header__logo" not in page  # the crown lives there
    assert "civicmarkets.css" in page
    assert 'class="govuk-skip-link"' in page
    assert "govuk-phase-banner" in page


def test_unknown_address_shows_the_styled_not_found_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "govuk-template" in page


def _explode(request):
    raise RuntimeError("deliberate failure")


urlpatterns = [path("explode/", _explode), *project_urls.urlpatterns]
handler500 = core_views.server_error


@override_settings(ROOT_URLCONF=__name__)
def test_server_error_shows_the_styled_sorry_page(client):
    client.raise_request_exception = False
    response = client.get("/explode/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
