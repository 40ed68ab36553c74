"""Anyone, signed in or not, finds published tenders and reads everything about them, except
how many bids there are while bidding is open. The browser journeys for these pages, questions
and answers included, are at the end."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from commissioning.choices import BidStatus, LotReservation, Procedure, TenderStatus
from commissioning.models import Bid, CpvCode, TenderDocument, TenderStatusChange
from core.choices import Region
from tests.factories import (
    ClarificationFactory,
    CommissionerFactory,
    LotFactory,
    OfficerFactory,
    ProviderAdminFactory,
    TenderFactory,
    published_tender,
    sealed_bid,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _page(client, url="/tenders/", **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _document(tender, *, title="Specification", content=b"%PDF-1.7 the specification"):
    document = TenderDocument(
        tender=tender,
        title=title,
        content_type="application/pdf",
        size=len(content),
        uploaded_by=tender.created_by,
    )
    document.file.save("specification.pdf", ContentFile(content), save=False)
    document.save()
    return document


def test_visitor_without_an_account_finds_open_tenders(client):
    published_tender(title="Home care in Northshire", commissioner__name="Northshire Council")
    page = _page(client)
    assert "Find opportunities" in page
    assert "Home care in Northshire" in page
    assert "1 tender" in page


def test_each_row_shows_commissioner_value_region_deadline_procedure_and_reserved_lots(client):
    tender = published_tender(
        lots=0,
        title="Youth clubs",
        commissioner__name="Riverside Council",
        estimated_value=Decimal("1250000.00"),
        region=Region.YORKSHIRE,
        procedure=Procedure.LIGHT_TOUCH,
        submission_deadline=timezone.make_aware(timezone.datetime(2099, 3, 3, 17, 0)),
        clarification_deadline=timezone.make_aware(timezone.datetime(2099, 2, 20, 17, 0)),
    )
    LotFactory(tender=tender, number=1, reservation=LotReservation.VCSE)
    LotFactory(tender=tender, number=2, reservation=LotReservation.SMALL)
    LotFactory(tender=tender, number=3, reservation=LotReservation.NONE)
    page = _page(client)
    assert "Riverside Council" in page
    assert "£1,250,000" in page
    assert "Yorkshire and The Humber" in page
    assert "5:00pm on 3 March 2099" in page
    assert "Light-touch regime" in page
    assert "Reserved for VCSEs" in page
    assert "Reserved for small providers" in page


def test_drafts_are_never_listed_and_their_pages_look_missing(client):
    draft = TenderFactory(title="Secret draft plans")
    document = _document(draft)
    assert "Secret draft plans" not in _page(client)
    assert "Secret draft plans" not in _page(client, status=["open", "closed", "cancelled"])
    assert client.get(f"/tenders/{draft.pk}/").status_code == 404
    assert client.get(f"/tenders/{draft.pk}/documents/{document.pk}/").status_code == 404
    assert client.get("/tenders/999999/").status_code == 404


def test_officers_own_drafts_are_not_public_either(sign_in):
    officer = OfficerFactory()
    draft = TenderFactory(commissioner=officer.commissioner, title="Our unpublished draft")
    client = sign_in(officer)
    assert "Our unpublished draft" not in _page(client)
    assert client.get(f"/tenders/{draft.pk}/").status_code == 404


def test_a_draft_cancelled_before_publication_is_never_shown(client):
    tender = TenderFactory(title="Abandoned idea", status=TenderStatus.CANCELLED)
    assert "Abandoned idea" not in _page(client, status="cancelled")
    assert client.get(f"/tenders/{tender.pk}/").status_code == 404


def test_cancelled_tenders_are_hidden_unless_asked_for(client):
    tender = published_tender(title="Withdrawn service")
    tender.status = TenderStatus.CANCELLED
    tender.cancellation_reason = "The service is now provided in-house."
    tender.save()
    assert "Withdrawn service" not in _page(client)
    assert "Withdrawn service" in _page(client, status="cancelled")
    detail = _page(client, f"/tenders/{tender.pk}/")
    assert "This tender was cancelled" in detail
    assert "The service is now provided in-house." in detail


def test_closed_and_awarded_tenders_are_listed_when_asked_for(client):
    published_tender(title="Still open service")
    closed = published_tender(title="Closed service")
    awarded = published_tender(title="Awarded service")
    closed.status, awarded.status = TenderStatus.EVALUATION, TenderStatus.AWARDED
    closed.save()
    awarded.save()
    default = _page(client)
    assert "Still open service" in default
    assert "Closed service" not in default and "Awarded service" not in default
    closed_only = _page(client, status="closed")
    assert "Closed service" in closed_only and "Still open service" not in closed_only
    everything = _page(client, status=["open", "closed", "awarded"])
    for title in ("Still open service", "Closed service", "Awarded service"):
        assert title in everything


def test_tenders_are_listed_soonest_deadline_first(client):
    now = timezone.now()
    for days, title in ((40, "Later tender"), (26, "Soonest tender"), (33, "Middle tender")):
        published_tender(
            lots=1,
            title=title,
            submission_deadline=now + timedelta(days=days),
            clarification_deadline=now + timedelta(days=days - 5),
        )
    page = _page(client)
    assert page.index("Soonest tender") < page.index("Middle tender") < page.index("Later tender")


def test_results_come_in_pages_of_the_size_asked_for(client):
    now = timezone.now()
    for n in range(5):
        published_tender(
            lots=1,
            title=f"Paged tender {n}",
            submission_deadline=now + timedelta(days=30 + n),
            clarification_deadline=now + timedelta(days=20),
        )
    first = _page(client, page_size=2)
    assert "Paged tender 0" in first and "Paged tender 1" in first
    assert "Paged tender 2" not in first
    assert "5 tenders" in first
    assert 'aria-label="Pagination"' in first
    assert "page_size=2&amp;page=2" in first
    third = _page(client, page_size=2, page=3)
    assert "Paged tender 4" in third and "Paged tender 0" not in third


def test_page_size_above_100_is_explained_not_obeyed(client):
    published_tender(lots=1, title="Any tender")
    response = client.get("/tenders/", {"page_size": 500})
    page = response.content.decode()
    assert "<title>Error: " in page
    assert 'href="#id_page_size"' in page
    assert "Results per page must be 100 or fewer" in page
    assert 'value="500"' in page
    assert "Any tender" not in page


def test_tender_page_shows_everything_a_provider_needs_to_decide_to_bid(client):
    tender = published_tender(
        lots=0,
        title="Befriending service",
        description="Weekly visits to older people who live alone.",
        commissioner__name="Northshire County Council",
        procedure=Procedure.OPEN,
        region=Region.NORTH_WEST,
        estimated_value=Decimal("480000.00"),
        contract_term_months=24,
        extension_option_months=[12, 12],
    )
    tender.additional_cpvs.add(
        CpvCode.objects.get_or_create(
            code="85320000-8", defaults={"description": "Social services"}
        )[0]
    )
    LotFactory(tender=tender, number=1, title="North", reservation=LotReservation.VCSE)
    LotFactory(tender=tender, number=2, title="South", estimated_value=Decimal("240000"))
    _document(tender, title="Service specification")
    TenderStatusChange.objects.create(tender=tender, from_status="", to_status="draft")
    TenderStatusChange.objects.create(tender=tender, from_status="draft", to_status="published")
    page = _page(client, f"/tenders/{tender.pk}/")
    for expected in (
        "Befriending service",
        "Weekly visits to older people who live alone.",
        "Northshire County Council",
        "Social work services (CPV 85310000-5)",
        "Social services (CPV 85320000-8)",
        "North West",
        "Open procedure",
        "At least 25 days between publication and the submission deadline",
        "£480,000",
        "24 months + 12 + 12",
        "may extend 2 times: by 12 months and then 12 months",
        "Deadline for questions",
        "Submission deadline",
        "Lot 1: North",
        "Reserved for VCSEs",
        "Lot 2: South",
        "£240,000",
        "Service specification",
        "Open for bids",
        tender.reference,
    ):
        assert expected in page, expected


def test_bid_count_stays_secret_while_open_and_is_shown_once_closed(client):
    tender = published_tender(lots=2)
    lot_one, lot_two = tender.lots.all()
    sealed_bid(lot=lot_one)
    sealed_bid(lot=lot_two)
    withdrawn = sealed_bid(lot=lot_one)
    Bid.objects.filter(pk=withdrawn.pk).update(status=BidStatus.WITHDRAWN)
    url = f"/tenders/{tender.pk}/"

    assert "Bids received" not in _page(client, url)

    tender.status, tender.closed_at = TenderStatus.CLOSED, timezone.now()
    tender.save()
    page = _page(client, url)
    assert "Bids received" in page
    assert '<dd class="govuk-summary-list__value">2</dd>' in page


def test_a_tender_cancelled_while_open_never_reveals_its_bid_count(client):
    tender = published_tender(lots=1)
    sealed_bid(lot=tender.lots.get())
    tender.status = TenderStatus.CANCELLED
    tender.save()
    assert "Bids received" not in _page(client, f"/tenders/{tender.pk}/")


def test_anyone_downloads_a_published_tenders_documents(client):
    tender = published_tender(lots=1)
    document = _document(tender, content=b"%PDF-1.7 read me")
    response = client.get(f"/tenders/{tender.pk}/documents/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.7 read me"


def test_a_document_cannot_be_fetched_through_another_tenders_address(client):
    tender, other = published_tender(lots=1), TenderFactory()
    secret = _document(other)
    assert client.get(f"/tenders/{tender.pk}/documents/{secret.pk}/").status_code == 404


def test_timeline_shows_the_tenders_history_but_not_who_moved_it(client):
    officer = OfficerFactory(full_name="Priya Officer")
    tender = published_tender(lots=1, commissioner=officer.commissioner)
    TenderStatusChange.objects.create(tender=tender, to_status="draft", actor=officer)
    TenderStatusChange.objects.create(
        tender=tender, from_status="draft", to_status="published", actor=officer
    )
    page = _page(client, f"/tenders/{tender.pk}/")
    assert "History" in page and ": Open for bids" in page
    assert "Priya Officer" not in page


def test_public_pages_are_the_same_for_every_kind_of_user(client, sign_in):
    tender = published_tender(lots=1, title="Shared opportunity")
    for user in (None, OfficerFactory(), ProviderAdminFactory(), OfficerFactory()):
        if user is not None:
            client = sign_in(user)
        assert "Shared opportunity" in _page(client)
        assert "Shared opportunity" in _page(client, f"/tenders/{tender.pk}/")


def _published(count, commissioner):
    now = timezone.now()
    for n in range(count):
        tender = published_tender(
            lots=0,
            evaluators=0,
            commissioner=commissioner,
            submission_deadline=now + timedelta(days=30 + n),
            clarification_deadline=now + timedelta(days=20),
        )
        LotFactory(tender=tender, number=1, reservation=LotReservation.SMALL)
        LotFactory(tender=tender, number=2, reservation=LotReservation.VCSE)


@pytest.mark.parametrize("signed_in", [False, True])
def test_list_makes_the_same_number_of_queries_for_2_or_20_rows(client, sign_in, signed_in):
    if signed_in:
        client = sign_in(ProviderAdminFactory())
    commissioner = CommissionerFactory()
    _published(2, commissioner)
    small = count_queries(client.get, "/tenders/", {"page_size": 50})
    _published(18, commissioner)
    large = count_queries(client.get, "/tenders/", {"page_size": 50})
    assert "20 tenders" in _page(client, page_size=50)
    assert 0 < small == large


def test_tender_page_makes_the_same_number_of_queries_however_much_it_shows(client):
    tender = published_tender(lots=1)
    ClarificationFactory(tender=tender, answer="Yes.", published_at=timezone.now())
    url = f"/tenders/{tender.pk}/"
    small = count_queries(client.get, url)
    for number in range(2, 12):
        LotFactory(tender=tender, number=number)
        ClarificationFactory(tender=tender, answer="Yes.", published_at=timezone.now())
        _document(tender, title=f"Annex {number}")
    assert 0 < count_queries(client.get, url) == small
