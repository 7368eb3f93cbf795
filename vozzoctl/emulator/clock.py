"""The emulator's sense of time: an injectable, accelerable, advanceable clock.

Emulated time is `origin + (source() - source_at_start) * speed + offset`. With the default
source (the real UTC clock) and `speed=60`, one real second is one emulated minute; with a fixed
source (`lambda: datetime(2026, 3, 2, 4, 30, tzinfo=UTC)`) time stands still until a test calls
`advance()`. Campaign dates and calling windows are read in IST, the only time zone the API uses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30), "IST")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told: `clock.advance(minutes=5)`, `clock.set(when)`."""

    def __init__(self, now: datetime) -> None:
        _require_aware(now)
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None, **kw: float) -> datetime:
        step = (delta or timedelta()) + timedelta(**kw)
        with self._lock:
            self._now += step
            return self._now

    def set(self, now: datetime) -> None:
        _require_aware(now)
        with self._lock:
            self._now = now


class EmulatedClock:
    """Emulated time from a source clock, sped up by `speed`, shifted by `advance()`."""

    def __init__(self, source: Clock | None = None, *, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._source = source or utc_now
        self._speed = speed
        self._origin = self._source()
        _require_aware(self._origin)
        self._offset = timedelta()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        now = self._source()
        with self._lock:
            offset = self._offset
        if self._speed == 1.0:
            return now + offset
        return self._origin + (now - self._origin) * self._speed + offset

    def advance(self, delta: timedelta | None = None, **kw: float) -> datetime:
        step = (delta or timedelta()) + timedelta(**kw)
        if step < timedelta():
            raise ValueError("the emulated clock only moves forward")
        with self._lock:
            self._offset += step
        return self()


def ist_date(when: datetime) -> date:
    return when.astimezone(IST).date()


def ist_at(day: date, hour: int) -> datetime:
    """`hour`:00 IST on `day`, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=IST).astimezone(UTC)


def _require_aware(when: datetime) -> None:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("the emulator's clock must return aware datetimes")
