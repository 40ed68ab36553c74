"""Complainants' personal data is removed once the retention period after closing passes."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from accountability.models import Complaint, ComplaintAttachment, PendingAttachment
from tests.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


def _attach(complaint):
    attachment = ComplaintAttachment(
        complaint=complaint, original_name="photo.png", content_type="image/png", size=4
    )
    attachment.file.save("photo.png", ContentFile(b"\x89PNG"), save=False)
    attachment.save()
    return attachment


def _run():
    out = StringIO()
    # Files are deleted once the transaction commits; the test's transaction never does.
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("anonymise_complaints", stdout=out)
    return out.getvalue()


@override_settings(COMPLAINT_RETENTION_DAYS=30)
def test_personal_data_and_attachments_of_old_closed_complaints_are_removed():
    now = timezone.now()
    old = ComplaintFactory(status="closed", closed_at=now - timedelta(days=31))
    recent = ComplaintFactory(status="closed", closed_at=now - timedelta(days=5))
    open_complaint = ComplaintFactory()
    old_file = _attach(old)
    _attach(recent)
    storage = old_file.file.storage
    old_name = old_file.file.name

    output = _run()
    assert "Removed personal data from 1 complaints" in output
    assert "deleted 1 attachments" in output

    old.refresh_from_db()
    assert old.is_anonymous
    assert old.personal_data_removed_at is not None
    assert not old.attachments.exists()
    assert not storage.exists(old_name)
    for kept in (recent, open_complaint):
        kept.refresh_from_db()
        assert kept.complainant_email == "pat@example.org"
    assert recent.attachments.count() == 1


@override_settings(COMPLAINT_RETENTION_DAYS=30)
def test_running_it_again_changes_nothing():
    ComplaintFactory(status="closed", closed_at=timezone.now() - timedelta(days=40))
    _run()
    removed_at = Complaint.objects.get().personal_data_removed_at
    assert "Removed personal data from 0 complaints; deleted 0 attachments" in _run()
    assert Complaint.objects.get().personal_data_removed_at == removed_at


def test_uploads_of_forms_never_sent_are_deleted_after_a_day():
    stale = PendingAttachment(
        session_key="abc", original_name="a.png", content_type="image/png", size=4
    )
    stale.file.save("a.png", ContentFile(b"\x89PNG"), save=False)
    stale.save()
    fresh = PendingAttachment.objects.create(
        session_key="def", original_name="b.png", content_type="image/png", size=4, file="x.png"
    )
    PendingAttachment.objects.filter(pk=stale.pk).update(
        uploaded_at=timezone.now() - timedelta(days=2)
    )
    assert "1 unsent uploads" in _run()
    assert list(PendingAttachment.objects.all()) == [fresh]
