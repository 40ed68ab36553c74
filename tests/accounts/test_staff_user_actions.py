"""Platform staff deactivate and reactivate accounts, change a person's role or organisation,
and erase a person's details at their request, each through a service that checks, locks and
audits, with a reason. Accounts are never deleted."""

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from accounts import services
from accounts.choices import Role
from accounts.models import ApiKey, User
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry
from tests.factories import (
    BidWriterFactory,
    CommissionerFactory,
    InvitationFactory,
    ManagerFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/dashboard/").status_code == 200
    return client


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


# --- never deleted ------------------------------------------------------------------------------


def test_an_account_is_never_deleted_not_even_through_the_orm():
    officer = OfficerFactory()
    with pytest.raises(DomainError, match="Accounts are never deleted"):
        officer.delete()
    with pytest.raises(DomainError, match="Accounts are never deleted"):
        User.objects.filter(pk=officer.pk).delete()
    assert User.objects.filter(pk=officer.pk).exists()


# --- deactivating and reactivating ----------------------------------------------------------------


def test_staff_deactivate_an_account_with_a_reason_and_its_sessions_end(sign_in):
    officer = OfficerFactory(full_name="Olu Officer")
    their_browser = signed_in_client(officer)
    staff = StaffFactory()
    client = sign_in(staff)
    selection = {"action": "deactivate", "_selected_action": [officer.pk]}

    asking = client.post(USERS, selection)
    assert "Deactivate accounts: why?" in asking.content.decode()
    assert fresh(officer).is_active

    done = client.post(
        USERS, {**selection, "apply": "yes", "reason": "Left the council on Friday."}, follow=True
    )

    assert "Deactivated: Olu Officer" in done.content.decode()
    assert not fresh(officer).is_active
    entry = AuditEntry.objects.get(action="user.deactivated")
    assert (entry.actor, entry.object_id) == (staff, str(officer.pk))
    assert entry.before == {"is_active": True}
    assert entry.after == {
        "is_active": False,
        "reason": "Left the council on Friday.",
        "sessions_ended": 1,
    }
    assert their_browser.get("/dashboard/").status_code == 302  # signed out

    # Reactivating does not bring the old session back: they sign in again.
    services.user_reactivate(user=officer, actor=staff, reason="Came back.")
    assert fresh(officer).is_active
    assert their_browser.get("/dashboard/").status_code == 302
    entry = AuditEntry.objects.get(action="user.reactivated")
    assert (entry.before, entry.after) == (
        {"is_active": False},
        {"is_active": True, "reason": "Came back."},
    )


def test_deactivating_needs_a_reason_and_staff_and_not_yourself():
    staff, officer = StaffFactory(), OfficerFactory()
    with pytest.raises(DomainError) as no_reason:
        services.user_deactivate(user=officer, actor=staff, reason=" ")
    assert no_reason.value.field_errors == {
        "reason": ["Enter why you are deactivating this account"]
    }
    with pytest.raises(NotPermitted):
        services.user_deactivate(user=officer, actor=ManagerFactory(), reason="Gone")
    with pytest.raises(DomainError, match="your own account"):
        services.user_deactivate(user=staff, actor=staff, reason="Gone")
    assert fresh(officer).is_active and fresh(staff).is_active
    assert not AuditEntry.objects.filter(action="user.deactivated").exists()


def test_a_deactivated_persons_api_keys_stop_working(api):
    officer = OfficerFactory()
    api.as_key(officer, "tenders:read")
    assert api.get("/api/v1/me/").status_code == 200
    services.user_deactivate(user=officer, actor=StaffFactory(), reason="Left")
    assert api.get("/api/v1/me/").status_code == 401


# --- role and organisation ---------------------------------------------------------------------


def test_staff_move_a_person_to_another_commissioner_on_the_staff_pages(sign_in, api):
    officer = OfficerFactory(commissioner__name="Northshire County Council")
    api.as_key(officer, "tenders:read")
    southshire = CommissionerFactory(name="Southshire District Council")
    staff = StaffFactory()
    client = sign_in(staff)

    question = client.get(f"/staff/person_role/?email={officer.email}").content.decode()
    assert "Change a person&#x27;s role or organisation" in question
    assert f'value="{officer.email}"' in question
    answers = {
        "email": officer.email.upper(),
        "role": Role.COMMISSIONING_MANAGER,
        "organisation": "southshire district council",
        "reason": "Promoted and moved to Southshire, ticket 4411.",
    }
    assert client.post("/staff/person_role/", answers).url == "/staff/person_role/check/"
    check = client.get("/staff/person_role/check/").content.decode()
    assert "Commissioning officer at Northshire County Council" in check
    assert "Commissioning manager at Southshire District Council" in check
    assert fresh(officer).commissioner_id == officer.commissioner_id  # nothing yet

    done = client.post("/staff/person_role/check/", follow=True).content.decode()

    assert "Role changed" in done
    moved = fresh(officer)
    assert (moved.role, moved.commissioner_id) == (Role.COMMISSIONING_MANAGER, southshire.pk)
    entry = AuditEntry.objects.get(action="user.role_changed")
    assert entry.actor == staff
    assert entry.before == {
        "role": "commissioning_officer",
        "commissioner": "Northshire County Council",
        "provider": None,
    }
    assert entry.after == {
        "role": "commissioning_manager",
        "commissioner": "Southshire District Council",
        "provider": None,
        "reason": "Promoted and moved to Southshire, ticket 4411.",
        "api_keys_revoked": 1,
    }
    # A key issued in Northshire must not go on working in Southshire.
    assert api.get("/api/v1/me/").status_code == 401
    assert ApiKey.objects.get(user=officer).revoked_by == staff


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({"role": Role.BID_WRITER, "organisation": "Nowhere Trust"}, "organisation", "No provider"),
        ({"role": Role.COMMISSIONING_OFFICER, "organisation": ""}, "organisation", "Enter the"),
        ({"role": "none", "organisation": "Anything"}, "organisation", "Leave the organisation"),
        ({"role": "", "organisation": ""}, "role", "Select the person"),
        ({"reason": ""}, "reason", "Enter the reason"),
    ],
)
def test_the_role_page_says_what_is_wrong_and_changes_nothing(sign_in, answers, field, message):
    officer = OfficerFactory()
    page = (
        sign_in(StaffFactory())
        .post(
            "/staff/person_role/",
            {
                "email": officer.email,
                "role": Role.COMMISSIONING_MANAGER,
                "organisation": officer.commissioner.name,
                "reason": "Because",
                **answers,
            },
        )
        .content.decode()
    )
    assert "<title>Error: " in page
    assert message in page
    assert fresh(officer).role == Role.COMMISSIONING_OFFICER


def test_a_provider_is_never_left_without_an_admin():
    admin = ProviderAdminFactory(provider__name="Only Admin Trust")
    BidWriterFactory(provider=admin.provider)
    with pytest.raises(DomainError, match="Only Admin Trust's only admin"):
        services.user_change_role(
            user=admin,
            actor=StaffFactory(),
            role=Role.BID_WRITER,
            organisation=admin.provider,
            reason="Asked to step down",
        )
    assert fresh(admin).role == Role.PROVIDER_ADMIN


def test_a_role_must_fit_its_organisation():
    officer = OfficerFactory()
    with pytest.raises(DomainError) as refused:
        services.user_change_role(
            user=officer,
            actor=StaffFactory(),
            role=Role.COMMISSIONING_OFFICER,
            organisation=ProviderFactory(),
            reason="Moved",
        )
    assert refused.value.field_errors == {
        "organisation": ["A commissioning officer belongs to a commissioner"]
    }


@pytest.mark.parametrize("page", ["person_role", "person_erase", "contract_value"])
def test_only_platform_staff_reach_the_staff_pages(client, sign_in, page):
    assert client.get(f"/staff/{page}/").status_code == 302  # to sign in
    for user in (OfficerFactory(), ProviderAdminFactory(), ManagerFactory()):
        assert sign_in(user).get(f"/staff/{page}/").status_code == 404
        assert sign_in(user).post(f"/staff/{page}/check/").status_code == 404


# --- erasure -------------------------------------------------------------------------------------


def test_an_erasure_request_anonymises_the_person_and_keeps_the_audit_trail_whole(sign_in, api):
    writer = BidWriterFactory(email="priya@northshiremind.example", full_name="Priya Patel")
    api.as_key(writer, "bids:read")  # audited, under her email
    InvitationFactory(email="priya@northshiremind.example", full_name="Priya Patel")
    AccessAttempt.objects.create(
        username="priya@northshiremind.example",
        ip_address="203.0.113.9",
        user_agent="test",
        failures_since_start=2,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    her_browser = signed_in_client(writer)
    history = list(AuditEntry.objects.filter(actor=writer).values_list("pk", "actor_label"))
    assert history
    staff = StaffFactory()
    client = sign_in(staff)

    client.post(
        "/staff/person_erase/",
        {"email": writer.email, "reason": "Erasure request DPA-2026-017 received 3 March."},
    )
    check = client.get("/staff/person_erase/check/").content.decode()
    assert "This cannot be undone." in check
    done = client.post("/staff/person_erase/check/", follow=True).content.decode()

    assert "Details erased" in done
    erased = fresh(writer)
    assert erased.full_name == f"Erased user {writer.pk}"
    assert erased.email == f"erased-{writer.pk}@erased.invalid"
    assert not erased.has_usable_password()
    assert not erased.is_active and erased.erased_at is not None
    assert ApiKey.objects.get(user=writer).revoked_at is not None
    assert her_browser.get("/dashboard/").status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    assert not AccessAttempt.objects.filter(username__icontains="priya").exists()
    from providers.models import Invitation

    assert not Invitation.objects.filter(email__icontains="priya").exists()
    # The audit log is not rewritten: its entries keep their labels, and the chain verifies.
    assert (
        list(
            AuditEntry.objects.filter(pk__in=[pk for pk, _ in history]).values_list(
                "pk", "actor_label"
            )
        )
        == history
    )
    entry = AuditEntry.objects.get(action="user.erased")
    assert entry.actor == staff
    assert "priya" not in f"{entry.object_label} {entry.before} {entry.after}".lower()
    call_command("verify_audit_chain")
    # Erased stays erased.
    with pytest.raises(DomainError, match="stays closed"):
        services.user_reactivate(user=erased, actor=staff, reason="Oops")


def test_erasure_needs_staff_and_a_reason_and_happens_once():
    writer = BidWriterFactory()
    with pytest.raises(NotPermitted):
        services.user_erase(user=writer, actor=ProviderAdminFactory(), reason="Asked")
    with pytest.raises(DomainError):
        services.user_erase(user=writer, actor=StaffFactory(), reason="")
    assert fresh(writer).erased_at is None
    services.user_erase(user=writer, actor=StaffFactory(), reason="Asked")
    with pytest.raises(DomainError, match="already erased"):
        services.user_erase(user=writer, actor=StaffFactory(), reason="Asked again")


def test_the_erase_user_command_does_the_same(capsys):
    writer = BidWriterFactory(email="sam@example.org")
    staff = StaffFactory(email="staff@example.org")
    call_command("erase_user", "SAM@example.org", "--reason", "Request 12", "--by", staff.email)
    assert fresh(writer).erased_at is not None
    assert "Erased: the account is now Erased user" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already erased"):
        call_command("erase_user", fresh(writer).email, "--reason", "x", "--by", staff.email)
    with pytest.raises(CommandError, match="--by must be an active member of staff"):
        call_command("erase_user", "x@example.org", "--reason", "x", "--by", "nobody@example.org")
    assert not mail.outbox
