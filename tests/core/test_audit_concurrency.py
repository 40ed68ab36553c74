"""Audited writes run side by side: nothing serialises them, a long transaction holds up
nobody, and the sealer still makes one complete, ordered, verifiable chain. Real PostgreSQL,
several connections (one per thread)."""

import random
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from core.models import AuditEntry
from core.services import audit_record, audit_record_many
from core.services_audit import audit_seal
from tests.audit import chain, seal_everything
from tests.factories import CommissionerFactory

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 8
TRANSACTIONS_EACH = 15


def _in_threads(work, count):
    failures = []

    def run(n):
        try:
            work(n)
        except Exception as error:  # reported by the test
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads, failures


def test_many_audited_writes_at_once_make_one_complete_ordered_chain():
    commissioners = [CommissionerFactory() for _ in range(WRITERS)]
    writing = threading.Event()
    writing.set()

    def writer(n):
        for t in range(TRANSACTIONS_EACH):
            with transaction.atomic():
                # 1 to 3 entries per transaction, one at a time or in bulk, as services do.
                size = random.randint(1, 3)
                if t % 2:
                    audit_record_many(
                        actor=None,
                        action="commissioner.updated",
                        changes=[(commissioners[n], {"w": n, "t": t, "i": i}) for i in range(size)],
                    )
                else:
                    for i in range(size):
                        audit_record(
                            actor=None,
                            action="commissioner.updated",
                            target=commissioners[n],
                            after={"w": n, "t": t, "i": i},
                        )
                time.sleep(random.random() / 100)

    def sealer(_):
        # Two sealers race the writers (and each other) the whole time.
        while writing.is_set():
            audit_seal()
            time.sleep(0.01)

    sealers, sealer_failures = _in_threads(sealer, 2)
    writers, failures = _in_threads(writer, WRITERS)
    for thread in writers:
        thread.join(timeout=120)
    writing.clear()
    for thread in sealers:
        thread.join(timeout=60)
    assert failures == [] and sealer_failures == []
    seal_everything()

    written = AuditEntry.objects.count()
    entries = chain()
    assert len(entries) == written  # complete: every committed entry is chained, once
    assert [e.position for e in entries] == list(range(1, written + 1))
    # Each transaction's entries sit together, in the order they were written.
    by_transaction: dict[tuple, list] = {}
    for entry in entries:
        by_transaction.setdefault((entry.after["w"], entry.after["t"]), []).append(entry)
    assert len(by_transaction) == WRITERS * TRANSACTIONS_EACH
    for group in by_transaction.values():
        positions = [e.position for e in group]
        assert positions == list(range(positions[0], positions[0] + len(group)))
        assert [e.after["i"] for e in group] == list(range(len(group)))
    call_command("verify_audit_chain", "--no-seal")


def test_a_long_transaction_holds_up_neither_other_audited_writes_nor_their_sealing():
    commissioner = CommissionerFactory()
    started, finish = threading.Event(), threading.Event()

    def long_transaction(_):
        # An admin session or a slow job: it writes an audit entry, then stays open.
        with transaction.atomic():
            audit_record(actor=None, action="slow.job", target=commissioner)
            started.set()
            finish.wait(timeout=60)

    threads, failures = _in_threads(long_transaction, 1)
    assert started.wait(timeout=30)
    try:
        began = time.monotonic()
        for n in range(5):
            with transaction.atomic():
                audit_record(
                    actor=None, action="commissioner.updated", target=commissioner, after={"n": n}
                )
        writing_took = time.monotonic() - began
        audit_seal()
        sealed_while_open = [e.action for e in chain()]
    finally:
        finish.set()
        threads[0].join(timeout=30)
    assert failures == []
    assert writing_took < 5, f"five audited writes took {writing_took:.1f}s"
    assert sealed_while_open == ["commissioner.updated"] * 5
    seal_everything()
    assert [e.action for e in chain()] == ["commissioner.updated"] * 5 + ["slow.job"]
    call_command("verify_audit_chain", "--no-seal")


def test_checking_the_chain_while_it_grows_raises_no_false_alarm():
    from core.selectors import audit_chain_check

    commissioner = CommissionerFactory()
    growing = threading.Event()
    growing.set()

    def write_and_seal(_):
        n = 0
        while growing.is_set():
            audit_record(actor=None, action="commissioner.updated", target=commissioner)
            n += 1
            if n % 3 == 0:
                audit_seal()

    threads, failures = _in_threads(write_and_seal, 2)
    try:
        problems = []
        for _ in range(15):
            problems += audit_chain_check().problems
            time.sleep(0.02)
    finally:
        growing.clear()
        for thread in threads:
            thread.join(timeout=60)
    assert failures == []
    assert problems == []
