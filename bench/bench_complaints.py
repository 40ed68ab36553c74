"""Complaints from 50 citizens at once: every accepted complaint is stored exactly once.

Each simulated citizen is a thread with its own Django test Client (its own session and
database connection) and its own client address, and walks the whole form up to "Send
complaint", a bounded number of times (10 each, the per-address limit an hour). A marker
fresh for each run goes into every description, so this run's complaints can be counted
whatever earlier runs left in the bench database.
"""

import random
import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.db.models import Count
from django.test import Client

from accountability.models import Complaint
from accountability.services.complaints import OPEN_CONTRACT_STATUSES
from bench.common import Row
from commissioning.models import Contract

CLIENTS = 50
PER_CLIENT = 10  # the submission limit per address an hour
REFERENCE = re.compile(rb"CMP-\d{4}-\d{6}")


def _citizen(number: int, *, contract_id: int, marker: str, count: int, subnet: str):
    client = Client(REMOTE_ADDR=f"10.{subnet}.{number // 250}.{number % 250 + 1}")
    accepted, references, refused = 0, [], 0
    try:
        for attempt in range(count):
            client.get(f"/complaints/new/?contract={contract_id}")
            client.post(
                "/complaints/new/what-went-wrong/",
                {
                    "category": random.choice(["quality", "missed_service", "staff_conduct"]),
                    "description": f"{marker} citizen {number} complaint {attempt}",
                },
            )
            client.post("/complaints/new/when-and-where/", {})
            client.post("/complaints/new/files/", {"action": "continue"})
            client.post("/complaints/new/contact/", {"contact": "anonymous"})
            response = client.post("/complaints/new/check/", {"website": ""})
            if response.status_code == 302 and response["Location"].endswith("/new/done/"):
                accepted += 1
                found = REFERENCE.search(client.get("/complaints/new/done/").content)
                references.append(found.group(0).decode() if found else None)
            else:
                refused += 1
    finally:
        connection.close()
    return accepted, references, refused


def run(scale: float) -> list[Row]:
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    contract = Contract.objects.filter(status__in=OPEN_CONTRACT_STATUSES).order_by("id").first()
    assert contract is not None, "the demo data has no running contract to complain about"
    per_client = max(1, min(PER_CLIENT, round(PER_CLIENT * scale)))
    marker = f"bench-{secrets.token_hex(6)}"
    # Fresh addresses each run: the rate limit remembers earlier runs' for an hour.
    subnet = str(random.randint(0, 255))
    lock = threading.Lock()
    results = []

    def one(number):
        outcome = _citizen(
            number, contract_id=contract.pk, marker=marker, count=per_client, subnet=subnet
        )
        with lock:
            results.append(outcome)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(one, range(CLIENTS)))
    elapsed = time.perf_counter() - start

    accepted = sum(a for a, _, _ in results)
    refused = sum(r for _, _, r in results)
    references = [ref for _, refs, _ in results for ref in refs]
    stored = Complaint.objects.filter(description__startswith=marker)
    duplicates = (
        stored.values("description").annotate(n=Count("id")).filter(n__gt=1).count()
        + len(references)
        - len(set(references))
    )
    missing = accepted - stored.count()
    return [
        Row("complaints", "citizens x complaints each", f"{CLIENTS} x {per_client}"),
        Row(
            "complaints",
            "accepted / refused",
            f"{accepted} / {refused}",
            f"{CLIENTS * per_client} / 0",
        ),
        Row("complaints", "stored for this run", f"{stored.count()}", f"= accepted ({accepted})"),
        Row("complaints", "duplicates", f"{duplicates}", "0"),
        Row("complaints", "accepted but missing", f"{missing}", "0"),
        Row("complaints", "throughput (complaints/s)", f"{accepted / elapsed:.1f}"),
    ]
