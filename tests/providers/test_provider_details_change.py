"""A provider's kind, legal form and size band decide which reserved lots it may bid for, so
staff check every change to them. A verified provider's own change of size is held until
staff approve it; meanwhile it is judged by the stricter of what was verified and what it
told us. Eligibility for reserved lots is judged again when the tender closes."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from commissioning.choices import BidStatus, CriterionKind, LotReservation
from commissioning.models import Bid, Tender
from commissioning.selectors_evaluation import tender_rankings
from commissioning.services.bids import bid_submit
from core.errors import DomainError, NotPermitted
from core.models import AuditEntry, OutboxMessage
from providers import services
from providers.choices import LegalForm, SizeBand, VerificationStatus
from providers.models import ProviderDetailsChange, ProviderOrganisation
from tests.factories import ProviderAdminFactory, ProviderFactory, StaffFactory, published_tender

pytestmark = pytest.mark.django_db

PROVIDERS = "/api/v1/providers/"


@pytest.fixture
def small_lot():
    tender = published_tender(lots=1)
    lot = tender.lots.get()
    lot.reservation = LotReservation.SMALL
    lot.save()
    return lot


def bid_body(lot):
    criteria = lot.tender.criteria.exclude(kind=CriterionKind.PRICE)
    return {
        "lot": lot.pk,
        "price": "120000",
        "answers": {str(c.pk): f"Our answer on {c.title}" for c in criteria},
    }


def form_data(lot):
    criteria = lot.tender.criteria.exclude(kind=CriterionKind.PRICE)
    return {"price": "120000", **{f"answer_{c.pk}": f"On {c.title}" for c in criteria}}


def submit(lot, actor):
    criteria = lot.tender.criteria.exclude(kind=CriterionKind.PRICE)
    return bid_submit(
        lot=lot,
        actor=actor,
        price="120000",
        answers={str(c.pk): f"Our answer on {c.title}" for c in criteria},
        partners=[],
        documents=[],
    )


def close_by_the_database_clock(tender):
    Tender.objects.filter(pk=tender.pk).update(
        clarification_deadline=timezone.now() - timedelta(hours=2),
        submission_deadline=timezone.now() - timedelta(minutes=1),
    )
    tender.refresh_from_db()


# --- the attack -------------------------------------------------------------------------------


def test_a_medium_provider_cannot_declare_itself_micro_through_the_api_and_bid_for_small(
    api, small_lot
):
    admin = ProviderAdminFactory(provider__size_band=SizeBand.MEDIUM)
    api.as_key(admin, "bids:write", "bids:read")

    changed = api.patch(f"{PROVIDERS}{admin.provider_id}/", {"size_band": "micro"}, format="json")

    assert changed.status_code == 200, changed.json()
    assert changed.json()["size_band"] == "medium"
    assert changed.json()["pending_change"]["size_band"] == "micro"
    assert ProviderOrganisation.objects.get(pk=admin.provider_id).size_band == SizeBand.MEDIUM
    refused = api.post("/api/v1/bids/", bid_body(small_lot), format="json")
    assert refused.status_code == 400, refused.json()
    assert "reserved for small and micro providers" in refused.json()["detail"]
    assert not Bid.objects.exists()


def test_a_medium_provider_cannot_declare_itself_micro_on_its_page_and_bid_for_small(
    sign_in, small_lot
):
    admin = ProviderAdminFactory(provider__size_band=SizeBand.MEDIUM)
    client = sign_in(admin)
    provider = admin.provider
    details = {
        "name": provider.name,
        "size_band": "micro",
        "address": "1 High Street",
        "postcode": "M1 1AE",
        "website": "",
        "capability_statement": "Befriending.",
    }

    assert client.post(f"/providers/{provider.pk}/edit/", details).status_code == 302

    assert ProviderOrganisation.objects.get(pk=provider.pk).size_band == SizeBand.MEDIUM
    page = client.get(f"/providers/{provider.pk}/team/").content.decode()
    assert "waiting for platform staff to check" in page
    response = client.post(f"/bids/new/{small_lot.pk}/", form_data(small_lot))
    assert response.status_code == 200
    assert "reserved for small and micro providers" in response.content.decode()
    assert not Bid.objects.exists()


# --- staff decide -----------------------------------------------------------------------------

CHANGES = "/admin/providers/providerdetailschange/"


def request_size(admin, size):
    from providers.services import provider_update

    provider_update(provider=admin.provider, actor=admin, size_band=size)
    return ProviderDetailsChange.objects.get(
        provider=admin.provider, status=ProviderDetailsChange.Status.PENDING
    )


def test_staff_approve_a_change_in_the_admin_and_then_it_counts(
    sign_in, small_lot, django_capture_on_commit_callbacks
):
    admin = ProviderAdminFactory(provider__size_band=SizeBand.MEDIUM, email="admin@growing.example")
    change = request_size(admin, SizeBand.SMALL)
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        done = sign_in(staff).post(
            CHANGES, {"action": "approve", "_selected_action": [change.pk]}, follow=True
        )
    assert "Approved: " in done.content.decode()
    assert ProviderOrganisation.objects.get(pk=admin.provider_id).size_band == SizeBand.SMALL
    entry = AuditEntry.objects.get(action="provider.details_change_approved")
    assert (entry.actor, entry.before, entry.after) == (
        staff,
        {"size_band": "medium"},
        {"size_band": "small"},
    )
    [email] = mail.outbox
    assert email.to == ["admin@growing.example"] and "approved" in email.subject
    assert submit(small_lot, admin).pk


def test_staff_refuse_a_change_with_a_reason_and_the_recorded_size_stays(
    sign_in, django_capture_on_commit_callbacks
):
    admin = ProviderAdminFactory(provider__size_band=SizeBand.MEDIUM)
    change = request_size(admin, SizeBand.MICRO)
    client = sign_in(StaffFactory())
    selection = {"action": "refuse", "_selected_action": [change.pk]}
    assert "Refuse changes: why?" in client.post(CHANGES, selection).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            CHANGES,
            {**selection, "apply": "yes", "reason": "Companies House lists 120 employees."},
        )
    change.refresh_from_db()
    assert change.status == ProviderDetailsChange.Status.REFUSED
    assert ProviderOrganisation.objects.get(pk=admin.provider_id).size_band == SizeBand.MEDIUM
    assert "Companies House lists 120 employees." in mail.outbox[0].body
    entry = AuditEntry.objects.get(action="provider.details_change_refused")
    assert entry.after == {"reason": "Companies House lists 120 employees."}


def test_only_staff_decide_changes():
    admin = ProviderAdminFactory(provider__size_band=SizeBand.MEDIUM)
    change = request_size(admin, SizeBand.MICRO)
    with pytest.raises(NotPermitted):
        services.details_change_approve(change=change, actor=admin)
    assert ProviderOrganisation.objects.get(pk=admin.provider_id).size_band == SizeBand.MEDIUM


# --- the provider's side ------------------------------------------------------------------------


def test_saving_other_details_keeps_the_change_waiting_and_going_back_withdraws_it(sign_in):
    admin = ProviderAdminFactory(provider__size_band=SizeBand.MEDIUM)
    request_size(admin, SizeBand.MICRO)
    client = sign_in(admin)
    page = client.get(f"/providers/{admin.provider_id}/edit/").content.decode()
    assert re.search(r'value="micro"[^>]*checked', page)

    details = {
        "name": "Renamed Trust",
        "size_band": "micro",
        "address": "1 High Street",
        "postcode": "M1 1AE",
        "website": "",
        "capability_statement": "Befriending.",
    }
    client.post(f"/providers/{admin.provider_id}/edit/", details)

    def waiting():
        pending = ProviderDetailsChange.objects.filter(status=ProviderDetailsChange.Status.PENDING)
        return [change.size_band for change in pending]

    assert waiting() == ["micro"]

    client.post(f"/providers/{admin.provider_id}/edit/", {**details, "size_band": "medium"})
    assert waiting() == []
    assert AuditEntry.objects.filter(action="provider.details_change_withdrawn").count() == 1


def test_a_provider_not_yet_verified_changes_its_size_at_once():
    admin = ProviderAdminFactory(
        provider__size_band=SizeBand.MEDIUM,
        provider__verification_status=VerificationStatus.UNVERIFIED,
    )
    from providers.services import provider_update

    provider_update(provider=admin.provider, actor=admin, size_band=SizeBand.MICRO)
    assert ProviderOrganisation.objects.get(pk=admin.provider_id).size_band == SizeBand.MICRO
    assert not ProviderDetailsChange.objects.exists()


def test_telling_us_it_has_grown_stops_bids_for_small_providers_at_once(small_lot):
    admin = ProviderAdminFactory(provider__size_band=SizeBand.SMALL)
    request_size(admin, SizeBand.LARGE)
    with pytest.raises(DomainError) as refused:
        submit(small_lot, admin)
    assert refused.value.message == (
        "This lot is reserved for small and micro providers, and your organisation told us it "
        "is now large (250 staff or more)."
    )


# --- closing: eligibility judged again ---------------------------------------------------------


@pytest.mark.parametrize("how", ["staff approved a change", "the provider told us"])
def test_a_bid_that_no_longer_qualifies_at_closing_is_not_eligible_and_not_scored(
    api, sign_in, small_lot, how
):
    from commissioning.services.evaluation import conflict_declare
    from commissioning.services.tenders import tender_start_evaluation, tenders_close_due

    tender = small_lot.tender
    grown = ProviderAdminFactory(
        provider__name="Grown Large Ltd", provider__size_band=SizeBand.SMALL
    )
    still_small = ProviderAdminFactory(
        provider__name="Still Small CIC", provider__size_band=SizeBand.MICRO
    )
    grown_bid, small_bid = submit(small_lot, grown), submit(small_lot, still_small)
    change = request_size(grown, SizeBand.LARGE)
    if how == "staff approved a change":
        services.details_change_approve(change=change, actor=StaffFactory())
    close_by_the_database_clock(tender)

    assert tenders_close_due() == 1

    grown_bid.refresh_from_db()
    small_bid.refresh_from_db()
    assert grown_bid.status == BidStatus.INELIGIBLE
    told = "had told us it is now" if how == "the provider told us" else "was recorded as"
    reason = (
        "Lot 1 is reserved for small and micro providers. When the tender closed, Grown Large "
        f"Ltd {told} large (250 staff or more), so the bid is not eligible and is not scored."
    )
    assert grown_bid.ineligible_reason == reason
    assert grown_bid.opened_price is None
    assert (small_bid.status, small_bid.opened_price) == (BidStatus.SUBMITTED, Decimal("120000"))
    entry = AuditEntry.objects.get(action="bid.ineligible")
    assert entry.after == {"status": "ineligible", "lot": 1, "reason": reason}
    assert OutboxMessage.objects.filter(to=grown.email, subject__contains="not eligible").exists()

    # The bidder reads why.
    bids_page = sign_in(grown).get("/bids/").content.decode()
    assert "Not eligible" in bids_page and "so the bid is not eligible" in bids_page
    [listed] = api.as_key(grown, "bids:read").get("/api/v1/bids/").json()["results"]
    assert (listed["status"], listed["ineligible_reason"]) == ("ineligible", reason)
    # The panel reads why, and ranks only the eligible bid.
    tender_start_evaluation(tender=tender, actor=tender.created_by)
    member = tender.panel_members.get().user
    conflict_declare(tender=tender, actor=member, has_conflict=False)
    overview = sign_in(member).get(f"/tendering/{tender.pk}/evaluation/").content.decode()
    assert "Bids not eligible, and not scored" in overview
    assert "Grown Large Ltd" in overview and "so the bid is not eligible" in overview
    ranked = [row.bid.pk for row in tender_rankings(tender)[0].rows]
    assert ranked == [small_bid.pk]


def test_a_tender_with_no_reserved_lot_closes_as_before(small_lot):
    from commissioning.services.tenders import tender_close

    small_lot.reservation = LotReservation.NONE
    small_lot.save()
    bidder = ProviderAdminFactory(provider__size_band=SizeBand.SMALL)
    bid = submit(small_lot, bidder)
    request_size(bidder, SizeBand.LARGE)
    close_by_the_database_clock(small_lot.tender)
    tender_close(tender=small_lot.tender, actor=small_lot.tender.created_by)
    bid.refresh_from_db()
    assert (bid.status, bid.opened_price) == (BidStatus.SUBMITTED, Decimal("120000"))


# --- staff correct the facts themselves -----------------------------------------------------------


def test_staff_correct_a_providers_legal_form_on_the_staff_pages(sign_in):
    provider = ProviderFactory(name="Northshire Mind", legal_form=LegalForm.CHARITY)
    staff = StaffFactory()
    client = sign_in(staff)
    admin_page = client.get(f"/admin/providers/providerorganisation/{provider.pk}/change/")
    assert "/staff/provider_details/?provider=Northshire+Mind" in admin_page.content.decode()
    question = client.get("/staff/provider_details/?provider=Northshire+Mind").content.decode()
    assert re.search(r'value="charity"[^>]*checked', question)
    client.post(
        "/staff/provider_details/",
        {
            "provider": "northshire mind",
            "kind": provider.kind,
            "legal_form": LegalForm.CIO,
            "size_band": provider.size_band,
            "reason": "Converted to a CIO: Charity Commission entry 1190001.",
        },
    )
    check = client.get("/staff/provider_details/check/").content.decode()
    assert "Registered charity, corrected to Charitable incorporated organisation (CIO)" in check
    assert "Small (10 to 49 staff) (unchanged)" in check
    client.post("/staff/provider_details/check/")
    provider.refresh_from_db()
    assert provider.legal_form == LegalForm.CIO
    entry = AuditEntry.objects.get(action="provider.details_corrected")
    assert (entry.actor, entry.before, entry.after) == (
        staff,
        {"legal_form": "charity"},
        {"legal_form": "cio", "reason": "Converted to a CIO: Charity Commission entry 1190001."},
    )


def test_staff_decide_a_waiting_change_before_correcting():
    admin = ProviderAdminFactory(provider__size_band=SizeBand.MEDIUM)
    request_size(admin, SizeBand.MICRO)
    with pytest.raises(DomainError, match="waiting for a check"):
        services.provider_details_correct(
            provider=admin.provider, actor=StaffFactory(), reason="x", size_band=SizeBand.LARGE
        )
