"""A day typed by an agent: in a date field (aaaa-mm-jj) or by hand (jj/mm/aaaa)."""

from __future__ import annotations

from datetime import date

BAD_DAY = "Date invalide : écrivez-la jj/mm/aaaa."


def typed_day(value: str, field: str, errors: dict[str, str]) -> date | None:
    """The day typed, or None (and ``errors[field]`` says why when something was typed)."""
    value = value.strip()
    if not value:
        return None
    try:
        if "/" in value:
            day, month, year = (int(part) for part in value.split("/"))
            return date(year, month, day)
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = BAD_DAY
        return None
