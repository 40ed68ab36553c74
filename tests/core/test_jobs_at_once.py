"""Every job that emails or raises events, run twice at once, one run reading before the other
commits (tests/concurrency.py holds it inside PostgreSQL): each email and each event once.

The renewals job has its own such tests (tests/commissioning/test_renewal_job.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accountability.services.handling import complaints_sweep_overdue
from commissioning.choices import TenderStatus
from commissioning.models import Tender
from commissioning.services.tenders import tenders_close_due
from core.models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from tests.concurrency import one_run_reads_before_the_other_commits
from tests.factories import ComplaintFactory, ManagerFactory, ProviderAdminFactory, published_tender

pytestmark = pytest.mark.django_db(transaction=True)


def test_closing_tenders_twice_at_once_tells_each_evaluator_and_subscriber_once():
    owner = ProviderAdminFactory()
    hook = WebhookEndpoint.objects.create(
        provider=owner.provider,
        url="https://1.1.1.1/hooks",
        events=["tender.closed"],
        secret="whsec_test",
        created_by=owner,
    )
    tenders = [published_tender(lots=1) for _ in range(3)]
    Tender.objects.update(
        submission_deadline=timezone.now() - timedelta(minutes=1),
        clarification_deadline=timezone.now() - timedelta(days=1),
    )

    errors = one_run_reads_before_the_other_commits("commissioning_tender", tenders_close_due)

    assert errors == []
    assert set(Tender.objects.values_list("status", flat=True)) == {TenderStatus.CLOSED}
    for tender in tenders:
        evaluator = tender.panel_members.get().user
        assert OutboxMessage.objects.filter(to=evaluator.email).count() == 1
    closed = [
        d.payload["data"]["tender"]["id"] for d in WebhookDelivery.objects.filter(endpoint=hook)
    ]
    assert sorted(closed) == sorted(t.pk for t in tenders)


def test_the_overdue_sweep_twice_at_once_tells_each_manager_of_each_complaint_once():
    today = timezone.localdate()
    late = [
        ComplaintFactory(
            acknowledge_due_on=today - timedelta(days=2), response_due_on=today - timedelta(1)
        )
        for _ in range(3)
    ]
    managers = [ManagerFactory(commissioner=complaint.commissioner) for complaint in late]

    errors = one_run_reads_before_the_other_commits(
        "accountability_complaint", complaints_sweep_overdue
    )

    assert errors == []
    for complaint, manager in zip(late, managers, strict=True):
        body = "".join(
            OutboxMessage.objects.filter(to=manager.email).values_list("body", flat=True)
        )
        assert body.count(complaint.reference) == 1
