"""Providers ask questions about a tender before its clarification deadline; the officer
answers and publishes each answer to everyone; nobody else ever learns who asked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commissioning.choices import TenderStatus
from commissioning.models import Clarification
from commissioning.services.clarifications import clarification_answer, clarification_ask
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry
from providers.models import ProviderExclusion
from tests.factories import (
    BidWriterFactory,
    ClarificationFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
    StaffFactory,
    TenderFactory,
    published_tender,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _ask_url(tender):
    return f"/tenders/{tender.pk}/questions/new/"


def _list_url(tender):
    return f"/tendering/{tender.pk}/clarifications/"


def _answer_url(clarification):
    return f"/tendering/{clarification.tender_id}/clarifications/{clarification.pk}/answer/"


def _officer_of(tender):
    return OfficerFactory(commissioner=tender.commissioner)


# --- asking -------------------------------------------------------------------------------


def test_provider_asks_a_question_and_sees_it_waiting_on_the_tender_page(sign_in):
    tender = published_tender(lots=1)
    writer = BidWriterFactory()
    client = sign_in(writer)
    assert "Ask a question" in client.get(f"/tenders/{tender.pk}/").content.decode()

    response = client.post(
        _ask_url(tender), {"question": "Can two charities bid together?"}, follow=True
    )
    page = response.content.decode()
    assert "Your question has been sent" in page
    assert "Your organisation's questions awaiting an answer" in page
    assert "Can two charities bid together?" in page
    clarification = Clarification.objects.get()
    assert clarification.asked_by == writer
    assert clarification.asked_by_provider == writer.provider
    assert clarification.published_at is None
    assert AuditEntry.objects.filter(action="clarification.asked", actor=writer).exists()


def test_an_unverified_provider_may_ask_too(sign_in):
    tender = published_tender(lots=1)
    admin = ProviderAdminFactory(provider=ProviderFactory(verification_status="unverified"))
    sign_in(admin).post(_ask_url(tender), {"question": "Is TUPE likely to apply?"})
    assert Clarification.objects.filter(asked_by=admin).exists()


def test_unanswered_questions_are_seen_only_by_the_organisation_that_asked(client, sign_in):
    tender = published_tender(lots=1)
    ClarificationFactory(tender=tender, question="Our private worry about staffing")
    assert "Our private worry" not in client.get(f"/tenders/{tender.pk}/").content.decode()
    rival = sign_in(ProviderAdminFactory())
    assert "Our private worry" not in rival.get(f"/tenders/{tender.pk}/").content.decode()


def test_question_asked_after_the_deadline_is_refused_and_nothing_is_saved(sign_in):
    now = timezone.now()
    tender = published_tender(
        lots=1,
        clarification_deadline=now - timedelta(hours=1),
        submission_deadline=now + timedelta(days=10),
    )
    client = sign_in(ProviderAdminFactory())
    assert "The deadline for questions has passed" in (
        client.get(f"/tenders/{tender.pk}/").content.decode()
    )
    assert "Questions about this tender have closed" in (
        client.get(_ask_url(tender)).content.decode()
    )

    response = client.post(_ask_url(tender), {"question": "Too late to ask this?"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert 'href="#id_question"' in page
    assert "The deadline for questions was" in page
    assert "questions can no longer be asked" in page
    assert "Too late to ask this?" in page  # what was typed is kept
    assert not Clarification.objects.exists()
    assert not AuditEntry.objects.filter(action="clarification.asked").exists()


def test_the_deadline_is_judged_by_the_database_clock(monkeypatch):
    tender = published_tender(lots=1)
    admin = ProviderAdminFactory()
    past_deadline = tender.clarification_deadline + timedelta(seconds=1)
    monkeypatch.setattr("commissioning.services.clarifications.db_now", lambda: past_deadline)
    with pytest.raises(DomainError, match="The deadline for questions was"):
        clarification_ask(tender=tender, actor=admin, question="Am I in time?")


def test_questions_stop_once_the_tender_closes(sign_in):
    tender = published_tender(lots=1)
    tender.status = TenderStatus.CLOSED
    tender.save()
    response = sign_in(ProviderAdminFactory()).post(_ask_url(tender), {"question": "Still open?"})
    assert "This tender is closed: questions can no longer be asked" in response.content.decode()
    assert not Clarification.objects.exists()


def test_an_empty_question_is_refused_with_a_clear_message(sign_in):
    tender = published_tender(lots=1)
    response = sign_in(ProviderAdminFactory()).post(_ask_url(tender), {"question": "   "})
    page = response.content.decode()
    assert 'href="#id_question"' in page and "Enter your question" in page
    assert not Clarification.objects.exists()


def test_an_excluded_provider_may_not_ask(sign_in):
    tender = published_tender(lots=1)
    admin = ProviderAdminFactory()
    today = timezone.localdate()
    ProviderExclusion.objects.create(
        provider=admin.provider,
        reason="Debarred",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=300),
        recorded_by=StaffFactory(),
    )
    client = sign_in(admin)
    assert "Ask a question" not in client.get(f"/tenders/{tender.pk}/").content.decode()
    response = client.post(_ask_url(tender), {"question": "May we?"})
    assert response.status_code == 403
    assert "excluded" in response.content.decode()
    assert not Clarification.objects.exists()


def test_anonymous_visitors_are_asked_to_sign_in_to_ask(client):
    tender = published_tender(lots=1)
    assert "Sign in to ask a question" in client.get(f"/tenders/{tender.pk}/").content.decode()
    response = client.post(_ask_url(tender), {"question": "Hello?"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Clarification.objects.exists()


def test_officers_do_not_ask_questions_of_tenders(sign_in):
    tender = published_tender(lots=1)
    client = sign_in(_officer_of(tender))
    assert "Ask a question" not in client.get(f"/tenders/{tender.pk}/").content.decode()
    assert client.post(_ask_url(tender), {"question": "Hmm?"}).status_code == 403
    assert not Clarification.objects.exists()


def test_nobody_can_ask_about_a_draft_it_looks_missing(sign_in):
    draft = TenderFactory()
    response = sign_in(ProviderAdminFactory()).post(_ask_url(draft), {"question": "What is it?"})
    assert response.status_code == 404
    with pytest.raises(DomainError):
        clarification_ask(tender=draft, actor=ProviderAdminFactory(), question="What is it?")
    assert not Clarification.objects.exists()


# --- answering ----------------------------------------------------------------------------


def test_officer_sees_every_question_with_who_asked(sign_in):
    tender = published_tender(lots=1)
    ClarificationFactory(tender=tender, question="First question", asked_by_provider__name="Ask Co")
    ClarificationFactory(tender=tender, question="Second question")
    page = sign_in(_officer_of(tender)).get(_list_url(tender)).content.decode()
    assert "First question" in page and "Second question" in page
    assert "Ask Co" in page
    assert "Awaiting answer" in page


def test_officer_answers_and_publishes_and_everyone_sees_it_without_the_asker(client, sign_in):
    tender = published_tender(lots=1)
    asker = ProviderAdminFactory(
        full_name="Alice Asker", provider__name="Tell-Tale Charity", email="alice@telltale.example"
    )
    clarification = clarification_ask(
        tender=tender, actor=asker, question="Is the budget per year or in total?"
    )
    officer = _officer_of(tender)
    response = sign_in(officer).post(
        _answer_url(clarification),
        {"answer": "The value is for the whole term.", "publish": "on"},
        follow=True,
    )
    assert "Your answer has been published to every provider" in response.content.decode()
    clarification.refresh_from_db()
    assert clarification.published_at is not None
    assert clarification.answered_by == officer
    assert AuditEntry.objects.filter(action="clarification.published", actor=officer).exists()

    client.logout()
    for viewer in (client, sign_in(ProviderAdminFactory())):
        page = viewer.get(f"/tenders/{tender.pk}/").content.decode()
        assert "Is the budget per year or in total?" in page
        assert "The value is for the whole term." in page
        for identity in ("Alice Asker", "Tell-Tale Charity", "alice@telltale.example"):
            assert identity not in page
        viewer.logout()


def test_an_answer_saved_without_publishing_stays_private(client, sign_in):
    clarification = ClarificationFactory(question="Private until published?")
    sign_in(_officer_of(clarification.tender)).post(
        _answer_url(clarification), {"answer": "Draft answer."}
    )
    clarification.refresh_from_db()
    assert clarification.answer == "Draft answer." and clarification.published_at is None
    client.logout()
    page = client.get(f"/tenders/{clarification.tender_id}/").content.decode()
    assert "Draft answer." not in page and "Private until published?" not in page


def test_an_empty_answer_is_refused_and_nothing_is_published(sign_in):
    clarification = ClarificationFactory()
    response = sign_in(_officer_of(clarification.tender)).post(
        _answer_url(clarification), {"answer": "", "publish": "on"}
    )
    page = response.content.decode()
    assert "<title>Error: " in page
    assert 'href="#id_answer"' in page and "Enter your answer" in page
    clarification.refresh_from_db()
    assert clarification.published_at is None


def test_a_published_answer_cannot_be_changed(sign_in):
    clarification = ClarificationFactory(answer="Final.", published_at=timezone.now())
    officer = _officer_of(clarification.tender)
    with pytest.raises(DomainError, match="already published"):
        clarification_answer(clarification=clarification, actor=officer, answer="Changed.")
    response = sign_in(officer).post(_answer_url(clarification), {"answer": "Changed."})
    assert response.status_code == 302
    clarification.refresh_from_db()
    assert clarification.answer == "Final."


def test_answers_cannot_be_published_once_the_tender_has_closed(sign_in):
    clarification = ClarificationFactory()
    tender = clarification.tender
    tender.status = TenderStatus.CLOSED
    tender.save()
    response = sign_in(_officer_of(tender)).post(
        _answer_url(clarification), {"answer": "Late answer.", "publish": "on"}
    )
    assert "answers can be published only while it is open for bids" in response.content.decode()
    clarification.refresh_from_db()
    assert clarification.published_at is None


# --- who may see the officer's pages ------------------------------------------------------


@pytest.mark.parametrize("page", ["list", "answer"])
def test_officer_of_another_commissioner_finds_the_pages_missing(sign_in, page):
    clarification = ClarificationFactory()
    url = _list_url(clarification.tender) if page == "list" else _answer_url(clarification)
    client = sign_in(OfficerFactory())
    assert client.get(url).status_code == 404
    assert client.post(_answer_url(clarification), {"answer": "Meddling"}).status_code == 404
    clarification.refresh_from_db()
    assert clarification.answer == ""


def test_another_commissioners_officer_cannot_answer_through_the_service():
    clarification = ClarificationFactory()
    with pytest.raises(NotPermitted):
        clarification_answer(clarification=clarification, actor=OfficerFactory(), answer="No")


@pytest.mark.parametrize("page", ["list", "answer"])
def test_providers_find_the_officers_pages_missing(sign_in, page):
    clarification = ClarificationFactory()
    url = _list_url(clarification.tender) if page == "list" else _answer_url(clarification)
    client = sign_in(clarification.asked_by)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("page", ["list", "answer"])
def test_anonymous_visitors_are_sent_to_sign_in_from_the_officers_pages(client, page):
    clarification = ClarificationFactory()
    url = _list_url(clarification.tender) if page == "list" else _answer_url(clarification)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_platform_staff_may_see_but_not_answer(sign_in):
    clarification = ClarificationFactory()
    response = sign_in(StaffFactory()).get(_list_url(clarification.tender))
    assert response.status_code == 403
    assert "Only your organisation" in response.content.decode()


def test_a_question_from_another_tender_cannot_be_answered_through_this_one(sign_in):
    mine, theirs = ClarificationFactory(), ClarificationFactory()
    url = f"/tendering/{mine.tender_id}/clarifications/{theirs.pk}/answer/"
    assert sign_in(_officer_of(mine.tender)).get(url).status_code == 404


def test_officers_question_list_makes_the_same_number_of_queries_for_2_or_20(sign_in):
    tender = published_tender(lots=1)
    client = sign_in(_officer_of(tender))
    for _ in range(2):
        ClarificationFactory(tender=tender)
    small = count_queries(client.get, _list_url(tender))
    for _ in range(18):
        ClarificationFactory(tender=tender, answer="An answer", published_at=timezone.now())
    assert 0 < count_queries(client.get, _list_url(tender)) == small
