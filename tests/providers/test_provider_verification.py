"""Platform staff verify a new provider, or refuse to, in the admin; the provider's admins
are told by email, and the decision is audited."""

import pytest
from django.core import mail

from core.errors import IllegalTransition, NotPermitted
from core.models import AuditEntry
from providers import services
from providers.choices import VerificationStatus
from providers.models import ProviderOrganisation
from tests.factories import (
    BidWriterFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/providers/providerorganisation/"
UNVERIFIED = VerificationStatus.UNVERIFIED


def status_of(provider) -> str:
    return ProviderOrganisation.objects.get(pk=provider.pk).verification_status


def test_staff_verify_a_provider_and_its_admins_are_emailed(django_capture_on_commit_callbacks):
    admin = ProviderAdminFactory(
        email="amina@opendoors.example", provider__verification_status=UNVERIFIED
    )
    BidWriterFactory(provider=admin.provider, email="writer@opendoors.example")
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.provider_verify(provider=admin.provider, actor=staff)
    assert status_of(admin.provider) == VerificationStatus.VERIFIED
    entry = AuditEntry.objects.get(action="provider.verified")
    assert (entry.actor, entry.before, entry.after) == (
        staff,
        {"verification_status": "unverified"},
        {"verification_status": "verified"},
    )
    [email] = mail.outbox
    assert email.to == ["amina@opendoors.example"]  # admins only
    assert "is verified" in email.subject


def test_staff_refuse_verification_with_a_reason_the_admins_are_told(
    django_capture_on_commit_callbacks,
):
    admin = ProviderAdminFactory(provider__verification_status=UNVERIFIED)
    with django_capture_on_commit_callbacks(execute=True):
        services.provider_reject(
            provider=admin.provider,
            actor=StaffFactory(),
            reason="The Companies House number belongs to another company.",
        )
    assert status_of(admin.provider) == VerificationStatus.REJECTED
    entry = AuditEntry.objects.get(action="provider.verification_refused")
    assert entry.after["reason"] == "The Companies House number belongs to another company."
    assert "belongs to another company" in mail.outbox[0].body


def test_refusing_verification_needs_a_reason():
    provider = ProviderFactory(verification_status=UNVERIFIED)
    with pytest.raises(services.DomainError) as refused:
        services.provider_reject(provider=provider, actor=StaffFactory(), reason="  ")
    assert refused.value.field_errors == {"reason": ["Enter why verification is refused"]}
    assert status_of(provider) == UNVERIFIED
    assert not AuditEntry.objects.exists()


def test_a_refused_provider_can_be_verified_once_it_puts_things_right():
    provider = ProviderFactory(verification_status=VerificationStatus.REJECTED)
    services.provider_verify(provider=provider, actor=StaffFactory())
    assert status_of(provider) == VerificationStatus.VERIFIED


def test_a_verified_provider_cannot_be_refused_afterwards():
    provider = ProviderFactory(verification_status=VerificationStatus.VERIFIED)
    with pytest.raises(IllegalTransition, match="is verified and cannot become verification"):
        services.provider_reject(provider=provider, actor=StaffFactory(), reason="Changed mind")
    assert status_of(provider) == VerificationStatus.VERIFIED


@pytest.mark.parametrize("factory", [ProviderAdminFactory, OfficerFactory])
def test_only_platform_staff_can_verify(factory):
    provider = ProviderFactory(verification_status=UNVERIFIED)
    user = factory(provider=provider) if factory is ProviderAdminFactory else factory()
    with pytest.raises(NotPermitted):
        services.provider_verify(provider=provider, actor=user)
    with pytest.raises(NotPermitted):
        services.provider_reject(provider=provider, actor=user, reason="No")
    assert status_of(provider) == UNVERIFIED


# --- in the admin --------------------------------------------------------------------------


def test_staff_verify_selected_providers_from_the_admin_list(sign_in):
    waiting = ProviderFactory.create_batch(2, verification_status=UNVERIFIED)
    already = ProviderFactory(name="Already Verified Ltd")
    client = sign_in(StaffFactory())
    response = client.post(
        CHANGELIST,
        {"action": "verify", "_selected_action": [p.pk for p in [*waiting, already]]},
        follow=True,
    )
    assert [status_of(p) for p in waiting] == [VerificationStatus.VERIFIED] * 2
    page = response.content.decode()
    assert "Verified: " in page
    assert "Already Verified Ltd: This provider is verified and cannot become verified" in page
    assert AuditEntry.objects.filter(action="provider.verified").count() == 2


def test_staff_refuse_verification_after_giving_a_reason(sign_in):
    provider = ProviderFactory(name="Dubious Ventures", verification_status=UNVERIFIED)
    client = sign_in(StaffFactory())
    selection = {"action": "refuse_verification", "_selected_action": [provider.pk]}

    asking = client.post(CHANGELIST, selection)
    assert asking.status_code == 200
    assert "Refuse verification: why?" in asking.content.decode()
    assert status_of(provider) == UNVERIFIED

    no_reason = client.post(CHANGELIST, {**selection, "apply": "yes", "reason": ""})
    assert "Enter the reason" in no_reason.content.decode()
    assert status_of(provider) == UNVERIFIED

    done = client.post(
        CHANGELIST, {**selection, "apply": "yes", "reason": "No such charity."}, follow=True
    )
    assert "Verification refused: Dubious Ventures" in done.content.decode()
    assert status_of(provider) == VerificationStatus.REJECTED


def test_verification_status_cannot_be_typed_into_the_admin_form(sign_in):
    provider = ProviderFactory(verification_status=UNVERIFIED)
    page = sign_in(StaffFactory()).get(f"{CHANGELIST}{provider.pk}/change/").content.decode()
    assert 'name="verification_status"' not in page


def test_providers_cannot_open_the_admin(sign_in):
    assert sign_in(ProviderAdminFactory()).get(CHANGELIST).status_code == 302
