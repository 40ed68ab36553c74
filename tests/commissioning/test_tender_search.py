"""Providers narrow the public list to the work they can do: by words, category, region,
value, closing date, procedure and lots reserved for small providers and VCSEs."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from commissioning.choices import LotReservation, Procedure
from commissioning.models import CpvCode
from core.choices import Region
from tests.factories import CommissionerFactory, LotFactory, published_tender
from tests.queries import count_queries

pytestmark = pytest.mark.django_db


def _titles(client, **params) -> str:
    response = client.get("/tenders/", params)
    assert response.status_code == 200
    return response.content.decode()


def _tender(title, **fields):
    return published_tender(lots=1, evaluators=0, title=title, **fields)


def _cpv(code, description):
    return CpvCode.objects.get_or_create(code=code, defaults={"description": description})[0]


def test_search_finds_tenders_by_words_in_their_title(client):
    _tender("Grounds maintenance for parks")
    _tender("Home care at night")
    page = _titles(client, q="maintenance")
    assert "Grounds maintenance for parks" in page
    assert "Home care at night" not in page


def test_search_finds_tenders_by_words_in_their_description_in_any_form(client):
    _tender("Lot A service", description="Befriending visits for older people living alone.")
    _tender("Lot B service", description="Road gritting in winter.")
    page = _titles(client, q="befriend visit")
    assert "Lot A service" in page
    assert "Lot B service" not in page


def test_search_understands_phrases_and_words_to_leave_out(client):
    _tender("Mental health support for young people")
    _tender("Young carers support")
    _tender("Support for people with mental health needs and young carers")
    assert "Young carers support" not in _titles(client, q='"mental health"')
    page = _titles(client, q="support -carers")
    assert "Mental health support for young people" in page
    assert "Young carers support" not in page
    assert "needs and young carers" not in page


def test_a_search_with_no_matches_says_so(client):
    _tender("Home care")
    page = _titles(client, q="submarines")
    assert "0 tenders" in page
    assert "No tenders match your search and filters" in page


def test_search_never_finds_drafts(client):
    from tests.factories import TenderFactory

    TenderFactory(title="Draft about libraries")
    assert "Draft about libraries" not in _titles(client, q="libraries")


def test_category_filter_takes_a_cpv_code_or_its_division(client):
    _tender("Social work tender", main_cpv=_cpv("85311000-2", "Social work with accommodation"))
    _tender("Catering tender", main_cpv=_cpv("55520000-1", "Catering services"))
    also_social = _tender("Mixed tender", main_cpv=_cpv("55520000-1", "Catering services"))
    also_social.additional_cpvs.add(_cpv("85312000-9", "Social work without accommodation"))

    division = _titles(client, category="85")
    assert "Social work tender" in division and "Mixed tender" in division
    assert "Catering tender" not in division

    exact = _titles(client, category="85311000-2")
    assert "Social work tender" in exact
    assert "Mixed tender" not in exact and "Catering tender" not in exact

    # A class code covers every code below it in the hierarchy.
    covering = _titles(client, category="85310000")
    assert "Social work tender" in covering and "Mixed tender" in covering


def test_region_filter(client):
    _tender("Leeds tender", region=Region.YORKSHIRE)
    _tender("Cardiff tender", region=Region.WALES)
    page = _titles(client, region=Region.WALES)
    assert "Cardiff tender" in page and "Leeds tender" not in page


@pytest.mark.parametrize(
    ("band", "shown", "hidden"),
    [
        ("under-25k", "Tiny", "Small"),
        ("25k-100k", "Small", "Tiny"),
        ("100k-1m", "Medium", "Large"),
        ("over-1m", "Large", "Medium"),
    ],
)
def test_value_band_filter(client, band, shown, hidden):
    for title, value in (
        ("Tiny", "24999.99"),
        ("Small", "25000"),
        ("Medium", "999999"),
        ("Large", "1000000"),
    ):
        _tender(f"{title} value tender", estimated_value=Decimal(value))
    page = _titles(client, value=band)
    assert f"{shown} value tender" in page
    assert f"{hidden} value tender" not in page


def test_closing_filters_use_the_submission_deadline(client):
    now = timezone.now()
    _tender(
        "Closes this week",
        clarification_deadline=now + timedelta(days=2),
        submission_deadline=now + timedelta(days=5),
    )
    _tender(
        "Closes this month",
        clarification_deadline=now + timedelta(days=10),
        submission_deadline=now + timedelta(days=20),
    )
    _tender(
        "Closes later",
        clarification_deadline=now + timedelta(days=40),
        submission_deadline=now + timedelta(days=60),
    )
    week = _titles(client, closing="7")
    assert "Closes this week" in week
    assert "Closes this month" not in week and "Closes later" not in week
    month = _titles(client, closing="30")
    assert "Closes this month" in month and "Closes later" not in month

    by_date = _titles(client, closes_by=(timezone.localdate() + timedelta(days=20)).isoformat())
    assert "Closes this month" in by_date and "Closes this week" in by_date
    assert "Closes later" not in by_date


def test_procedure_filter(client):
    _tender("Open one", procedure=Procedure.OPEN)
    _tender("Light touch one", procedure=Procedure.LIGHT_TOUCH)
    page = _titles(client, procedure=Procedure.LIGHT_TOUCH)
    assert "Light touch one" in page and "Open one" not in page


def test_small_or_vcse_filter_finds_tenders_with_a_reserved_lot(client):
    for reservation, title in (
        (LotReservation.VCSE, "VCSE lot tender"),
        (LotReservation.SMALL, "Small lot tender"),
        (LotReservation.MUTUAL, "Mutual lot tender"),
        (LotReservation.NONE, "Open lot tender"),
    ):
        tender = published_tender(lots=0, evaluators=0, title=title)
        LotFactory(tender=tender, number=1, reservation=reservation)
    page = _titles(client, small_or_vcse="on")
    for title in ("VCSE lot tender", "Small lot tender", "Mutual lot tender"):
        assert title in page
    assert "Open lot tender" not in page


def test_filters_combine_with_search(client):
    _tender("Home care north", region=Region.NORTH_EAST)
    _tender("Home care south", region=Region.SOUTH_EAST)
    _tender("Gardening north", region=Region.NORTH_EAST)
    page = _titles(client, q="home care", region=Region.NORTH_EAST)
    assert "Home care north" in page
    assert "Home care south" not in page and "Gardening north" not in page


def test_filters_are_kept_when_moving_between_pages(client):
    now = timezone.now()
    for n in range(3):
        _tender(
            f"Paged care {n}",
            region=Region.LONDON,
            submission_deadline=now + timedelta(days=30 + n),
        )
    page = _titles(client, q="care", region=Region.LONDON, status=["open", "closed"], page_size=1)
    assert (
        "q=care&amp;region=UKI&amp;status=open&amp;status=closed&amp;page_size=1&amp;page=2" in page
    )


def test_bad_filter_values_are_explained_field_by_field_and_kept(client):
    _tender("Any tender")
    page = _titles(client, category="social work", closes_by="2026-02-31", region="XX")
    assert "<title>Error: " in page
    assert 'href="#id_category"' in page
    assert "Enter a CPV code, like 85311000-2, or its first 2 digits, like 85" in page
    assert 'value="social work"' in page
    assert 'href="#id_closes_by"' in page
    assert "Enter a real date for the closing date" in page
    assert 'href="#id_region"' in page
    assert "Any tender" not in page


def _searchable(count, commissioner):
    now = timezone.now()
    for n in range(count):
        tender = published_tender(
            lots=0,
            evaluators=0,
            commissioner=commissioner,
            title=f"Community transport {n}",
            submission_deadline=now + timedelta(days=30 + n),
        )
        LotFactory(tender=tender, number=1, reservation=LotReservation.VCSE)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "transport"},
        {"q": "transport", "region": Region.NORTH_WEST, "small_or_vcse": "on", "procedure": "open"},
        {"category": "85", "value": "100k-1m", "status": ["open", "closed", "cancelled"]},
    ],
)
def test_searching_and_filtering_make_the_same_number_of_queries_for_2_or_20_rows(client, params):
    commissioner = CommissionerFactory()
    _searchable(2, commissioner)
    small = count_queries(client.get, "/tenders/", {**params, "page_size": 100})
    _searchable(18, commissioner)
    large = count_queries(client.get, "/tenders/", {**params, "page_size": 100})
    assert "20 tenders" in _titles(client, **params, page_size=100)
    assert 0 < small == large
