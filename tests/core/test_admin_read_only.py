"""Staff cannot change, add or delete in the admin what the services own: a POST to a change
page changes nothing, and every page of the admin says the record is read-only. Staff act
through services that check, lock and audit (tests/accounts/test_staff_user_actions.py,
tests/commissioning/test_contract_value_correction.py, tests/providers/...)."""

from decimal import Decimal

import pytest
from django.contrib import admin

from accounts.choices import Role
from accounts.models import User
from commissioning.models import Contract
from core.models import AuditEntry
from providers.choices import LegalForm, ProviderKind, SizeBand
from providers.models import ProviderOrganisation
from tests.factories import (
    CommissionerFactory,
    ContractFactory,
    OfficerFactory,
    ProviderFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def test_staff_cannot_change_a_contracts_value_in_the_admin(sign_in):
    contract = ContractFactory(value=Decimal("230000.00"))
    client = sign_in(StaffFactory())
    url = f"/admin/commissioning/contract/{contract.pk}/change/"
    response = client.post(
        url,
        {
            "title": contract.title,
            "commissioner": contract.commissioner_id,
            "provider": contract.provider_id,
            "value": "1",
            "start_date": contract.start_date.isoformat(),
            "end_date": contract.end_date.isoformat(),
            "status": contract.status,
            "notice_period_days": "90",
            "escalation_level": "0",
            "review_frequency_months": "3",
            "renewal_notice_months": "6",
            "created_by": contract.created_by_id,
            "kpis-TOTAL_FORMS": "0",
            "kpis-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 403
    assert Contract.objects.get(pk=contract.pk).value == Decimal("230000.00")
    page = client.get(url).content.decode()
    assert 'name="value"' not in page


def test_staff_cannot_change_a_providers_kind_size_or_legal_form_in_the_admin(sign_in):
    provider = ProviderFactory(
        kind=ProviderKind.PRIVATE, legal_form=LegalForm.COMPANY, size_band=SizeBand.LARGE
    )
    client = sign_in(StaffFactory())
    response = client.post(
        f"/admin/providers/providerorganisation/{provider.pk}/change/",
        {
            "name": provider.name,
            "kind": ProviderKind.COMMUNITY,
            "legal_form": LegalForm.CIO,
            "size_band": SizeBand.MICRO,
            "regions": '["UKD"]',
            "postcode": provider.postcode,
            "identifiers-TOTAL_FORMS": "0",
            "identifiers-INITIAL_FORMS": "0",
            "exclusions-TOTAL_FORMS": "0",
            "exclusions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 403
    provider.refresh_from_db()
    assert (provider.kind, provider.legal_form, provider.size_band) == (
        ProviderKind.PRIVATE,
        LegalForm.COMPANY,
        SizeBand.LARGE,
    )


def test_staff_cannot_change_a_users_role_or_organisation_in_the_admin(sign_in):
    officer = OfficerFactory()
    elsewhere = CommissionerFactory()
    client = sign_in(StaffFactory())
    response = client.post(
        f"/admin/accounts/user/{officer.pk}/change/",
        {
            "email": officer.email,
            "full_name": officer.full_name,
            "role": Role.COMMISSIONING_MANAGER,
            "commissioner": elsewhere.pk,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 403
    officer.refresh_from_db()
    assert (officer.role, officer.commissioner_id, officer.is_staff, officer.is_superuser) == (
        Role.COMMISSIONING_OFFICER,
        officer.commissioner_id,
        False,
        False,
    )
    assert officer.commissioner_id != elsewhere.pk


def test_deleting_a_user_with_audit_history_is_refused_not_a_server_error(sign_in):
    """It answered 500: the append-only trigger refused the SET NULL on AuditEntry.actor."""
    from accounts.services import api_key_issue

    officer = OfficerFactory()

    api_key_issue(actor=officer, name="Finance system", scopes=["tenders:read"])
    assert AuditEntry.objects.filter(actor=officer).exists()
    client = sign_in(StaffFactory())
    url = f"/admin/accounts/user/{officer.pk}/delete/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 403
    assert User.objects.filter(pk=officer.pk).exists()
    listing = client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [officer.pk], "post": "yes"},
    )
    assert listing.status_code in (200, 302)
    assert User.objects.filter(pk=officer.pk).exists()


def test_no_provider_can_be_deleted_from_the_admin(sign_in):
    provider = ProviderFactory()
    client = sign_in(StaffFactory())
    url = f"/admin/providers/providerorganisation/{provider.pk}/delete/"
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert ProviderOrganisation.objects.filter(pk=provider.pk).exists()


# Admin pages that may still write, each through a service (named in its admin's docstring).
WRITES_THROUGH_A_SERVICE = {
    # Recording an exclusion: the add form's save calls providers.services.provider_exclude.
    ("providers.ProviderExclusion", "add"),
}


@pytest.mark.parametrize(
    "model_admin",
    [pytest.param(ma, id=model._meta.label) for model, ma in admin.site._registry.items()],
)
def test_every_admin_page_is_read_only_unless_a_service_does_the_writing(model_admin, rf):
    staff = StaffFactory()
    request = rf.get("/admin/")
    request.user = staff
    label = model_admin.model._meta.label
    if label in ("auth.Group",):
        pytest.skip("Django's own permission groups: no service owns them")
    for action, allowed in (
        ("add", model_admin.has_add_permission(request)),
        ("change", model_admin.has_change_permission(request)),
        ("delete", model_admin.has_delete_permission(request)),
    ):
        assert not allowed or (label, action) in WRITES_THROUGH_A_SERVICE, (
            f"{label}'s admin lets staff {action} rows without a service"
        )


# --- the actions staff keep, each through a service --------------------------------------------


def test_staff_switch_off_a_webhook_endpoint_with_a_reason(sign_in):
    from core.models import WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        provider=ProviderFactory(),
        url="https://hooks.example.org/civicmarkets",
        events=["tender.published"],
        secret="not-shown",
    )
    staff = StaffFactory()
    client = sign_in(staff)
    changelist = "/admin/core/webhookendpoint/"
    page = client.get(f"{changelist}{endpoint.pk}/change/").content.decode()
    assert "not-shown" not in page
    selection = {"action": "switch_off", "_selected_action": [endpoint.pk]}
    assert "Switch off endpoints: why?" in client.post(changelist, selection).content.decode()

    client.post(changelist, {**selection, "apply": "yes", "reason": "Posts to a phishing site."})

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_reason == "Switched off by platform staff: Posts to a phishing site."
    entry = AuditEntry.objects.get(action="webhook.switched_off")
    assert (entry.actor, entry.after) == (
        staff,
        {"active": False, "reason": "Posts to a phishing site."},
    )


def test_staff_lift_a_sign_in_lock_out_with_a_reason(sign_in):
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(
        username="officer@northshire.example",
        ip_address="203.0.113.7",
        user_agent="browser",
        failures_since_start=5,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/accounts/login/",
    )
    staff = StaffFactory()
    client = sign_in(staff)
    changelist = "/admin/axes/accessattempt/"
    assert client.post(f"{changelist}{attempt.pk}/delete/", {"post": "yes"}).status_code == 403
    selection = {"action": "lift_lockout", "_selected_action": [attempt.pk]}

    client.post(changelist, {**selection, "apply": "yes", "reason": "Phoned and confirmed."})

    assert not AccessAttempt.objects.exists()
    entry = AuditEntry.objects.get(action="sign_in.lockout_lifted")
    assert (entry.actor, entry.before, entry.after) == (
        staff,
        {"username": "officer@northshire.example", "failures": 5},
        {"reason": "Phoned and confirmed."},
    )
