"""Serving an open tender never reads its bids: anyone timing the OCDS record, the public
tender pages or the API's tender could otherwise learn that someone has bid.

Each view is asked for the same open tender with no bids and again with three; the SQL it
sends must be identical, statement for statement, and must not read the bid table at all
where nothing about a bid can be shown.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from commissioning.ocds import build
from tests.factories import ProviderAdminFactory, published_tender, sealed_bid

pytestmark = pytest.mark.django_db

BID_TABLES = ("commissioning_bid", "commissioning_biddocument")
# The session lookup compares with the moment of the request: the only thing that may differ.
MOMENT = re.compile(r"'\d{4}-\d\d-\d\dT[\d:.]+\+00:00'::timestamptz")
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def statements(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return [MOMENT.sub("<now>", q["sql"]) for q in captured.captured_queries], CSRF.sub(
        b"", response.content
    )


@pytest.fixture
def tender():
    return published_tender(lots=2)


def views_of(tender):
    ocid = build.ocid_for(tender)
    return {
        "OCDS record": f"/api/ocds/records/{ocid}/",
        "OCDS releases": "/api/ocds/releases/",
        "public tender page": f"/tenders/{tender.pk}/",
        "public tender list": "/tenders/",
        "API tender": f"/api/v1/tenders/{tender.pk}/",
        "API tender list": "/api/v1/tenders/",
    }


# Who may read an open tender's data without touching any bid: the public, and a provider
# whose own bid lookup is the same query whoever else has bid.
def viewers():
    provider = ProviderAdminFactory()
    signed_in = Client()
    signed_in.force_login(provider, backend="django.contrib.auth.backends.ModelBackend")
    return {"anonymous": Client(), "a provider that has not bid": signed_in}


def test_serving_an_open_tender_sends_the_same_sql_with_no_bids_or_three(tender):
    clients = viewers()
    for client in clients.values():
        for url in views_of(tender).values():
            client.get(url)  # first requests warm per-process caches (content types, sites)

    before = {
        (who, name): statements(client, url)
        for who, client in clients.items()
        for name, url in views_of(tender).items()
    }
    for number in (1, 1, 2):
        sealed_bid(lot=tender.lots.get(number=number))
    after = {
        (who, name): statements(client, url)
        for who, client in clients.items()
        for name, url in views_of(tender).items()
    }

    queried_differently = [key for key in before if after[key][0] != before[key][0]]
    answered_differently = [key for key in before if after[key][1] != before[key][1]]
    assert not queried_differently, (
        f"these queried differently once bids arrived: {queried_differently}"
    )
    assert not answered_differently, f"these answered differently: {answered_differently}"


@pytest.mark.parametrize("view", ["OCDS record", "OCDS releases", "public tender page"])
def test_the_open_data_and_the_public_page_of_an_open_tender_never_read_the_bid_table(tender, view):
    sealed_bid(lot=tender.lots.get(number=1))
    sql, _ = statements(Client(), views_of(tender)[view])
    reading_bids = [s for s in sql if any(table in s for table in BID_TABLES)]
    assert not reading_bids, f"the {view} read bids: {reading_bids}"
