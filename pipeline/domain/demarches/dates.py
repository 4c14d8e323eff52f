"""Date rules of the démarches: dd/mm/yyyy dates, birth dates, ages and deadlines."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta

WEDNESDAY = 2  # date.weekday()
#: No one alive was born before: an earlier year is a typing slip (0001, 19, 209...).
EARLIEST_BIRTH = date(1900, 1, 1)
DATE_PATTERN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")

# Messages for the person who sent an unusable date.
BAD_DATE = "La date doit être une date réelle au format jj/mm/aaaa."
FUTURE_BIRTH = "La date de naissance ne peut pas être dans le futur."
OLD_BIRTH = (
    f"La date de naissance ne peut pas être antérieure au {EARLIEST_BIRTH.strftime('%d/%m/%Y')}"
    " : vérifiez l'année, sur 4 chiffres."
)


def parse_date(value: str | None) -> date | None:
    """Return the date written dd/mm/yyyy (day and month may have one digit), or None."""
    if not isinstance(value, str):
        return None
    match = DATE_PATTERN.match(value.strip())
    if not match:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_date(day: date) -> str:
    """Return dd/mm/yyyy, the year on 4 digits even before 1000 (strftime drops them)."""
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def anniversary(birth: date, years: int) -> date:
    """Return the date someone born on ``birth`` turns ``years``.

    Someone born on 29 February turns a year older on 1 March in common years: they have not
    reached the age on 28 February, as the day of their birth has not yet come round.
    """
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def age_on(birth: date, day: date) -> int:
    """Return the age in whole years on ``day`` of someone born on ``birth``."""
    years = day.year - birth.year
    if day < anniversary(birth, years):
        years -= 1
    return years


def last_day_of_month_after(day: date, months: int) -> date:
    """Return the last day of the ``months``-th month after the month of ``day``."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, monthrange(year, month)[1])


def nth_weekday_before(day: date, weekday: int, n: int) -> date:
    """Return the ``n``-th given weekday (Monday = 0) strictly before ``day``."""
    back = (day.weekday() - weekday) % 7 or 7
    return day - timedelta(days=back + 7 * (n - 1))


def sixth_wednesday_before(day: date) -> date:
    """Return the 6th Wednesday before ``day``: online electoral requests close on it."""
    return nth_weekday_before(day, WEDNESDAY, 6)


def implausible_birth(born: date, today: date) -> str | None:
    """Return why ``born`` cannot be a birth date (before 1900, after today), or None."""
    if born > today:
        return FUTURE_BIRTH
    if born < EARLIEST_BIRTH:
        return OLD_BIRTH
    return None
