"""Platform staff exclude a provider from bidding, for a period, and may lift it early;
officers and staff see the exclusion flagged wherever the provider appears."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import DomainError, NotPermitted
from core.models import AuditEntry
from providers import selectors, services
from providers.models import ProviderExclusion
from tests.factories import (
    OfficerFactory,
    ProviderAdminFactory,
    ProviderExclusionFactory,
    ProviderFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

ADMIN = "/admin/providers/providerexclusion/"


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


def test_staff_exclude_a_provider_and_it_cannot_bid_until_the_end_date():
    provider = ProviderFactory()
    staff = StaffFactory()
    exclusion = services.provider_exclude(
        provider=provider,
        actor=staff,
        reason="Debarred for fraud.",
        starts_on=days(0),
        ends_on=days(90),
    )
    assert exclusion.recorded_by == staff
    assert selectors.exclusion_in_force(provider) == exclusion
    assert selectors.exclusion_in_force(provider, on=days(90)) is None  # may bid again then
    entry = AuditEntry.objects.get(action="provider.excluded")
    assert (entry.actor, entry.object_id) == (staff, str(provider.pk))
    assert entry.after["reason"] == "Debarred for fraud."


def test_an_exclusion_that_starts_later_is_not_yet_in_force():
    exclusion = ProviderExclusionFactory(starts_on=days(5), ends_on=days(50))
    assert selectors.exclusion_in_force(exclusion.provider) is None
    assert selectors.exclusion_in_force(exclusion.provider, on=days(5)) == exclusion


@pytest.mark.parametrize(
    ("reason", "starts", "ends", "field", "message"),
    [
        ("", 0, 30, "reason", "Enter why the provider is excluded"),
        ("Fraud", 10, 10, "ends_on", "The exclusion must end after the day it starts"),
        ("Fraud", -60, -1, "ends_on", "The exclusion must end in the future"),
    ],
)
def test_an_exclusion_needs_a_reason_and_an_end_after_its_start(
    reason, starts, ends, field, message
):
    provider = ProviderFactory()
    with pytest.raises(DomainError) as refused:
        services.provider_exclude(
            provider=provider,
            actor=StaffFactory(),
            reason=reason,
            starts_on=days(starts),
            ends_on=days(ends),
        )
    assert refused.value.field_errors[field] == [message]
    assert not ProviderExclusion.objects.exists()


def test_only_staff_can_exclude_or_lift():
    exclusion = ProviderExclusionFactory()
    officer = OfficerFactory()
    with pytest.raises(NotPermitted):
        services.provider_exclude(
            provider=exclusion.provider,
            actor=officer,
            reason="I dislike them",
            starts_on=days(0),
            ends_on=days(10),
        )
    with pytest.raises(NotPermitted):
        services.exclusion_lift(exclusion=exclusion, actor=officer, reason="Changed my mind")
    assert ProviderExclusion.objects.get().lifted_at is None


def test_staff_lift_an_exclusion_early_with_a_reason():
    exclusion = ProviderExclusionFactory()
    services.exclusion_lift(
        exclusion=exclusion, actor=StaffFactory(), reason="Debarment overturned on appeal."
    )
    exclusion.refresh_from_db()
    assert exclusion.lifted_at is not None
    assert exclusion.lifted_reason == "Debarment overturned on appeal."
    assert selectors.exclusion_in_force(exclusion.provider) is None
    assert AuditEntry.objects.filter(action="provider.exclusion_lifted").count() == 1


def test_an_exclusion_cannot_be_lifted_twice_or_without_a_reason():
    exclusion = ProviderExclusionFactory()
    staff = StaffFactory()
    with pytest.raises(DomainError, match="Enter why the exclusion is lifted"):
        services.exclusion_lift(exclusion=exclusion, actor=staff, reason="")
    services.exclusion_lift(exclusion=exclusion, actor=staff, reason="Overturned.")
    with pytest.raises(DomainError, match="already lifted"):
        services.exclusion_lift(exclusion=exclusion, actor=staff, reason="Again.")


def test_provider_lists_can_flag_exclusions_in_one_query(django_assert_num_queries):
    excluded = ProviderExclusionFactory(ends_on=days(30)).provider
    ProviderExclusionFactory(provider=excluded, ends_on=days(200))
    lifted = ProviderExclusionFactory(lifted_at=timezone.now()).provider
    clear = ProviderFactory()
    with django_assert_num_queries(1):
        flags = {p.pk: (p.is_excluded, p.excluded_until) for p in selectors.with_exclusion_flag()}
    assert flags[excluded.pk] == (True, days(200))
    assert flags[lifted.pk] == (False, None)
    assert flags[clear.pk] == (False, None)


# --- in the admin --------------------------------------------------------------------------


def test_staff_record_an_exclusion_in_the_admin_through_the_service(sign_in):
    provider = ProviderFactory()
    staff = StaffFactory()
    response = sign_in(staff).post(
        f"{ADMIN}add/",
        {
            "provider": provider.pk,
            "reason": "On the debarment list.",
            "starts_on": days(0).isoformat(),
            "ends_on": days(365).isoformat(),
        },
    )
    assert response.status_code == 302
    exclusion = ProviderExclusion.objects.get()
    assert (exclusion.provider, exclusion.recorded_by) == (provider, staff)
    assert AuditEntry.objects.filter(action="provider.excluded").count() == 1


def test_the_admin_shows_why_an_exclusion_cannot_be_recorded(sign_in):
    provider = ProviderFactory()
    response = sign_in(StaffFactory()).post(
        f"{ADMIN}add/",
        {
            "provider": provider.pk,
            "reason": "Fraud",
            "starts_on": days(10).isoformat(),
            "ends_on": days(5).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "The exclusion must end after the day it starts" in response.content.decode()
    assert not ProviderExclusion.objects.exists()


def test_a_recorded_exclusion_is_read_only_and_cannot_be_deleted(sign_in):
    exclusion = ProviderExclusionFactory(reason="Original reason")
    client = sign_in(StaffFactory())
    page = client.get(f"{ADMIN}{exclusion.pk}/change/").content.decode()
    assert 'name="reason"' not in page
    client.post(f"{ADMIN}{exclusion.pk}/change/", {"reason": "Rewritten"})
    assert client.post(f"{ADMIN}{exclusion.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ProviderExclusion.objects.get().reason == "Original reason"


def test_staff_lift_selected_exclusions_after_giving_a_reason(sign_in):
    exclusion = ProviderExclusionFactory()
    client = sign_in(StaffFactory())
    selection = {"action": "lift", "_selected_action": [exclusion.pk]}
    assert "Lift exclusions: why?" in client.post(ADMIN, selection).content.decode()
    client.post(ADMIN, {**selection, "apply": "yes", "reason": "Overturned on appeal."})
    exclusion.refresh_from_db()
    assert exclusion.lifted_reason == "Overturned on appeal."


# --- the flag on pages ---------------------------------------------------------------------

FLAG = "Excluded until"


def test_officers_see_the_flag_on_the_public_provider_page(client, sign_in):
    exclusion = ProviderExclusionFactory(ends_on=days(100))
    url = f"/providers/{exclusion.provider_id}/"
    page = sign_in(OfficerFactory()).get(url).content.decode()
    assert f"{FLAG} {days(100):%-d %B %Y}" in page
    assert "govuk-tag--red" in page


def test_staff_see_the_flag_on_the_team_page(sign_in):
    exclusion = ProviderExclusionFactory()
    page = sign_in(StaffFactory()).get(f"/providers/{exclusion.provider_id}/team/")
    assert FLAG in page.content.decode()


def test_the_public_and_providers_do_not_see_the_flag(client, sign_in):
    exclusion = ProviderExclusionFactory()
    provider = exclusion.provider
    assert FLAG not in client.get(f"/providers/{provider.pk}/").content.decode()
    own_team = sign_in(ProviderAdminFactory(provider=provider)).get(
        f"/providers/{provider.pk}/team/"
    )
    assert FLAG not in own_team.content.decode()


def test_a_lifted_exclusion_is_not_flagged(sign_in):
    exclusion = ProviderExclusionFactory(lifted_at=timezone.now(), lifted_reason="Overturned")
    page = sign_in(OfficerFactory()).get(f"/providers/{exclusion.provider_id}/")
    assert FLAG not in page.content.decode()
