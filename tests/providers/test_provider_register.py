"""A visitor registers their organisation as a provider, with themselves as its first admin."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.choices import Role
from accounts.models import User
from core.errors import DomainError
from core.models import AuditEntry, OutboxMessage
from providers import services
from providers.choices import VerificationStatus
from providers.models import ProviderIdentifier, ProviderOrganisation
from tests.factories import ProviderAdminFactory, ProviderFactory, ProviderIdentifierFactory

pytestmark = pytest.mark.django_db

REGISTER = "/providers/register/"
CHECK = "/providers/register/check/"
SENT = "/providers/register/sent/"
DONE = "/providers/register/done/"


@pytest.fixture(autouse=True)
def cpv_codes():
    call_command("load_cpv", stdout=StringIO())


def answers(**overrides) -> dict:
    return {
        "name": "Kirkby Community Transport",
        "kind": "third_sector",
        "legal_form": "cio",
        "size_band": "small",
        "companies_house_number": "",
        "charity_number": "1123456",
        "scottish_charity_number": "",
        "mutuals_number": "",
        "address": "Unit 4, Station Road\nKirkby",
        "postcode": "l32 1ab",
        "regions": ["UKD", "UKC"],
        "categories": ["60130000-8", "85311100-3"],
        "capability_statement": "Door-to-door minibus transport for older and disabled people.",
        "admin_full_name": "Kemi Adebayo",
        "admin_email": "Kemi@KirkbyCT.example",
        "password": "minibus-route-77",
        "password_confirmation": "minibus-route-77",
        **overrides,
    }


def confirm(client):
    """Opens the link emailed to the new admin, and finishes registering."""
    message = OutboxMessage.objects.filter(subject__startswith="Finish registering").latest("id")
    link = re.search(r"https?://[^/\s]+(/providers/register/confirm/[^/\s]+/)", message.body)
    assert link, message.body
    assert client.get(link.group(1)).status_code == 200
    return client.post(link.group(1))


def nothing_written():
    return (
        not ProviderOrganisation.objects.exists()
        and not User.objects.exists()
        and not ProviderIdentifier.objects.exists()
    )


def test_visitor_registers_checks_answers_and_lands_signed_in_on_the_dashboard(client):
    response = client.post(REGISTER, answers(companies_house_number="ce 012345"))
    assert response.status_code == 302
    assert response["Location"] == CHECK
    assert nothing_written()  # nothing is saved until the answers are confirmed

    check = client.get(CHECK).content.decode()
    assert "Check your answers before registering" in check
    assert "Kirkby Community Transport" in check
    assert "Companies House number: CE012345" in check
    assert "Charity number in England and Wales: 1123456" in check
    assert "Special-purpose road passenger-transport services" in check
    assert "North West" in check and "North East" in check
    assert "L32 1AB" in check
    assert "minibus-route-77" not in check

    # Nothing is registered until the admin opens the link emailed to them.
    assert client.post(CHECK)["Location"] == SENT
    assert "Check your email" in client.get(SENT).content.decode()
    assert nothing_written()
    response = confirm(client)
    assert response.status_code == 302
    assert response["Location"] == DONE
    done = client.get(DONE).content.decode()
    assert "Registration complete" in done
    assert "Kirkby Community Transport is registered" in done

    dashboard = client.get("/dashboard/").content.decode()
    assert "Provider dashboard" in dashboard
    assert "Your organisation is not yet verified" in dashboard

    provider = ProviderOrganisation.objects.get()
    assert provider.verification_status == VerificationStatus.UNVERIFIED
    assert provider.postcode == "L32 1AB"
    assert provider.regions == ["UKC", "UKD"]
    assert sorted(provider.categories.values_list("code", flat=True)) == [
        "60130000-8",
        "85311100-3",
    ]
    assert sorted(i.org_id for i in provider.identifiers.all()) == [
        "GB-CHC-1123456",
        "GB-COH-CE012345",
    ]
    admin = User.objects.get()
    assert (admin.email, admin.role, admin.provider) == (
        "kemi@kirkbyct.example",
        Role.PROVIDER_ADMIN,
        provider,
    )
    assert admin.check_password("minibus-route-77")
    entry = AuditEntry.objects.get(action="provider.registered")
    assert entry.actor == admin
    assert entry.after["identifiers"] == ["GB-CHC-1123456", "GB-COH-CE012345"]


def test_the_password_waits_in_the_session_only_as_a_hash(client):
    client.post(REGISTER, answers())
    kept = client.session["provider_registration"]
    assert "minibus-route-77" not in str(dict(client.session))
    assert kept["password_hash"].startswith("md5$")  # the test settings' hasher


def test_the_confirmation_page_shows_once_then_goes_to_the_dashboard(client):
    client.post(REGISTER, answers())
    client.post(CHECK)
    confirm(client)
    assert client.get(DONE).status_code == 200
    assert client.get(DONE)["Location"] == "/dashboard/"


def test_visitor_can_change_an_answer_and_keep_the_password_they_chose(client):
    client.post(REGISTER, answers())
    page = client.get(REGISTER).content.decode()
    assert 'value="Kirkby Community Transport"' in page
    assert "Leave blank to keep the password you chose" in page

    response = client.post(
        REGISTER,
        answers(name="Kirkby Community Transport CIO", password="", password_confirmation=""),
    )
    assert response["Location"] == CHECK
    client.post(CHECK)
    confirm(client)
    provider = ProviderOrganisation.objects.get()
    assert provider.name == "Kirkby Community Transport CIO"
    assert User.objects.get().check_password("minibus-route-77")


def test_check_answers_without_answers_goes_back_to_the_questions(client):
    assert client.get(CHECK)["Location"] == REGISTER
    assert client.post(CHECK)["Location"] == REGISTER
    assert nothing_written()


def test_a_signed_in_user_is_sent_to_their_dashboard(sign_in):
    client = sign_in(ProviderAdminFactory())
    for url in (REGISTER, CHECK):
        assert client.get(url)["Location"] == "/dashboard/"
    before = ProviderOrganisation.objects.count()
    client.post(REGISTER, answers())
    assert ProviderOrganisation.objects.count() == before


def test_an_empty_form_asks_for_every_required_answer(client):
    response = client.post(REGISTER, {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Register your organisation" in page
    for message in (
        "Enter your organisation&#x27;s name",
        "Select what kind of organisation it is",
        "Select your organisation&#x27;s legal form",
        "Select how many staff your organisation has",
        "Enter your organisation&#x27;s address",
        "Enter your organisation&#x27;s postcode",
        "Select at least one region you work in",
        "Select at least one kind of service you provide",
        "Describe what your organisation does",
        "Enter your full name",
        "Enter your email address",
        "Create a password",
    ):
        assert message in page, message
    assert nothing_written()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("companies_house_number", "1234", "8 characters, like 01234567 or SC123456"),
        ("charity_number", "CH12345", "6 or 7 digits, like 1234567"),
        ("scottish_charity_number", "123456", "SC0 and 5 digits, like SC012345"),
        ("mutuals_number", "ABCDEFG", "like 12345R or RS001234"),
        ("postcode", "NOT A CODE", "Enter a real postcode, like SW1A 1AA"),
        ("admin_email", "kemi-at-kirkby", "Enter an email address in the correct format"),
    ],
)
def test_malformed_answers_are_refused_with_the_format_and_kept(client, field, typed, message):
    response = client.post(REGISTER, answers(**{field: typed}))
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert f'href="#id_{field}"' in page  # the error summary links to the answer
    assert f'value="{typed}"' in page
    assert 'value="Kirkby Community Transport"' in page  # the other answers are kept too
    assert "provider_registration" not in client.session
    assert nothing_written()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "This password is too short. It must contain at least 10 characters."),
        ("password123", "This password is too common."),
        ("4815162342", "This password is entirely numeric."),
        ("kemi@kirkbyct", "The password is too similar to the email address."),
    ],
)
def test_a_weak_password_is_refused_with_the_reason(client, password, message):
    response = client.post(REGISTER, answers(password=password, password_confirmation=password))
    page = response.content.decode()
    assert message in page
    assert 'href="#id_password"' in page
    assert password not in page  # a password is never sent back to the browser
    assert nothing_written()


def test_passwords_that_do_not_match_are_refused(client):
    page = client.post(REGISTER, answers(password_confirmation="minibus-route-78")).content
    assert b"The passwords do not match" in page
    assert nothing_written()


def test_an_organisation_name_already_registered_is_refused_whatever_its_case(client):
    ProviderFactory(name="Kirkby Community Transport")
    page = client.post(REGISTER, answers(name="KIRKBY community transport")).content.decode()
    assert "An organisation called KIRKBY community transport is already registered" in page
    assert "ask its admin to invite you" in page
    assert ProviderOrganisation.objects.count() == 1
    assert not User.objects.exists()


def test_an_email_address_that_already_has_an_account_is_told_by_email_not_on_the_page(client):
    """The page once said "An account with this email address already exists", to anyone
    (tests/providers/test_registration_enumeration.py has the rest)."""
    ProviderAdminFactory(email="kemi@kirkbyct.example")
    assert client.post(REGISTER, answers())["Location"] == CHECK
    assert client.post(CHECK)["Location"] == SENT
    email = OutboxMessage.objects.get(to="kemi@kirkbyct.example")
    assert "This address already has an account" in email.body
    assert "/providers/register/confirm/" not in email.body
    assert ProviderOrganisation.objects.count() == 1  # only the existing admin's provider


def test_a_register_number_already_used_by_another_provider_is_refused(client):
    ProviderIdentifierFactory(value="1123456")
    page = client.post(REGISTER, answers()).content.decode()
    assert "An organisation with charity number 1123456 is already registered" in page
    assert ProviderOrganisation.objects.count() == 1


def test_someone_registering_the_same_name_first_sends_the_visitor_back_with_answers_kept(
    client,
):
    client.post(REGISTER, answers())
    ProviderFactory(name="Kirkby Community Transport")  # another visitor was quicker
    response = client.post(CHECK)
    page = response.content.decode()
    assert response.status_code == 200
    assert "An organisation called Kirkby Community Transport is already registered" in page
    assert 'value="Kemi Adebayo"' in page
    assert not User.objects.exists()
    assert not ProviderIdentifier.objects.exists()


def test_registration_writes_nothing_when_the_last_step_fails():
    """The user is created last: a clash there must undo the provider and its numbers."""
    kept = answers()
    for field in ("password", "password_confirmation"):
        kept.pop(field)
    ProviderAdminFactory(email="someone@else.example")
    before = ProviderOrganisation.objects.count()
    with pytest.raises(DomainError):
        services.provider_register(
            **{**kept, "admin_email": "SOMEONE@else.example"},
            admin_password_hash="md5$salt$0123456789abcdef0123456789abcdef",
        )
    assert ProviderOrganisation.objects.count() == before
    assert not ProviderIdentifier.objects.exists()


@override_settings(REGISTRATION_RATE="1/h")
def test_registrations_from_one_connection_are_limited(client):
    client.post(REGISTER, answers())
    client.post(CHECK)
    confirm(client)
    client.post("/accounts/logout/")
    client.post(
        REGISTER, answers(name="Second Org", admin_email="two@example.org", charity_number="")
    )
    response = client.post(CHECK)
    assert response.status_code == 429
    assert "Too many organisations have been registered from your connection" in (
        response.content.decode()
    )
    assert ProviderOrganisation.objects.count() == 1


def test_a_name_taken_at_the_same_moment_is_refused_by_the_database(monkeypatch):
    """Two visitors confirm the same name at once: both pass the checks, the database's
    unique constraint stops the second, and nothing of it is left behind."""
    monkeypatch.setattr(services, "provider_registration_check", lambda **answers: None)
    ProviderFactory(name="kirkby community transport")
    kept = {k: v for k, v in answers().items() if not k.startswith("password")}
    with pytest.raises(DomainError) as refused:
        services.provider_register(
            **kept, admin_password_hash="md5$salt$0123456789abcdef0123456789abcdef"
        )
    assert "is already registered" in refused.value.field_errors["name"][0]
    assert ProviderOrganisation.objects.count() == 1
    assert not User.objects.exists()
