"""A tender moves draft → published → closed → evaluation → awarded → contracted, or is
cancelled with a reason; every other move is refused with a clear message."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from commissioning import sealing
from commissioning.choices import TenderStatus
from commissioning.models import Tender
from commissioning.services import tenders as tender_services
from core.errors import DomainError, IllegalTransition, NotPermitted
from tests.factories import OfficerFactory, TenderFactory, published_tender, sealed_bid

pytestmark = pytest.mark.django_db


def _officer_of(tender):
    return OfficerFactory(commissioner=tender.commissioner)


def _pass_deadline(tender):
    past = timezone.now() - timedelta(minutes=1)
    Tender.objects.filter(pk=tender.pk).update(
        submission_deadline=past, clarification_deadline=past - timedelta(days=1)
    )


def test_a_draft_cannot_jump_to_evaluation():
    tender = TenderFactory()
    with pytest.raises(
        IllegalTransition, match="This tender is draft and cannot become in evaluation"
    ):
        tender_services.tender_start_evaluation(tender=tender, actor=_officer_of(tender))


def test_publishing_twice_is_refused_clearly():
    tender = published_tender()
    with pytest.raises(IllegalTransition, match="is open for bids and cannot become open for bids"):
        tender_services.tender_publish(tender=tender, actor=_officer_of(tender))


def test_cancelling_needs_a_reason_and_records_it_in_the_history(sign_in):
    tender = published_tender()
    officer = _officer_of(tender)
    response = sign_in(officer).post(f"/tendering/{tender.pk}/cancel/", {"reason": "  "})
    assert "Give the reason for cancelling" in response.content.decode()
    sign_in(officer).post(f"/tendering/{tender.pk}/cancel/", {"reason": "Budget withdrawn"})
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CANCELLED
    assert tender.cancellation_reason == "Budget withdrawn"
    assert tender.status_changes.last().reason == "Budget withdrawn"


def test_a_cancelled_tender_stays_cancelled():
    tender = published_tender()
    officer = _officer_of(tender)
    tender_services.tender_cancel(tender=tender, actor=officer, reason="Duplicate")
    with pytest.raises(IllegalTransition):
        tender_services.tender_cancel(tender=tender, actor=officer, reason="Again")


def test_an_officer_of_another_commissioner_cannot_act_on_the_tender():
    tender = published_tender()
    with pytest.raises(NotPermitted):
        tender_services.tender_cancel(tender=tender, actor=OfficerFactory(), reason="Not mine")


def test_closing_before_the_deadline_is_refused():
    tender = published_tender()
    with pytest.raises(DomainError, match="deadline has not passed"):
        tender_services.tender_close(tender=tender, actor=_officer_of(tender))


def test_the_close_job_closes_only_tenders_past_their_deadline_and_opens_their_bids():
    due, not_due = published_tender(), published_tender()
    bid = sealed_bid(lot=due.lots.first(), price="84000.50")
    _pass_deadline(due)
    call_command("close_due_tenders", verbosity=0)
    due.refresh_from_db()
    not_due.refresh_from_db()
    assert due.status == TenderStatus.CLOSED and due.bids_opened_at is not None
    assert not_due.status == TenderStatus.PUBLISHED
    bid.refresh_from_db()
    assert str(bid.opened_price) == "84000.50"
    assert sealing.open_bid_contents(bid)["price"] == bid.opened_price


def test_running_the_close_job_twice_changes_nothing_the_second_time():
    tender = published_tender()
    _pass_deadline(tender)
    assert tender_services.tenders_close_due() == 1
    changes = tender.status_changes.count()
    assert tender_services.tenders_close_due() == 0
    assert tender.status_changes.count() == changes


@pytest.mark.django_db(transaction=True)
def test_two_close_jobs_at_once_close_each_tender_exactly_once():
    tenders = [published_tender(lots=1) for _ in range(6)]
    for tender in tenders:
        _pass_deadline(tender)
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(tender_services.tenders_close_due(chunk_size=2))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 6
    for tender in tenders:
        assert tender.status_changes.filter(to_status=TenderStatus.CLOSED).count() == 1


def test_closing_tells_each_evaluator_the_bids_are_open():
    from core.models import OutboxMessage

    tender = published_tender(evaluators=2)
    sealed_bid(lot=tender.lots.first())
    _pass_deadline(tender)
    tender_services.tenders_close_due()
    messages = OutboxMessage.objects.filter(subject__startswith="Bids are open for evaluation")
    assert sorted(messages.values_list("to", flat=True)) == sorted(
        tender.panel_members.values_list("user__email", flat=True)
    )
    assert f"/tendering/{tender.pk}/evaluation/" in messages.first().body
    assert "1 bid(s)" in messages.first().body
