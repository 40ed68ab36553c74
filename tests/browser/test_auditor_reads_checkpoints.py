"""An auditor finds the audit log's checkpoints from any page's footer, axe-checked."""

import pytest
from playwright.sync_api import expect

from core.services import audit_record
from core.services_audit import audit_checkpoint_publish
from tests.factories import CommissionerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_auditor_reads_the_signed_checkpoints_and_the_public_key(journey):
    commissioner = CommissionerFactory()
    for n in range(3):
        audit_record(actor=None, action="commissioner.updated", target=commissioner, after={"n": n})
    checkpoint = audit_checkpoint_publish()

    page = journey.page
    page.goto("/")
    journey.check()
    page.get_by_role("link", name="Audit log checkpoints").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log checkpoints")
    expect(page.get_by_role("heading", name="Public keys")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=checkpoint.entry_hash)
    expect(row).to_contain_text(str(checkpoint.position))
    journey.check()
