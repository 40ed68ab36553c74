"""The demo has providers offering services by category, and one excluded from bidding, so
officers can see the exclusion flag by signing in."""

import pytest

from providers import demo, selectors

pytestmark = pytest.mark.django_db


def test_demo_providers_offer_services_and_one_is_excluded():
    providers = demo.seed()
    assert all(providers[name].categories.exists() for name in demo.CATEGORIES)
    exclusion = selectors.exclusion_in_force(providers[demo.EXCLUDED])
    assert exclusion is not None
    assert exclusion.recorded_by.is_staff


def test_seeding_the_demo_providers_twice_changes_nothing():
    demo.seed()
    counts = [p.exclusions.count() for p in demo.seed().values()]
    assert sum(counts) == 1
