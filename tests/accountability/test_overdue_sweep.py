"""The hourly sweep flags complaints past their due date and tells the managers, once."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accountability.choices import ComplaintStatus
from accountability.models import Complaint
from accountability.services.handling import complaints_sweep_overdue
from accountability.tasks import complaint_overdue_sweep
from core.models import OutboxMessage
from tests.factories import ComplaintFactory, ContractFactory, ManagerFactory, OfficerFactory
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _late(**fields):
    today = timezone.localdate()
    return ComplaintFactory(
        acknowledge_due_on=today - timedelta(days=2),
        response_due_on=today - timedelta(days=1),
        **fields,
    )


def test_sweep_flags_overdue_complaints_and_emails_each_active_manager_once():
    late = _late()
    manager = ManagerFactory(commissioner=late.commissioner, email="boss@council.example")
    ManagerFactory(commissioner=late.commissioner, is_active=False)
    OfficerFactory(commissioner=late.commissioner)
    ManagerFactory()  # another commissioner's manager

    assert complaints_sweep_overdue() == 1

    late.refresh_from_db()
    assert late.overdue_flagged_at is not None
    assert late.escalated_to_manager_at is not None
    email = OutboxMessage.objects.get()
    assert email.to == manager.email
    assert late.reference in email.body
    assert "/accountability/complaints/?overdue=on" in email.body


def test_a_second_sweep_changes_nothing():
    late = _late()
    ManagerFactory(commissioner=late.commissioner)
    complaints_sweep_overdue()
    late.refresh_from_db()
    first = (late.overdue_flagged_at, late.escalated_to_manager_at, late.updated_at)

    assert complaints_sweep_overdue() == 0

    late.refresh_from_db()
    assert (late.overdue_flagged_at, late.escalated_to_manager_at, late.updated_at) == first
    assert OutboxMessage.objects.count() == 1


def test_sweep_leaves_complaints_on_time_responded_or_closed():
    today = timezone.localdate()
    due_today = ComplaintFactory(acknowledge_due_on=today, response_due_on=today)
    acknowledged_in_time = ComplaintFactory(
        status=ComplaintStatus.ACKNOWLEDGED,
        acknowledge_due_on=today - timedelta(days=3),
        response_due_on=today + timedelta(days=3),
    )
    responded = _late(status=ComplaintStatus.RESPONDED)
    closed = _late(status=ComplaintStatus.CLOSED)
    late_acknowledgement = ComplaintFactory(acknowledge_due_on=today - timedelta(days=1))

    assert complaints_sweep_overdue() == 1

    flagged = set(
        Complaint.objects.filter(overdue_flagged_at__isnull=False).values_list("pk", flat=True)
    )
    assert flagged == {late_acknowledgement.pk}
    for complaint in (due_today, acknowledged_in_time, responded, closed):
        assert complaint.pk not in flagged


def test_sweep_works_in_chunks_until_every_overdue_complaint_is_flagged():
    contract = ContractFactory()
    ManagerFactory(commissioner=contract.commissioner)
    for _ in range(5):
        _late(contract=contract)

    assert complaints_sweep_overdue(chunk_size=2) == 5
    assert not Complaint.objects.filter(overdue_flagged_at__isnull=True).exists()
    # One email per manager per chunk: three chunks of 2, 2 and 1.
    assert OutboxMessage.objects.count() == 3


def test_sweep_makes_the_same_queries_for_2_complaints_and_20():
    def sweep_of(count, commissioners):
        contracts = [ContractFactory() for _ in range(commissioners)]
        for contract in contracts:
            ManagerFactory.create_batch(2, commissioner=contract.commissioner)
        for n in range(count):
            _late(contract=contracts[n % commissioners])
        return count_queries(complaints_sweep_overdue, chunk_size=500)

    few, many = sweep_of(2, commissioners=1), sweep_of(20, commissioners=4)
    assert few == many > 0
    assert not Complaint.objects.filter(overdue_flagged_at__isnull=True).exists()
    assert OutboxMessage.objects.count() == 2 + 8


def test_the_sweep_runs_as_a_command_and_a_task_on_the_hourly_schedule(settings):
    _late()
    call_command("complaint_overdue_sweep")
    assert not Complaint.objects.filter(overdue_flagged_at__isnull=True).exists()
    _late()
    assert complaint_overdue_sweep.apply().get() == 1

    entry = settings.CELERY_BEAT_SCHEDULE["complaint-overdue-sweep"]
    assert entry["task"] == complaint_overdue_sweep.name
    assert str(entry["schedule"]) == "<crontab: 7 * * * * (m/h/dM/MY/d)>"


def test_an_overdue_stage_2_review_is_flagged_and_escalated_again():
    review = _late(stage=2, escalated_to_manager_at=timezone.now() - timedelta(days=30))
    ManagerFactory(commissioner=review.commissioner)

    assert complaints_sweep_overdue() == 1

    review.refresh_from_db()
    assert review.overdue_flagged_at is not None
    assert review.escalated_to_manager_at > timezone.now() - timedelta(minutes=5)
    assert OutboxMessage.objects.count() == 1
