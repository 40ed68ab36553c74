"""Signed checkpoints of the audit chain's head: published on a public page and in the API,
verifiable by anyone with the public key, and made by thin Celery tasks on the beat."""

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from core import tasks
from core.models import AuditCheckpoint
from core.services import audit_record
from core.services_audit import audit_checkpoint_publish
from tests.audit import chain
from tests.factories import CommissionerFactory

pytestmark = pytest.mark.django_db


def _audited(count=3):
    commissioner = CommissionerFactory()
    for n in range(count):
        audit_record(actor=None, action="commissioner.updated", target=commissioner, after={"n": n})


def test_a_checkpoint_signs_the_chains_head_and_anyone_can_check_it(client):
    _audited()
    checkpoint = audit_checkpoint_publish()
    assert checkpoint.position == 3 and checkpoint.entry_hash == chain()[-1].entry_hash

    published = client.get("/api/v1/audit/checkpoints/").json()["results"][0]
    keys = {k["key_id"]: k for k in client.get("/api/v1/audit/keys/").json()}
    # Checked as the checkpoints page tells an outsider to: Ed25519 over the sorted, compact
    # JSON of issuer, position, entry_hash and created_at.
    message = json.dumps(
        {k: published[k] for k in ("issuer", "position", "entry_hash", "created_at")},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    public = Ed25519PublicKey.from_public_bytes(
        base64.b64decode(keys[published["key_id"]]["public_key"])
    )
    public.verify(base64.b64decode(published["signature"]), message)  # raises if forged
    assert published["position"] == 3
    assert published["issuer"] == settings.AUDIT_CHECKPOINT_ISSUER


def test_no_new_checkpoint_until_the_chain_moves():
    _audited()
    assert audit_checkpoint_publish() is not None
    assert audit_checkpoint_publish() is None
    _audited(1)
    assert audit_checkpoint_publish().position == 4
    assert AuditCheckpoint.objects.count() == 2


def test_checkpoints_page_is_public_and_shows_checkpoints_and_keys(client):
    _audited()
    checkpoint = audit_checkpoint_publish()
    page = client.get("/audit/checkpoints/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Audit log checkpoints" in body
    assert checkpoint.entry_hash in body and checkpoint.signature in body
    (key_id,) = client.get("/api/v1/audit/keys/").json()
    assert key_id["public_key"] in body


def test_checkpoints_in_the_api_need_no_key_and_accept_any(api):
    from tests.factories import OfficerFactory

    _audited()
    audit_checkpoint_publish()
    assert api.get("/api/v1/audit/checkpoints/").status_code == 200
    keyed = api.as_key(OfficerFactory(), "tenders:read")
    assert keyed.get("/api/v1/audit/checkpoints/").status_code == 200
    schema = api.anonymous().get("/api/schema/?format=json").json()
    assert "/api/v1/audit/checkpoints/" in schema["paths"]
    assert "/api/v1/audit/keys/" in schema["paths"]


def test_sealing_and_checkpoints_are_scheduled_and_their_tasks_do_the_work():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["audit-seal"]["task"] == "core.tasks.audit_seal"
    assert float(schedule["audit-seal"]["schedule"]) <= 60  # the head stays fresh
    assert schedule["audit-checkpoint"]["task"] == "core.tasks.audit_checkpoint"
    _audited(2)
    assert tasks.audit_seal.apply().get() == 2
    assert tasks.audit_checkpoint.apply().get() == 2


def test_deploy_check_refuses_a_production_without_the_audit_keys():
    from django.core.checks import run_checks

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "AUDIT_HMAC_KEYS", [])
        patch.setattr(settings, "AUDIT_CHECKPOINT_SIGNING_KEY", "")
        ids = {message.id for message in run_checks(include_deployment_checks=True)}
    assert {"audit.E001", "audit.E002"} <= ids


@pytest.mark.django_db(transaction=True)
def test_verify_follows_checkpoints_published_at_a_url(live_server, capsys):
    from django.core.management import call_command

    for _ in range(3):
        _audited(1)
        audit_checkpoint_publish()
    url = f"{live_server.url}/api/v1/audit/checkpoints/?page_size=1"
    call_command("verify_audit_chain", "--checkpoints", url)
    assert "matches 3 stored and 3 external signed checkpoint(s)" in capsys.readouterr().out
