from django.db import models


class Region(models.TextChoices):
    """The ITL 1 regions of the UK (formerly NUTS 1), as public bodies report them."""

    NORTH_EAST = "UKC", "North East"
    NORTH_WEST = "UKD", "North West"
    YORKSHIRE = "UKE", "Yorkshire and The Humber"
    EAST_MIDLANDS = "UKF", "East Midlands"
    WEST_MIDLANDS = "UKG", "West Midlands"
    EAST = "UKH", "East of England"
    LONDON = "UKI", "London"
    SOUTH_EAST = "UKJ", "South East"
    SOUTH_WEST = "UKK", "South West"
    WALES = "UKL", "Wales"
    SCOTLAND = "UKM", "Scotland"
    NORTHERN_IRELAND = "UKN", "Northern Ireland"
