"""A wrong BID_MASTER_KEY is a clear error everywhere, never a 500 or a failed chunk.

The key here is really wrong: another Fernet key, put in the settings as an operator would
put it in the environment (after restoring a database without its key, or after removing an
old key before re-wrapping the tenders' keys under the new one).
"""

import io
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from commissioning import sealing
from commissioning.models import Award, BidDocument, ContractReview, Tender
from commissioning.services.evaluation import conflict_declare
from commissioning.services.reviews import contract_reviews_create_due
from commissioning.services.tenders import tenders_close_due
from core.models import JobRun
from tests import worker as real_worker
from tests.factories import (
    ProviderAdminFactory,
    contract_due_for_review,
    published_tender,
    sealed_bid,
    tender_in_evaluation,
)

WRONG_KEY_TEXT = "key for sealed bids is wrong"


def _wrong_key() -> str:
    return Fernet.generate_key().decode()


def _href(page: str, pattern: str) -> str:
    found = re.search(rf'href="([^"]*{pattern})"', page)
    assert found, f"no link matching {pattern}"
    return found.group(1)


@pytest.fixture
def cleared_member():
    """A tender in evaluation with one bid carrying a document, and a panel member who
    declared no conflict, so the scoring and document pages open the bid."""
    tender, (bid,) = tender_in_evaluation(prices=("80000.00",), evaluators=1)
    BidDocument.objects.create(
        bid=bid,
        sealed_name=sealing.seal_bytes(tender, b"method-statement.pdf"),
        sealed_content=sealing.seal_bytes(tender, b"%PDF-1.4 our method"),
        content_type="application/pdf",
        size=19,
    )
    member = tender.panel_members.get().user
    conflict_declare(tender=tender, actor=member, has_conflict=False)
    return tender, member


def _assert_key_error_page(response, key):
    page = response.content.decode()
    assert response.status_code == 503, page[:500]
    assert "govuk-heading-l" in page
    assert "The bids cannot be opened" in page
    assert WRONG_KEY_TEXT in page
    assert key not in page and "InvalidToken" not in page and "Traceback" not in page


@pytest.mark.django_db
def test_the_scoring_page_says_the_service_key_is_wrong(client, settings, cleared_member):
    tender, member = cleared_member
    client.force_login(member)
    overview = client.get(f"/tendering/{tender.pk}/evaluation/").content.decode()
    score_url = _href(overview, "/score/")
    document_url = _href(client.get(score_url).content.decode(), r"/documents/[0-9a-f-]{36}/")
    settings.BID_MASTER_KEY = wrong = _wrong_key()

    _assert_key_error_page(client.get(score_url), wrong)
    _assert_key_error_page(client.get(document_url), wrong)


@pytest.mark.django_db
def test_a_bidder_reading_its_own_bid_sees_the_key_error(client, settings):
    tender = published_tender(lots=1)
    bidder = ProviderAdminFactory()
    sealed_bid(lot=tender.lots.get(), provider=bidder.provider)
    client.force_login(bidder)
    detail_url = _href(client.get("/bids/").content.decode(), r"/bids/[^/]+/")
    settings.BID_MASTER_KEY = wrong = _wrong_key()

    _assert_key_error_page(client.get(detail_url), wrong)


@pytest.mark.django_db
def test_the_evaluation_api_answers_503_in_its_error_shape(api, settings, cleared_member):
    tender, member = cleared_member
    api.as_key(member, "evaluations:read")
    url = f"/api/v1/tenders/{tender.pk}/evaluation/bids/"
    assert api.get(url).status_code == 200
    settings.BID_MASTER_KEY = wrong = _wrong_key()

    response = api.get(url)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["errors"] == {}
    assert WRONG_KEY_TEXT in body["detail"]
    assert wrong not in response.content.decode()


@pytest.mark.django_db
def test_publishing_without_a_bid_key_answers_503_not_500(api, settings):
    tender = published_tender(lots=1)
    Tender.objects.filter(pk=tender.pk).update(status="draft", published_at=None)
    tender.sealing_key.delete()
    settings.BID_MASTER_KEY = ""
    api.as_key(tender.created_by, "tenders:write")

    response = api.post(f"/api/v1/tenders/{tender.pk}/publish/")

    assert response.status_code == 503, response.content
    assert "key for sealed bids is not set" in response.json()["detail"]
    tender.refresh_from_db()
    assert tender.status == "draft"


# --- jobs: skip only what the key cannot open -----------------------------------------------


def _contract_with_sealed_winning_bid():
    tender, (bid,) = tender_in_evaluation(prices=("80000.00",), evaluators=1)
    award = Award.objects.create(
        lot=bid.lot,
        bid=bid,
        status="contracted",
        decided_by=tender.created_by,
        decided_at=timezone.now(),
        standstill_ends_at=timezone.now(),
    )
    return contract_due_for_review(tender=tender, lot=bid.lot, award=award, provider=bid.provider)


@pytest.mark.django_db
def test_the_reviews_job_skips_only_the_contracts_whose_bid_the_key_cannot_open(settings):
    current = settings.BID_MASTER_KEY
    retired = _wrong_key()
    settings.BID_MASTER_KEY = retired
    stranded = _contract_with_sealed_winning_bid()  # its tender's key under the retired key
    settings.BID_MASTER_KEY = current
    fine = _contract_with_sealed_winning_bid()
    plain = contract_due_for_review()  # no sealed bid to open
    due_on = stranded.next_review_on

    with pytest.raises(sealing.BidKeyUnusable) as refused:
        contract_reviews_create_due(chunk_size=10)

    reviewed = set(ContractReview.objects.values_list("contract_id", flat=True))
    assert reviewed == {fine.pk, plain.pk}
    assert ContractReview.objects.get(contract=fine).social_value_committed
    stranded.refresh_from_db()
    assert stranded.next_review_on == due_on  # still due: reviewed once the key is right
    run = JobRun.objects.get(job="contract_reviews")
    assert run.rows_processed == 2
    assert stranded.reference in run.errors and "BID_MASTER_KEY" in run.errors
    assert stranded.reference in str(refused.value)

    settings.BID_MASTER_KEY = f"{current},{retired}"
    assert contract_reviews_create_due() == 1
    assert ContractReview.objects.get(contract=stranded).social_value_committed


@pytest.mark.django_db
def test_closing_tenders_skips_only_the_tender_the_key_cannot_open(settings):
    current = settings.BID_MASTER_KEY
    settings.BID_MASTER_KEY = _wrong_key()
    stranded = published_tender(lots=1)
    sealed_bid(lot=stranded.lots.get())
    settings.BID_MASTER_KEY = current
    fine = published_tender(lots=1)
    sealed_bid(lot=fine.lots.get())
    past = timezone.now() - timedelta(minutes=1)
    Tender.objects.filter(pk__in=[stranded.pk, fine.pk]).update(
        clarification_deadline=past - timedelta(minutes=1), submission_deadline=past
    )

    with pytest.raises(sealing.BidKeyUnusable) as refused:
        tenders_close_due()

    fine.refresh_from_db()
    stranded.refresh_from_db()
    assert fine.status == "closed" and fine.bids_opened_at is not None
    assert stranded.status == "published" and stranded.bids_opened_at is None
    assert stranded.reference in str(refused.value)


# --- a worker refuses to start with a key that cannot open the bids -------------------------


def _worker_outcome(bid_master_key: str, *, seconds: float = 120) -> tuple[int | None, str]:
    """Starts a real worker with this key; returns its exit code and what it wrote on stderr
    (where Celery logs too), or None for the code if it started serving instead (it is then
    stopped)."""
    queue = f"test-keys-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicmarkets.settings.test",
        "DATABASE_URL": real_worker.test_database_url(),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "BID_MASTER_KEY": bid_master_key,
    }
    command = [sys.executable, "-m", "celery", "-A", "civicmarkets", "worker", "-Q", queue]
    command += ["--pool", "solo", "-l", "info", "--without-gossip", "--without-mingle"]
    command += ["--without-heartbeat"]
    with tempfile.TemporaryFile("w+") as log:
        worker = subprocess.Popen(
            command, cwd=real_worker.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True
        )
        deadline = time.monotonic() + seconds
        code = None
        try:
            while time.monotonic() < deadline:
                code = worker.poll()
                log.seek(0)
                if code is not None or " ready." in log.read():
                    break
                time.sleep(0.2)
        finally:
            if code is None:
                worker.terminate()
                worker.wait(timeout=30)
        log.seek(0)
        return code, log.read()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("key", "explanation"),
    [
        ("wrong", "cannot open the sealing keys of the tenders"),
        ("not-a-fernet-key", "not a valid Fernet key"),
    ],
)
def test_a_worker_refuses_to_start_with_a_key_that_cannot_open_the_bids(key, explanation):
    published_tender(lots=1)  # committed: the worker's check finds its wrapped key
    configured = _wrong_key() if key == "wrong" else key

    code, stderr = _worker_outcome(configured)

    assert code is not None, f"the worker started with a bad key:\n{stderr[-2000:]}"
    assert code != 0
    assert "BID_MASTER_KEY" in stderr and explanation in stderr
    assert configured not in stderr
    assert "Traceback" not in stderr


@pytest.mark.django_db
def test_the_jobs_commands_say_what_is_wrong_without_a_traceback(settings):
    from django.core.management import CommandError, call_command

    stranded = _contract_with_sealed_winning_bid()
    closing = published_tender(lots=1)
    sealed_bid(lot=closing.lots.get())
    past = timezone.now() - timedelta(minutes=1)
    Tender.objects.filter(pk=closing.pk).update(
        clarification_deadline=past - timedelta(minutes=1), submission_deadline=past
    )
    settings.BID_MASTER_KEY = _wrong_key()

    for command, named in (("contract_reviews", stranded), ("close_due_tenders", closing)):
        with pytest.raises(CommandError) as refused:
            call_command(command, stdout=io.StringIO(), stderr=io.StringIO())
        assert "BID_MASTER_KEY cannot open" in str(refused.value)
        assert named.reference in str(refused.value)
