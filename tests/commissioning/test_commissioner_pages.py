"""A commissioner's users see and change only their own organisation's records."""

import pytest

from commissioning.models import CommissionerOrganisation
from core.models import AuditEntry
from tests.factories import (
    CommissionerFactory,
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
    StaffFactory,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

VALID_DETAILS = {"name": "Renamed Council", "region": "UKD", "website": "", "contact_email": ""}


def test_officer_sees_their_organisation_and_team(sign_in):
    officer = OfficerFactory()
    colleague = OfficerFactory(commissioner=officer.commissioner)
    page = sign_in(officer).get(f"/commissioners/{officer.commissioner_id}/team/").content.decode()
    assert officer.commissioner.name in page
    assert colleague.email in page


@pytest.mark.parametrize("page", ["team", "edit"])
def test_another_organisations_pages_look_missing_not_forbidden(sign_in, page):
    officer = ManagerFactory()
    other = CommissionerFactory()
    response = sign_in(officer).get(f"/commissioners/{other.pk}/{page}/")
    assert response.status_code == 404


def test_guessing_a_missing_id_looks_the_same_as_another_organisations(sign_in):
    manager = ManagerFactory()
    assert sign_in(manager).get("/commissioners/999999/team/").status_code == 404


def test_manager_cannot_change_another_organisation_by_posting_to_it(sign_in):
    manager = ManagerFactory()
    other = CommissionerFactory(name="Untouched Council")
    response = sign_in(manager).post(f"/commissioners/{other.pk}/edit/", VALID_DETAILS)
    assert response.status_code == 404
    assert CommissionerOrganisation.objects.get(pk=other.pk).name == "Untouched Council"


def test_officer_may_see_but_not_change_their_organisation(sign_in):
    officer = OfficerFactory(commissioner__name="Steady Council")
    client = sign_in(officer)
    team_page = client.get(f"/commissioners/{officer.commissioner_id}/team/").content.decode()
    assert "Change your organisation" not in team_page
    response = client.post(f"/commissioners/{officer.commissioner_id}/edit/", VALID_DETAILS)
    assert response.status_code == 403
    assert "Only a commissioning manager" in response.content.decode()
    assert CommissionerOrganisation.objects.get(pk=officer.commissioner_id).name == "Steady Council"


def test_provider_users_cannot_see_commissioners_private_pages(sign_in):
    commissioner = CommissionerFactory()
    response = sign_in(ProviderAdminFactory()).get(f"/commissioners/{commissioner.pk}/team/")
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    commissioner = CommissionerFactory()
    response = client.get(f"/commissioners/{commissioner.pk}/team/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_platform_staff_can_see_any_commissioner(sign_in):
    commissioner = CommissionerFactory()
    assert sign_in(StaffFactory()).get(f"/commissioners/{commissioner.pk}/team/").status_code == 200


def test_manager_changes_details_and_the_change_is_audited(sign_in):
    manager = ManagerFactory(commissioner__name="Old Name Council")
    response = sign_in(manager).post(
        f"/commissioners/{manager.commissioner_id}/edit/",
        {**VALID_DETAILS, "website": "https://www.renamed.gov.uk"},
        follow=True,
    )
    assert "Your organisation&#x27;s details have been saved" in response.content.decode()
    commissioner = CommissionerOrganisation.objects.get(pk=manager.commissioner_id)
    assert commissioner.name == "Renamed Council"
    entry = AuditEntry.objects.get(action="commissioner.updated")
    assert entry.actor == manager
    assert entry.before["name"] == "Old Name Council"
    assert entry.after["name"] == "Renamed Council"


def test_bad_details_are_refused_field_by_field_and_nothing_is_saved(sign_in):
    manager = ManagerFactory(commissioner__name="Careful Council")
    response = sign_in(manager).post(
        f"/commissioners/{manager.commissioner_id}/edit/",
        {"name": "", "region": "XX", "website": "not a web address", "contact_email": "nope"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert 'href="#id_name"' in page
    assert "Enter a valid URL" in page
    assert "Enter a valid email address" in page
    assert "Select a valid choice" in page
    assert 'value="not a web address"' in page  # what was typed is kept
    assert (
        CommissionerOrganisation.objects.get(pk=manager.commissioner_id).name == "Careful Council"
    )
    assert not AuditEntry.objects.exists()


def test_team_page_makes_the_same_number_of_queries_for_2_or_20_members(sign_in):
    manager = ManagerFactory()
    client = sign_in(manager)
    url = f"/commissioners/{manager.commissioner_id}/team/"
    OfficerFactory(commissioner=manager.commissioner)
    small = count_queries(client.get, url)
    OfficerFactory.create_batch(18, commissioner=manager.commissioner)
    large = count_queries(client.get, url)
    assert 0 < small == large
