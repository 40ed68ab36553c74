"""Each user belongs to one organisation, with a role that fits it."""

import pytest
from django.db import IntegrityError

from accounts.choices import Role
from accounts.models import User
from tests.factories import CommissionerFactory, ProviderFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_commissioner_role_needs_a_commissioner_not_a_provider():
    with pytest.raises(IntegrityError):
        User.objects.bulk_create(
            [
                User(
                    email="x@example.org",
                    full_name="X",
                    role=Role.COMMISSIONING_OFFICER,
                    provider=ProviderFactory(),
                )
            ]
        )


def test_provider_role_needs_a_provider():
    with pytest.raises(IntegrityError):
        User.objects.bulk_create(
            [
                User(
                    email="y@example.org",
                    full_name="Y",
                    role=Role.BID_WRITER,
                    commissioner=CommissionerFactory(),
                )
            ]
        )


def test_platform_staff_belong_to_no_organisation():
    staff = StaffFactory()
    assert staff.organisation is None
    assert not staff.is_commissioner_user and not staff.is_provider_user


def test_email_is_unique_whatever_its_case():
    User.objects.create_user("Same@Example.org", password="long-enough-1", full_name="A")
    with pytest.raises(Exception, match=r"already exists|duplicate"):
        User.objects.create_user("same@example.org", password="long-enough-1", full_name="B")
