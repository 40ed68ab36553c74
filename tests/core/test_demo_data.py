"""`make run`'s demo data: every role has a login that works, and loading twice is harmless."""

import pytest
from django.core.management import call_command

from accounts.models import User
from commissioning.choices import CommissionerKind
from commissioning.models import CommissionerOrganisation
from providers.choices import ProviderKind
from providers.models import ProviderOrganisation

pytestmark = pytest.mark.django_db


def test_demo_covers_every_kind_of_organisation_and_role(settings):
    call_command("seed_demo", verbosity=0)
    assert set(CommissionerOrganisation.objects.values_list("kind", flat=True)) == set(
        CommissionerKind.values
    )
    assert set(ProviderOrganisation.objects.values_list("kind", flat=True)) == set(
        ProviderKind.values
    )
    roles = set(User.objects.values_list("role", flat=True))
    assert {
        "commissioning_officer",
        "commissioning_manager",
        "provider_admin",
        "bid_writer",
        "",
    } <= roles


def test_every_printed_demo_login_signs_in(client, capsys, settings):
    call_command("seed_demo")
    printed = capsys.readouterr().out
    logins, _, _ = printed.partition("Demo API keys")
    emails = [line.split()[0] for line in logins.splitlines() if "@" in line and "  " in line]
    assert len(emails) == User.objects.count()
    for email in emails:
        response = client.post(
            "/accounts/login/", {"username": email, "password": settings.DEMO_PASSWORD}
        )
        assert response.status_code == 302, email
        assert client.get("/dashboard/").status_code == 200
        client.post("/accounts/logout/")


def test_every_printed_demo_api_key_works(capsys, api):
    call_command("seed_demo")
    _, _, printed = capsys.readouterr().out.partition("Demo API keys")
    keys = dict(line.split() for line in printed.splitlines() if "@" in line)
    assert len(keys) == 2
    for email, key in keys.items():
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        response = api.get("/api/v1/me/")
        assert response.status_code == 200, email
        assert response.json()["email"] == email


def test_loading_the_demo_twice_changes_nothing():
    call_command("seed_demo", verbosity=0)
    before = (User.objects.count(), ProviderOrganisation.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (User.objects.count(), ProviderOrganisation.objects.count()) == before


def test_demo_shows_tenders_at_every_stage_with_bids_from_every_kind_of_provider():
    from commissioning.choices import TenderStatus
    from commissioning.models import Bid, Contract, Tender

    call_command("seed_demo", verbosity=0)
    assert set(Tender.objects.values_list("status", flat=True)) == set(TenderStatus.values)
    assert set(Bid.objects.values_list("provider__kind", flat=True)) == set(ProviderKind.values)
    assert Contract.objects.filter(provider__kind=ProviderKind.COMMUNITY).exists()
    closing_soon = Tender.objects.filter(status=TenderStatus.PUBLISHED).order_by(
        "submission_deadline"
    )[0]
    assert (closing_soon.submission_deadline - closing_soon.published_at).days >= 10


def test_demo_shows_complaints_at_every_stage_and_contracts_at_every_escalation_level():
    from accountability.models import Complaint, EscalationProposal, ImprovementPlan
    from commissioning.models import Contract

    call_command("seed_demo", verbosity=0)
    complaints = Complaint.objects.all()
    assert complaints.filter(status="received", stage=1, overdue_flagged_at__isnull=True).exists()
    assert complaints.filter(overdue_flagged_at__isnull=False).exists()
    assert complaints.filter(status="responded", outcome="upheld").exists()
    assert complaints.filter(stage=2).exists()
    assert complaints.exclude(ombudsman="").exists()
    assert set(Contract.objects.values_list("escalation_level", flat=True)) == {0, 1, 2, 3, 4}
    assert EscalationProposal.objects.filter(status="confirmed").exists()
    assert ImprovementPlan.objects.exists()
