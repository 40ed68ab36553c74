from django.db import models


class CommissionerKind(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    NHS_BODY = "nhs_body", "NHS body"
    CENTRAL_GOVERNMENT = "central_government", "Central government department"
    COMMUNITY_PURCHASER = (
        "community_purchaser",
        "Community purchaser (parish or town council, community trust)",
    )
