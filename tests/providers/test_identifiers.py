"""Providers' register numbers are format-checked and kept in org-id form."""

import pytest
from django.core.exceptions import ValidationError

from providers.choices import IdentifierScheme
from providers.models import ProviderIdentifier
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("scheme", "typed", "org_id"),
    [
        (IdentifierScheme.COMPANIES_HOUSE, "01234567", "GB-COH-01234567"),
        (IdentifierScheme.COMPANIES_HOUSE, "sc 123456", "GB-COH-SC123456"),
        (IdentifierScheme.CHARITY_ENGLAND_WALES, "1098765", "GB-CHC-1098765"),
        (IdentifierScheme.CHARITY_SCOTLAND, "SC012345", "GB-SC-SC012345"),
        (IdentifierScheme.MUTUALS_REGISTER, "31245R", "GB-MPR-31245R"),
    ],
)
def test_valid_numbers_are_accepted_in_org_id_form(scheme, typed, org_id):
    identifier = ProviderIdentifier(provider=ProviderFactory(), scheme=scheme, value=typed)
    identifier.full_clean()
    assert identifier.org_id == org_id


@pytest.mark.parametrize(
    ("scheme", "typed", "explanation"),
    [
        (IdentifierScheme.COMPANIES_HOUSE, "1234", "8 characters"),
        (IdentifierScheme.CHARITY_ENGLAND_WALES, "ABC123", "6 or 7 digits"),
        (IdentifierScheme.CHARITY_SCOTLAND, "123456", "SC0 and 5 digits"),
    ],
)
def test_malformed_numbers_are_refused_with_the_expected_format(scheme, typed, explanation):
    identifier = ProviderIdentifier(provider=ProviderFactory(), scheme=scheme, value=typed)
    with pytest.raises(ValidationError) as refused:
        identifier.full_clean()
    assert explanation in refused.value.message_dict["value"][0]


def test_unknown_region_codes_are_refused():
    provider = ProviderFactory.build(regions=["UKD", "XX9"])
    with pytest.raises(ValidationError, match="XX9"):
        provider.full_clean(exclude=["name"])
