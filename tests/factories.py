"""factory_boy factories for every app's models. Tests build what their story needs."""

import factory
from factory.django import DjangoModelFactory

from accounts.choices import Role
from accounts.models import User
from commissioning.choices import CommissionerKind
from commissioning.models import CommissionerOrganisation
from core.choices import Region
from providers.choices import (
    IdentifierScheme,
    LegalForm,
    ProviderKind,
    SizeBand,
    VerificationStatus,
)
from providers.models import ProviderIdentifier, ProviderOrganisation

PASSWORD = "correct-horse-battery"


class CommissionerFactory(DjangoModelFactory):
    class Meta:
        model = CommissionerOrganisation

    name = factory.Sequence(lambda n: f"Testshire Council {n}")
    kind = CommissionerKind.LOCAL_AUTHORITY
    identifier = factory.Sequence(lambda n: f"GB-LAE-T{n:04d}")
    region = Region.NORTH_WEST


class ProviderFactory(DjangoModelFactory):
    class Meta:
        model = ProviderOrganisation

    name = factory.Sequence(lambda n: f"Helping Hands {n}")
    kind = ProviderKind.THIRD_SECTOR
    legal_form = LegalForm.CHARITY
    size_band = SizeBand.SMALL
    verification_status = VerificationStatus.VERIFIED
    postcode = "M1 1AE"
    regions = factory.LazyFunction(lambda: [Region.NORTH_WEST.value])


class ProviderIdentifierFactory(DjangoModelFactory):
    class Meta:
        model = ProviderIdentifier

    provider = factory.SubFactory(ProviderFactory)
    scheme = IdentifierScheme.CHARITY_ENGLAND_WALES
    value = factory.Sequence(lambda n: f"{1100000 + n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class OfficerFactory(UserFactory):
    role = Role.COMMISSIONING_OFFICER
    commissioner = factory.SubFactory(CommissionerFactory)


class ManagerFactory(UserFactory):
    role = Role.COMMISSIONING_MANAGER
    commissioner = factory.SubFactory(CommissionerFactory)


class ProviderAdminFactory(UserFactory):
    role = Role.PROVIDER_ADMIN
    provider = factory.SubFactory(ProviderFactory)


class BidWriterFactory(UserFactory):
    role = Role.BID_WRITER
    provider = factory.SubFactory(ProviderFactory)


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True
