"""The clock port: instants in UTC, calendar days in Europe/Paris."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

#: Days and ages are counted in the French calendar.
PARIS = ZoneInfo("Europe/Paris")


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests: it shows the instant it was given until moved."""

    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


def paris_today(clock: Clock) -> date:
    """Return today's date in Paris."""
    return clock.now().astimezone(PARIS).date()


#: How every page, mail, export and command writes an instant: Paris time, day first.
INSTANT_FORMAT = "%d/%m/%Y %H:%M"


def paris_time(instant: datetime) -> str:
    """Return "12/03/2026 10:30": the instant in Paris, as the whole application writes it."""
    return instant.astimezone(PARIS).strftime(INSTANT_FORMAT)
