"""The complaint form's uploads: limited per client address, and removed soon after when the
complaint is never sent (the anonymous form must not be free storage)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from accountability.models import PendingAttachment
from accountability.tasks import remove_abandoned_uploads
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _start(client):
    contract = ContractFactory()
    client.get(reverse("public:complaint_service"), {"contract": contract.pk})
    client.post(
        reverse("public:complaint_what"),
        {"category": "missed_service", "description": "Nobody came on Monday."},
    )
    client.post(reverse("public:complaint_when"), {})


def _upload(client, name="bruise.png"):
    return client.post(
        reverse("public:complaint_files"),
        {"file": SimpleUploadedFile(name, PNG), "action": "upload"},
    )


@override_settings(COMPLAINT_UPLOAD_RATE="3/h")
def test_uploads_are_limited_per_client_address(client):
    _start(client)

    answers = [_upload(client, f"photo{n}.png").status_code for n in range(4)]

    assert answers == [302, 302, 302, 429]
    assert PendingAttachment.objects.count() == 3
    # Going on without a file is not an upload, and is never refused.
    assert client.post(reverse("public:complaint_files"), {"action": "continue"}).status_code == 302


def test_abandoned_uploads_are_removed_with_their_files_and_recent_ones_kept(client):
    _start(client)
    _upload(client, "old.png")
    _upload(client, "recent.png")
    old = PendingAttachment.objects.get(original_name="old.png")
    recent = PendingAttachment.objects.get(original_name="recent.png")
    PendingAttachment.objects.filter(pk=old.pk).update(
        uploaded_at=timezone.now()
        - timedelta(minutes=settings.COMPLAINT_UPLOAD_KEEP_MINUTES, seconds=5)
    )
    storage = old.file.storage
    assert storage.exists(old.file.name)

    out = StringIO()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("remove_abandoned_uploads", stdout=out)

    assert "1 abandoned upload(s) removed" in out.getvalue()
    assert list(PendingAttachment.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not storage.exists(old.file.name)
    assert storage.exists(recent.file.name)


def test_the_removal_runs_every_quarter_of_an_hour():
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "accountability.tasks.remove_abandoned_uploads"
    )
    assert entry["schedule"].minute == {0, 15, 30, 45}
    assert remove_abandoned_uploads.name == entry["task"]


def test_the_files_page_says_how_long_uploads_are_kept(client):
    _start(client)
    page = client.get(reverse("public:complaint_files")).content.decode()
    assert "We keep the files you add for 2 hours" in page
