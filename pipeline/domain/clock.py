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
