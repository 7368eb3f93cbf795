"""The one place that reads the wall clock: Vozzo dates are days in IST.

`set_clock` lets the demo and tests run on a chosen instant, so that nothing vozzoctl decides
depends on the day it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")

_clock: Callable[[], dt.datetime] | None = None


def set_clock(clock: Callable[[], dt.datetime] | None) -> None:
    """Use `clock` (returning an aware datetime) instead of the wall clock; None restores it."""
    global _clock  # noqa: PLW0603 - the one seam for time
    _clock = clock


def now_ist() -> dt.datetime:
    return (_clock() if _clock is not None else dt.datetime.now(dt.UTC)).astimezone(IST)


def today_ist() -> dt.date:
    return now_ist().date()
