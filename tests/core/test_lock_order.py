"""Writes that touch the same rows at once never deadlock: the platform takes row locks in
one order (core.locking) and locks only the rows it means to (`of=("self",)`)."""

import threading

import pytest
from django.db import connection

from accountability.models import Complaint
from accountability.services.complaints import complaint_submit
from commissioning.models import Bid
from commissioning.services.bids import bid_update
from tests.factories import ContractFactory, ProviderFactory, published_tender, sealed_bid

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 30


def _at_once(*work):
    """Runs each callable in a thread of its own (so each has its own database connection),
    released together; returns the exceptions they raised."""
    gate = threading.Barrier(len(work))
    failures = []

    def run(job):
        try:
            gate.wait()
            job()
        except Exception as error:  # the test reports whatever went wrong, deadlocks above all
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return failures


def test_a_complaint_and_a_bid_change_about_one_provider_never_deadlock():
    # The bid edit used to lock the provider's row with the bid's (select_related without
    # `of`) and then wait for the audit log's lock, while the complaint held that lock and
    # needed a key-share lock on the same provider row to commit.
    provider = ProviderFactory()
    contract = ContractFactory(provider=provider)
    lot = published_tender(lots=1).lots.get()
    bid = sealed_bid(lot=lot, provider=provider)
    bidder = bid.submitted_by
    answers = {str(c.pk): "Our answer" for c in lot.tender.criteria.exclude(kind="price")}

    def complain(n):
        return lambda: complaint_submit(
            contract=contract, category="quality", description=f"Round {n}: nobody came."
        )

    def change_bid(n):
        return lambda: bid_update(
            bid=Bid.objects.get(pk=bid.pk),
            actor=bidder,
            price=f"{100000 + n}",
            answers=answers,
            partners=[],
        )

    failures = []
    for n in range(ROUNDS):
        failures += _at_once(complain(n), change_bid(n))
    assert failures == []
    assert Complaint.objects.filter(contract=contract).count() == ROUNDS


def test_every_row_lock_in_the_code_names_the_rows_it_locks():
    # `select_for_update()` with `select_related` locks every joined row as well; the code
    # says `of=("self",)` (or names the tables) every time, so a join never locks by accident.
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    unnamed, seen = [], 0
    for path in root.glob("[!.]*/**/*.py"):
        if path.parts[len(root.parts)] in ("tests", "node_modules", "var"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "select_for_update"
            ):
                seen += 1
                if not any(keyword.arg == "of" for keyword in node.keywords):
                    unnamed.append(f"{path.relative_to(root)}:{node.lineno}")
    assert seen > 30  # the walk found the services' locks
    assert unnamed == []
