from django.db import models


class Role(models.TextChoices):
    COMMISSIONING_OFFICER = "commissioning_officer", "Commissioning officer"
    COMMISSIONING_MANAGER = "commissioning_manager", "Commissioning manager"
    PROVIDER_ADMIN = "provider_admin", "Provider admin"
    BID_WRITER = "bid_writer", "Bid writer"


COMMISSIONER_ROLES = (Role.COMMISSIONING_OFFICER, Role.COMMISSIONING_MANAGER)
PROVIDER_ROLES = (Role.PROVIDER_ADMIN, Role.BID_WRITER)
