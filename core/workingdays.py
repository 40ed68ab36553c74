"""Working days in England and Wales: weekdays that are not bank holidays.

Bank holidays come from the `holidays` package's tables (no network call), including the
one-off days it knows about (coronations, jubilees, state funerals)."""

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def add_working_days(start: date | datetime, days: int):
    """The moment `days` working days after `start`, keeping its time of day if it has one.

    Counting starts the day after `start`, as statutory periods do: 8 working days from a
    Friday award decision end on the Wednesday of the week after next."""
    current = start
    remaining = days
    while remaining > 0:
        current = current + timedelta(days=1)
        day = current.date() if isinstance(current, datetime) else current
        if is_working_day(day):
            remaining -= 1
    return current
