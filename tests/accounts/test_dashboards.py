"""Every kind of user gets a dashboard of their own, with clear empty states."""

import pytest

from tests.factories import (
    BidWriterFactory,
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("factory", "heading", "empty_state"),
    [
        (OfficerFactory, "Commissioning dashboard", "You have no tenders yet"),
        (ManagerFactory, "Commissioning dashboard", "Your contract register"),
        (ProviderAdminFactory, "Provider dashboard", "Bids you submit stay sealed"),
        (BidWriterFactory, "Provider dashboard", "Submit each KPI return"),
        (StaffFactory, "Platform staff dashboard", "Providers awaiting verification"),
    ],
)
def test_each_role_sees_its_own_dashboard(sign_in, factory, heading, empty_state):
    page = sign_in(factory()).get("/dashboard/").content.decode()
    assert heading in page
    assert empty_state in page


def test_unverified_provider_is_told_it_cannot_bid_yet(sign_in):
    admin = ProviderAdminFactory(provider=ProviderFactory(verification_status="unverified"))
    page = sign_in(admin).get("/dashboard/").content.decode()
    assert "cannot submit a bid until platform staff have verified it" in page


def test_navigation_differs_by_role(sign_in, client):
    assert "Sign in" in client.get("/").content.decode()
    officer_page = sign_in(OfficerFactory()).get("/dashboard/").content.decode()
    assert "Your organisation" in officer_page and "Sign out" in officer_page
    assert ">Admin<" not in officer_page.replace("\n", "").replace(" ", "")


def test_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/"
