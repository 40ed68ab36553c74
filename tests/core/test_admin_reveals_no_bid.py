"""No admin page tells staff that a bid exists before its tender closes.

The delete-confirmation pages named protected related objects ("cannot delete … bid"), so a
provider's or a user's first sealed bid showed there at once. Every admin page about the
tender, its lots, the bidding provider and the user who bid (changelists with their filters'
counts and search, change, history and delete pages, the delete action's confirmation and
the autocomplete lookups) is rendered as staff with no bid and again with one sealed bid,
and must be identical."""

import re

import pytest
from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import NoReverseMatch, reverse

from commissioning.choices import CriterionKind
from commissioning.models import Bid
from commissioning.services.bids import bid_submit
from tests.factories import ProviderAdminFactory, StaffFactory, published_tender

pytestmark = pytest.mark.django_db

BIDDER = "Quietly Bidding Trust"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _admin_url(model, view, *args):
    info = (model._meta.app_label, model._meta.model_name)
    try:
        return reverse(f"admin:{info[0]}_{info[1]}_{view}", args=args)
    except NoReverseMatch:
        return f"/admin/{info[0]}/{info[1]}/{'/'.join(map(str, args))}/{view}/"


class Story:
    def __init__(self):
        self.tender = published_tender(lots=2)
        self.lot = self.tender.lots.get(number=1)
        self.bidder = ProviderAdminFactory(provider__name=BIDDER)
        self.provider = self.bidder.provider
        self.staff = StaffFactory()
        self.client = Client()
        self.client.force_login(self.staff, backend="django.contrib.auth.backends.ModelBackend")

    def bid(self):
        criteria = self.tender.criteria.exclude(kind=CriterionKind.PRICE)
        bid_submit(
            lot=self.lot,
            actor=self.bidder,
            price="250000",
            answers={str(c.pk): "Our plan" for c in criteria},
            partners=[],
            documents=[],
        )

    def gets(self) -> list[str]:
        urls = ["/admin/"]
        for model in admin.site._registry:
            changelist = _admin_url(model, "changelist")
            # The filters' counts, within a search for the bidder.
            urls += [changelist, f"{changelist}?_facets=1&q={BIDDER.split()[0]}"]
        for label in ("accounts.User", "core.AuditEntry", "axes.AccessLog"):
            model = django_apps.get_model(label)
            urls.append(f"{_admin_url(model, 'changelist')}?q={self.bidder.email}")
        for record in (self.tender, self.lot, self.provider, self.bidder):
            for view in ("change", "history", "delete"):
                urls.append(_admin_url(type(record), view, record.pk))
        for app_label, model_name, field_name, term in (
            ("accounts", "user", "provider", BIDDER.split()[0]),
            ("providers", "providerexclusion", "provider", BIDDER.split()[0]),
        ):
            urls.append(
                f"/admin/autocomplete/?app_label={app_label}&model_name={model_name}"
                f"&field_name={field_name}&term={term}"
            )
        return urls

    def posts(self) -> list[tuple[str, dict]]:
        """The delete action's confirmation page, which lists protected objects too."""
        return [
            (
                _admin_url(type(record), "changelist"),
                {"action": "delete_selected", "_selected_action": [record.pk]},
            )
            for record in (self.provider, self.bidder, self.tender)
        ]

    def snapshot(self) -> dict:
        pages = {}
        for url in self.gets():
            response = self.client.get(url)
            pages[url] = (response.status_code, CSRF.sub("", response.content.decode()))
        for url, data in self.posts():
            response = self.client.post(url, data, follow=True)
            pages[("POST", url, data["action"])] = (
                response.status_code,
                CSRF.sub("", response.content.decode()),
            )
        return pages


def test_no_admin_page_changes_when_a_sealed_bid_arrives():
    story = Story()
    before = story.snapshot()
    story.bid()
    after = story.snapshot()
    changed = [key for key in before if before[key] != after[key]]
    assert not changed, f"these admin pages changed when a sealed bid arrived: {changed}"
    broken = [key for key, (status, _) in after.items() if status >= 500]
    assert not broken, f"these admin pages failed: {broken}"


def test_the_admins_view_on_site_link_tells_a_sealed_bid_from_a_missing_one_no_better():
    story = Story()
    story.bid()
    bid_type = ContentType.objects.get_for_model(Bid)
    [bid] = Bid.objects.all()
    pages = [
        story.client.get(f"/admin/r/{bid_type.pk}/{bid_id}/") for bid_id in (bid.pk, bid.pk + 999)
    ]
    assert pages[0].status_code == pages[1].status_code == 404
    assert CSRF.sub("", pages[0].content.decode()) == CSRF.sub("", pages[1].content.decode())
