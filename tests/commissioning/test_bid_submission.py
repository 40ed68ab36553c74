"""Providers submit, change and withdraw sealed bids; every refusal is clear and leaves nothing
half-written."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commissioning import sealing
from commissioning.choices import BidStatus, CriterionKind, LotReservation, TenderStatus
from commissioning.models import Bid, BidDocument, Tender
from commissioning.services.bids import ALREADY_BID, bid_submit, bid_update, bid_withdraw
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry
from providers.choices import LegalForm, ProviderKind, SizeBand, VerificationStatus
from providers.models import ProviderExclusion
from tests.factories import (
    BidWriterFactory,
    OfficerFactory,
    ProviderAdminFactory,
    ProviderFactory,
    StaffFactory,
    published_tender,
)
from tests.queries import count_queries

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40


def pdf(name="method-statement.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def answers_for(tender, text="We visit every week and know our neighbours."):
    return {
        str(c.pk): f"{text} ({c.title})" for c in tender.criteria.exclude(kind=CriterionKind.PRICE)
    }


def submit(lot, actor, **overrides):
    arguments = {
        "price": Decimal("98765.43"),
        "answers": answers_for(lot.tender),
        "partners": [],
        "documents": [],
        **overrides,
    }
    return bid_submit(lot=lot, actor=actor, **arguments)


def refusal(callable_, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as raised:
        callable_(*args, **kwargs)
    return raised.value


def nothing_written():
    return not Bid.objects.exists() and not BidDocument.objects.exists()


def close_by_the_database_clock(tender):
    """Moves the deadline into the past with an update, as if the time had come."""
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=timezone.now() - timedelta(hours=2),
        submission_deadline=timezone.now() - timedelta(minutes=1),
    )
    tender.refresh_from_db()


@pytest.fixture
def tender():
    return published_tender(lots=2)


@pytest.fixture
def lot(tender):
    return tender.lots.get(number=1)


@pytest.fixture
def bidder():
    return ProviderAdminFactory(provider__name="Northshire Mind")


# --- submitting -----------------------------------------------------------------------------


def test_verified_provider_submits_a_sealed_bid_with_documents_and_partners(lot, bidder):
    partner = ProviderFactory(name="Good Neighbours")
    bid = submit(
        lot,
        bidder,
        partners=[
            {"provider_id": partner.pk},
            {"name": "Ashby Youth Club", "kind": "community group"},
        ],
        documents=[pdf(), pdf("budget.pdf")],
    )
    assert bid.status == BidStatus.SUBMITTED
    assert bid.provider == bidder.provider
    assert bid.documents.count() == 2
    contents = sealing.own_bid_contents(bid, bidder.provider)
    assert contents["price"] == Decimal("98765.43")
    assert contents["partners"] == [
        {"provider_id": partner.pk, "name": "Good Neighbours"},
        {"name": "Ashby Youth Club", "kind": "community group"},
    ]
    assert [d["name"] for d in contents["documents"]] == ["method-statement.pdf", "budget.pdf"]
    assert set(contents["answers"]) == set(answers_for(lot.tender))


def test_submitting_is_audited_without_the_price_or_answers(lot, bidder):
    bid = submit(lot, bidder)
    entry = AuditEntry.objects.get(action="bid.submitted")
    assert entry.object_id == str(bid.pk)
    assert entry.after == {"tender": lot.tender.reference, "lot": 1}
    recorded = str(entry.before) + str(entry.after) + entry.object_label
    assert "98765" not in recorded
    assert "neighbours" not in recorded


def test_bid_writer_can_bid_for_their_organisation(lot):
    writer = BidWriterFactory()
    assert submit(lot, writer).submitted_by == writer


def test_price_may_be_typed_with_a_pound_sign_and_commas(lot, bidder):
    bid = submit(lot, bidder, price="£98,765.43")
    assert sealing.own_bid_contents(bid, bidder.provider)["price"] == Decimal("98765.43")


def test_bid_after_the_deadline_is_refused_by_the_database_clock(lot, bidder, monkeypatch):
    close_by_the_database_clock(lot.tender)
    # Whatever the web server's (or browser's) clock says, the database's clock decides.
    monkeypatch.setattr(
        timezone, "now", lambda: lot.tender.submission_deadline - timedelta(hours=1)
    )
    error = refusal(submit, lot, bidder)
    assert "The submission deadline passed at" in error.message
    assert nothing_written()


def test_bid_on_a_closed_tender_is_refused(lot, bidder):
    Tender.objects.filter(pk=lot.tender_id).update(status=TenderStatus.CLOSED)
    assert "This tender is closed" in refusal(submit, lot, bidder).message
    assert nothing_written()


def test_unverified_provider_cannot_bid_but_is_told_they_can_still_ask_questions(lot):
    unverified = ProviderAdminFactory(provider__verification_status=VerificationStatus.UNVERIFIED)
    error = refusal(submit, lot, unverified)
    assert "not verified yet" in error.message
    assert "ask clarification questions" in error.message
    assert nothing_written()


def test_provider_whose_verification_was_refused_cannot_bid(lot):
    refused = ProviderAdminFactory(provider__verification_status=VerificationStatus.REJECTED)
    assert "not verified" in refusal(submit, lot, refused).message
    assert nothing_written()


def exclude(provider, *, lifted=False):
    return ProviderExclusion.objects.create(
        provider=provider,
        reason="On the debarment list",
        starts_on=date.today() - timedelta(days=10),
        ends_on=date(2099, 3, 31),
        recorded_by=StaffFactory(),
        lifted_at=timezone.now() if lifted else None,
    )


def test_excluded_provider_cannot_bid_and_is_told_until_when(lot, bidder):
    exclude(bidder.provider)
    error = refusal(submit, lot, bidder)
    assert error.message == "Your organisation is excluded from bidding until 31 March 2099."
    assert nothing_written()


def test_provider_whose_exclusion_was_lifted_can_bid_again(lot, bidder):
    exclude(bidder.provider, lifted=True)
    assert submit(lot, bidder).pk


@pytest.mark.parametrize(
    ("reservation", "provider_fields", "recorded_as"),
    [
        (LotReservation.VCSE, {"kind": ProviderKind.PRIVATE}, "a private company"),
        (LotReservation.SMALL, {"size_band": SizeBand.LARGE}, "large (250 staff or more)"),
        (LotReservation.MUTUAL, {"legal_form": LegalForm.CHARITY}, "a registered charity"),
    ],
)
def test_reserved_lot_refuses_providers_it_is_not_reserved_for(
    lot, reservation, provider_fields, recorded_as
):
    lot.reservation = reservation
    lot.save()
    outsider = ProviderAdminFactory(**{f"provider__{k}": v for k, v in provider_fields.items()})
    error = refusal(submit, lot, outsider)
    assert error.message.startswith("This lot is reserved for")
    assert f"your organisation is recorded as {recorded_as}" in error.message
    assert nothing_written()


@pytest.mark.parametrize(
    ("reservation", "provider_fields"),
    [
        (LotReservation.VCSE, {"kind": ProviderKind.COMMUNITY}),
        (LotReservation.VCSE, {"kind": ProviderKind.THIRD_SECTOR}),
        (LotReservation.SMALL, {"size_band": SizeBand.MICRO}),
        (LotReservation.MUTUAL, {"legal_form": LegalForm.PUBLIC_SERVICE_MUTUAL}),
        (LotReservation.MUTUAL, {"legal_form": LegalForm.COOPERATIVE}),
    ],
)
def test_reserved_lot_accepts_the_providers_it_is_reserved_for(lot, reservation, provider_fields):
    lot.reservation = reservation
    lot.save()
    insider = ProviderAdminFactory(**{f"provider__{k}": v for k, v in provider_fields.items()})
    assert submit(lot, insider).pk


def test_second_bid_for_the_same_lot_is_refused(lot, bidder):
    first = submit(lot, bidder)
    colleague = BidWriterFactory(provider=bidder.provider)
    error = refusal(submit, lot, colleague, documents=[pdf()])
    assert error.message == ALREADY_BID
    assert list(Bid.objects.values_list("pk", flat=True)) == [first.pk]
    assert not BidDocument.objects.exists()


def test_provider_can_bid_on_another_lot_of_the_same_tender(tender, bidder):
    submit(tender.lots.get(number=1), bidder)
    assert submit(tender.lots.get(number=2), bidder).pk


def test_provider_who_withdrew_can_bid_again_for_the_lot(lot, bidder):
    bid_withdraw(bid=submit(lot, bidder), actor=bidder)
    assert submit(lot, bidder).status == BidStatus.SUBMITTED


def test_oversize_document_is_refused_by_name(lot, bidder, settings):
    settings.MAX_UPLOAD_BYTES = 1024
    error = refusal(submit, lot, bidder, documents=[pdf(), pdf("big.pdf", PDF + b"0" * 2000)])
    assert error.field_errors["documents"] == ["big.pdf must be smaller than 1.0\xa0KB"]
    assert nothing_written()


@pytest.mark.parametrize(("content", "disguise"), [(ZIP, "a zip"), (ELF, "an executable")])
def test_disguised_document_is_refused(lot, bidder, content, disguise):
    error = refusal(submit, lot, bidder, documents=[pdf(), pdf("looks-fine.pdf", content)])
    [message] = error.field_errors["documents"]
    assert message.startswith("looks-fine.pdf must be a PDF")
    assert "its name must match its contents" in message
    assert nothing_written()


def test_too_many_documents_are_refused(lot, bidder):
    error = refusal(submit, lot, bidder, documents=[pdf(f"part-{n}.pdf") for n in range(11)])
    assert error.field_errors["documents"] == ["A bid can have up to 10 documents"]
    assert nothing_written()


def test_missing_answers_are_each_named(lot, bidder):
    quality, social_value = lot.tender.criteria.exclude(kind=CriterionKind.PRICE).order_by("id")
    error = refusal(submit, lot, bidder, answers={str(quality.pk): "   "})
    assert error.field_errors == {
        f"answer_{quality.pk}": ["Enter your answer to ‘Quality’"],
        f"answer_{social_value.pk}": ["Enter your answer to ‘Social value’"],
    }
    assert nothing_written()


@pytest.mark.parametrize(
    ("price", "message"),
    [
        (Decimal("-500"), "Your price must be more than £0"),
        ("0", "Your price must be more than £0"),
        ("", "Enter your price for this lot"),
        ("about a million", "Enter your price as an amount in pounds, like 125000 or 125000.50"),
        ("100.001", "Your price can have no more than 2 decimal places (pence)"),
        ("NaN", "Enter your price as an amount in pounds, like 125000 or 125000.50"),
        ("1000000000000", "Your price must be less than £1,000,000,000,000"),
    ],
)
def test_price_must_be_a_positive_amount_in_pounds(lot, bidder, price, message):
    error = refusal(submit, lot, bidder, price=price)
    assert error.field_errors == {"price": [message]}
    assert nothing_written()


def test_every_problem_is_reported_at_once(lot, bidder):
    error = refusal(submit, lot, bidder, price="-1", answers={}, documents=[pdf("x.pdf", ELF)])
    assert {"price", "documents"} <= set(error.field_errors)
    assert len([f for f in error.field_errors if f.startswith("answer_")]) == 2


def test_partners_must_be_registered_providers_other_than_the_bidder(lot, bidder):
    error = refusal(
        submit,
        lot,
        bidder,
        partners=[{"provider_id": 999_999}, {"provider_id": bidder.provider_id}],
    )
    assert error.field_errors["partners"] == [
        "Choose consortium partners from the registered providers",
        "Your own organisation cannot be its own consortium partner",
    ]
    assert nothing_written()


def test_named_partners_need_a_name_and_a_kind(lot, bidder):
    error = refusal(
        submit,
        lot,
        bidder,
        partners=[{"name": "Ashby Youth Club", "kind": "band"}, {"name": " ", "kind": "charity"}],
    )
    assert error.field_errors["named_partners"] == [
        "Choose what kind of group Ashby Youth Club is",
        "Enter the name of each community or volunteer partner",
    ]
    assert nothing_written()


def test_commissioners_and_staff_cannot_bid(lot):
    for actor in (OfficerFactory(commissioner=lot.tender.commissioner), StaffFactory()):
        with pytest.raises(NotPermitted):
            submit(lot, actor)
    assert nothing_written()


# --- changing and withdrawing ---------------------------------------------------------------


def test_provider_changes_their_bid_and_it_is_sealed_again(lot, bidder):
    bid = submit(lot, bidder, documents=[pdf("old.pdf"), pdf("keep.pdf")])
    old_sealed = bytes(bid.sealed_contents)
    old_document = bid.documents.get(
        pk=sealing.own_bid_contents(bid, bidder.provider)["documents"][0]["id"]
    )
    bid_update(
        bid=bid,
        actor=bidder,
        price="90000",
        answers=answers_for(lot.tender, "A better answer."),
        partners=[{"name": "Ashby Youth Club", "kind": "volunteer group"}],
        documents=[pdf("new.pdf")],
        remove_documents=[old_document.public_id],
    )
    bid.refresh_from_db()
    assert bytes(bid.sealed_contents) != old_sealed
    contents = sealing.own_bid_contents(bid, bidder.provider)
    assert contents["price"] == Decimal("90000.00")
    assert all(a.startswith("A better answer.") for a in contents["answers"].values())
    assert [d["name"] for d in contents["documents"]] == ["keep.pdf", "new.pdf"]
    assert bid.documents.count() == 2
    entry = AuditEntry.objects.get(action="bid.changed")
    assert entry.after == {"tender": lot.tender.reference, "lot": 1}


def test_a_refused_change_keeps_the_bid_as_it_was(lot, bidder):
    bid = submit(lot, bidder, documents=[pdf()])
    sealed = bytes(bid.sealed_contents)
    document = bid.documents.get()
    refusal(
        bid_update,
        bid=bid,
        actor=bidder,
        price="-3",
        answers=answers_for(lot.tender),
        partners=[],
        documents=[pdf("new.pdf")],
        remove_documents=[document.public_id],
    )
    bid.refresh_from_db()
    assert bytes(bid.sealed_contents) == sealed
    assert list(bid.documents.values_list("pk", flat=True)) == [document.pk]


def test_bid_cannot_be_changed_after_the_deadline(lot, bidder):
    bid = submit(lot, bidder)
    close_by_the_database_clock(lot.tender)
    error = refusal(
        bid_update, bid=bid, actor=bidder, price="1", answers=answers_for(lot.tender), partners=[]
    )
    assert "The submission deadline passed" in error.message


def test_another_provider_cannot_change_or_withdraw_a_bid(lot, bidder):
    bid = submit(lot, bidder)
    rival = ProviderAdminFactory()
    with pytest.raises(NotPermitted):
        bid_update(bid=bid, actor=rival, price="1", answers=answers_for(lot.tender), partners=[])
    with pytest.raises(NotPermitted):
        bid_withdraw(bid=bid, actor=rival)
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED


def test_provider_withdraws_their_bid_and_it_is_audited(lot, bidder):
    bid = bid_withdraw(bid=submit(lot, bidder), actor=bidder)
    assert bid.status == BidStatus.WITHDRAWN
    assert bid.withdrawn_at is not None
    entry = AuditEntry.objects.get(action="bid.withdrawn")
    assert entry.after == {"status": "withdrawn", "tender": lot.tender.reference, "lot": 1}


def test_bid_cannot_be_withdrawn_after_the_deadline(lot, bidder):
    bid = submit(lot, bidder)
    close_by_the_database_clock(lot.tender)
    assert "The submission deadline passed" in refusal(bid_withdraw, bid=bid, actor=bidder).message
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED


def test_withdrawn_bid_cannot_be_withdrawn_or_changed_again(lot, bidder):
    bid = bid_withdraw(bid=submit(lot, bidder), actor=bidder)
    assert "withdrawn" in refusal(bid_withdraw, bid=bid, actor=bidder).message
    error = refusal(
        bid_update, bid=bid, actor=bidder, price="1", answers=answers_for(lot.tender), partners=[]
    )
    assert "This bid was withdrawn" in error.message


# --- the pages ------------------------------------------------------------------------------


def form_data(tender, **overrides):
    data = {"price": "98765.43", **{f"answer_{k}": v for k, v in answers_for(tender).items()}}
    data.update(overrides)
    return data


def test_provider_submits_a_bid_on_the_form_and_gets_a_receipt(sign_in, lot, bidder):
    client = sign_in(bidder)
    data = form_data(
        lot.tender,
        partner_1_name="Ashby Youth Club",
        partner_1_kind="community group",
        documents=[pdf()],
    )
    response = client.post(f"/bids/new/{lot.pk}/", data)
    bid = Bid.objects.get()
    assert response.status_code == 302
    assert response.url == f"/bids/{bid.public_id}/submitted/"
    receipt = client.get(response.url).content.decode()
    assert "Bid submitted" in receipt
    assert bid.reference in receipt
    assert "method-statement.pdf" in receipt
    page = client.get(f"/bids/{bid.public_id}/").content.decode()
    assert "£98,765.43" in page
    assert "Ashby Youth Club" in page


def test_bid_form_shows_each_criterion_with_its_weight_and_guidance(sign_in, lot, bidder):
    lot.tender.criteria.filter(kind=CriterionKind.QUALITY).update(
        guidance="Describe how you recruit and train volunteers"
    )
    page = sign_in(bidder).get(f"/bids/new/{lot.pk}/").content.decode()
    assert "Quality (50% of the marks)" in page
    assert "Social value (10% of the marks)" in page
    assert "Describe how you recruit and train volunteers" in page
    assert 'enctype="multipart/form-data"' in page


def test_bad_bid_on_the_form_shows_each_problem_and_keeps_what_was_typed(sign_in, lot, bidder):
    quality = lot.tender.criteria.get(kind=CriterionKind.QUALITY)
    data = form_data(lot.tender, price="-20", documents=[pdf("sneaky.pdf", ELF)])
    data[f"answer_{quality.pk}"] = ""
    response = sign_in(bidder).post(f"/bids/new/{lot.pk}/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "There is a problem" in page
    assert f'href="#id_answer_{quality.pk}">Enter your answer to ‘Quality’' in page
    assert 'href="#id_price">Your price must be more than £0' in page
    assert "sneaky.pdf must be a PDF" in page
    assert 'value="-20"' in page
    assert "We visit every week" in page  # the other answer is kept
    assert "The documents you chose have not been saved. Choose them again." in page
    assert nothing_written()


def test_named_partner_without_a_kind_is_refused_on_the_form(sign_in, lot, bidder):
    data = form_data(lot.tender, partner_2_name="Ashby Youth Club")
    page = sign_in(bidder).post(f"/bids/new/{lot.pk}/", data).content.decode()
    assert 'href="#id_partner_2_kind">Choose what kind of group Ashby Youth Club is' in page
    assert nothing_written()


def test_second_bid_on_the_form_is_refused_with_a_link_to_the_first(sign_in, lot, bidder):
    first = submit(lot, bidder)
    client = sign_in(bidder)
    page = client.get(f"/bids/new/{lot.pk}/").content.decode()
    assert "You have already bid for this lot" in page
    assert f'href="/bids/{first.public_id}/"' in page
    page = client.post(f"/bids/new/{lot.pk}/", form_data(lot.tender)).content.decode()
    assert ALREADY_BID in page
    assert Bid.objects.count() == 1


def test_unverified_provider_sees_why_instead_of_the_form(sign_in, lot):
    unverified = ProviderAdminFactory(provider__verification_status=VerificationStatus.UNVERIFIED)
    page = sign_in(unverified).get(f"/bids/new/{lot.pk}/").content.decode()
    assert "not verified yet" in page
    assert 'name="price"' not in page


def test_bid_form_after_the_deadline_says_bids_have_closed(sign_in, lot, bidder):
    close_by_the_database_clock(lot.tender)
    page = sign_in(bidder).get(f"/bids/new/{lot.pk}/").content.decode()
    assert "The submission deadline passed at" in page
    assert 'name="price"' not in page


def test_bid_form_of_a_draft_tender_looks_missing(sign_in, bidder):
    tender = published_tender(lots=1)
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.DRAFT)
    assert sign_in(bidder).get(f"/bids/new/{tender.lots.get().pk}/").status_code == 404


def test_bid_form_of_a_missing_lot_looks_missing(sign_in, bidder):
    assert sign_in(bidder).get("/bids/new/999999/").status_code == 404


def test_commissioners_cannot_open_the_bid_form_or_post_a_bid(sign_in, lot):
    client = sign_in(OfficerFactory(commissioner=lot.tender.commissioner))
    assert client.get(f"/bids/new/{lot.pk}/").status_code == 403
    response = client.post(f"/bids/new/{lot.pk}/", form_data(lot.tender))
    assert response.status_code == 403
    assert "Only a provider&#x27;s users can bid" in response.content.decode()
    assert nothing_written()


@pytest.mark.parametrize("path", ["/bids/", "/bids/new/{lot}/"])
def test_anonymous_visitors_are_asked_to_sign_in(client, lot, path):
    response = client.get(path.format(lot=lot.pk))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("page", ["", "submitted/", "change/", "withdraw/"])
def test_bid_pages_ask_anonymous_visitors_to_sign_in(client, lot, bidder, page):
    bid = submit(lot, bidder)
    response = client.get(f"/bids/{bid.public_id}/{page}")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("page", ["", "submitted/", "change/", "withdraw/"])
def test_another_providers_bid_pages_look_missing(sign_in, lot, bidder, page):
    bid = submit(lot, bidder)
    assert sign_in(ProviderAdminFactory()).get(f"/bids/{bid.public_id}/{page}").status_code == 404


@pytest.mark.parametrize("page", ["", "submitted/", "change/", "withdraw/"])
def test_own_organisation_sees_its_bid_pages(sign_in, lot, bidder, page):
    bid = submit(lot, bidder)
    colleague = BidWriterFactory(provider=bidder.provider)
    assert sign_in(colleague).get(f"/bids/{bid.public_id}/{page}").status_code == 200


def test_another_provider_cannot_withdraw_a_bid_by_posting(sign_in, lot, bidder):
    bid = submit(lot, bidder)
    response = sign_in(ProviderAdminFactory()).post(f"/bids/{bid.public_id}/withdraw/")
    assert response.status_code == 404
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED


def test_your_bids_lists_only_your_organisations_bids(sign_in, tender, bidder):
    submit(tender.lots.get(number=1), bidder)
    rival = ProviderAdminFactory(provider__name="Rival Care Ltd")
    submit(tender.lots.get(number=2), rival)
    page = sign_in(bidder).get("/bids/").content.decode()
    assert tender.title in page
    assert "Lot 1: Lot area 1" in page
    assert "Lot 2: Lot area 2" not in page
    assert tender.submission_deadline.strftime("%Y") in page


def test_your_bids_is_for_providers_only(sign_in):
    assert sign_in(OfficerFactory()).get("/bids/").status_code == 403


def test_your_bids_makes_the_same_number_of_queries_for_2_bids_and_20(sign_in, bidder):
    client = sign_in(bidder)

    def bids(count):
        for _ in range(count):
            submit(published_tender(lots=1, evaluators=0).lots.get(), bidder)

    bids(2)
    with_two = count_queries(client.get, "/bids/")
    bids(18)
    with_twenty = count_queries(client.get, "/bids/")
    assert with_two == with_twenty > 0
    assert Bid.objects.count() == 20


def test_bid_page_offers_change_and_withdraw_only_before_the_deadline(sign_in, lot, bidder):
    bid = submit(lot, bidder)
    client = sign_in(bidder)
    page = client.get(f"/bids/{bid.public_id}/").content.decode()
    assert "Change your bid" in page
    assert "Withdraw your bid" in page
    close_by_the_database_clock(lot.tender)
    page = client.get(f"/bids/{bid.public_id}/").content.decode()
    assert "Change your bid" not in page
    assert "Withdraw your bid" not in page
    assert client.get(f"/bids/{bid.public_id}/change/").status_code == 403


def test_provider_changes_a_bid_on_the_form(sign_in, lot, bidder):
    bid = submit(lot, bidder, documents=[pdf("remove-me.pdf")])
    client = sign_in(bidder)
    page = client.get(f"/bids/{bid.public_id}/change/").content.decode()
    assert 'value="98765.43"' in page
    assert "remove-me.pdf" in page
    document = bid.documents.get()
    data = form_data(lot.tender, price="90,000", remove_documents=[document.public_id])
    response = client.post(f"/bids/{bid.public_id}/change/", data)
    assert response.status_code == 302
    assert response.url == f"/bids/{bid.public_id}/"
    page = client.get(response.url).content.decode()
    assert "Your bid has been changed" in page
    assert "£90,000.00" in page
    assert "remove-me.pdf" not in page
    assert not BidDocument.objects.exists()


def test_provider_withdraws_a_bid_after_confirming(sign_in, lot, bidder):
    bid = submit(lot, bidder)
    client = sign_in(bidder)
    page = client.get(f"/bids/{bid.public_id}/withdraw/").content.decode()
    assert "Are you sure you want to withdraw your bid" in page
    response = client.post(f"/bids/{bid.public_id}/withdraw/")
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Your bid has been withdrawn" in page
    assert "Withdrawn" in page
    bid.refresh_from_db()
    assert bid.status == BidStatus.WITHDRAWN
