"""Legal calling hours in each recipient's own time zone, checked before anything is sent.

The Vozzo API takes one daily window in IST for a whole campaign; nothing stops a 09-18 IST
window from ringing New York at 23:30. A compliance profile names the local hours a recipient may
be called in; the campaign's IST window, on every day it may call (weekends or not, between its
start and end dates, a year ahead when open-ended, so both sides of a DST change are seen), is
mapped into each of the recipient's time zones and must fall inside every profile's hours.

    in-trai          09:00-21:00 local   TRAI telemarketing rules
    us-tcpa          08:00-21:00 local   47 CFR 64.1200(c)(1)
    in-rbi-recovery  08:00-19:00 local   RBI's 2022 circular on recovery calls
    custom           {start: "HH:MM", end: "HH:MM", days: [mon, ..., sun]}

A number may map to several zones (+61 4… is all of Australia): it must be callable in all of
them. Zones come from `phonenumbers`' prefix data; the verdict is computed once per distinct
set of zones, so a million recipients cost a dictionary look-up each.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone, tzdata

IST = ZoneInfo("Asia/Kolkata")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UNKNOWN_ZONE = "Etc/Unknown"
OPEN_ENDED_HORIZON = dt.timedelta(days=366)
_HHMM = re.compile(r"([01][0-9]|2[0-4]):([0-5][0-9])")


@dataclass(frozen=True)
class Profile:
    name: str
    start: dt.time
    end: dt.time  # dt.time.max stands for 24:00
    days: frozenset[int] = frozenset(range(7))  # 0 = Monday
    source: str = ""

    def describe(self) -> str:
        end = "24:00" if self.end == dt.time.max else self.end.strftime("%H:%M")
        days = "" if len(self.days) == 7 else " on " + ",".join(DAYS[d] for d in sorted(self.days))
        return f"{self.name} allows {self.start:%H:%M}-{end} local{days}"


PROFILES: dict[str, Profile] = {
    "in-trai": Profile("in-trai", dt.time(9), dt.time(21), source="TRAI telemarketing rules"),
    "us-tcpa": Profile("us-tcpa", dt.time(8), dt.time(21), source="47 CFR 64.1200(c)(1)"),
    "in-rbi-recovery": Profile(
        "in-rbi-recovery", dt.time(8), dt.time(19), source="RBI 2022 circular on recovery calls"
    ),
}


def parse_hhmm(text: object) -> dt.time:
    if not isinstance(text, str) or not _HHMM.fullmatch(text.strip()):
        raise ValueError(f'{text!r} is not a time: write it as "HH:MM", e.g. "09:00"')
    hours, minutes = (int(x) for x in text.strip().split(":"))
    if hours == 24:
        if minutes:
            raise ValueError(f"{text!r} is after 24:00")
        return dt.time.max
    return dt.time(hours, minutes)


def custom_profile(start: object, end: object, days: Sequence[object] | None) -> Profile:
    first, last = parse_hhmm(start), parse_hhmm(end)
    if last <= first:
        raise ValueError(f"end {end} is not after start {start}")
    chosen = frozenset(range(7))
    if days is not None:
        picked: set[int] = set()
        for d in days:
            if not isinstance(d, str) or d.strip().lower()[:3] not in DAYS:
                raise ValueError(f"{d!r} is not a day: use {', '.join(DAYS)}")
            picked.add(DAYS.index(d.strip().lower()[:3]))
        if not picked:
            raise ValueError("days is empty: name at least one day")
        chosen = frozenset(picked)
    return Profile("custom", first, last, chosen)


def zones_for(phone: str) -> tuple[str, ...]:
    """The time zones of an E.164 number (`+12125550123` → `('America/New_York',)`).

    A country with one zone answers at once; elsewhere `phonenumbers` decides, which knows that
    a mobile number is not tied to the region of its prefix (+61 4… is all of Australia).
    """
    digits = phone.lstrip("+")
    for n in (1, 2, 3):
        country = tzdata.TIMEZONE_DATA.get(digits[:n])
        if country is not None and digits[:n].isdigit() and _is_country_code(digits[:n]):
            if len(country) == 1:
                return tuple(country)
            break
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return (UNKNOWN_ZONE,)
    return tuple(timezone.time_zones_for_number(number))


def _is_country_code(digits: str) -> bool:
    return int(digits) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE


@dataclass(frozen=True)
class Schedule:
    start_date: dt.date
    end_date: dt.date | None
    start_hour: int
    end_hour: int
    weekends: bool


@dataclass(frozen=True)
class Breach:
    """The first day on which a window falls outside a profile's hours in a zone."""

    zone: str
    day: dt.date
    local_start: dt.datetime
    local_end: dt.datetime
    profile: Profile

    def describe(self, s: Schedule) -> str:
        start, end = self.local_start, self.local_end
        day = "" if start.date() == end.date() else " (past local midnight)"
        return (
            f"on {self.day} the window {s.start_hour:02d}:00-{s.end_hour:02d}:00 IST is "
            f"{start:%H:%M}-{end:%H:%M} {start:%a} in {self.zone}{day}; "
            f"{self.profile.describe()}"
        )


@lru_cache(maxsize=4096)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def calling_days(s: Schedule) -> list[dt.date]:
    last = s.end_date or s.start_date + OPEN_ENDED_HORIZON
    days = []
    day = s.start_date
    while day <= last:
        if s.weekends or day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


@lru_cache(maxsize=4096)
def breach(s: Schedule, zone: str, profiles: tuple[Profile, ...]) -> Breach | None:
    """The first day the campaign's window leaves any profile's hours in `zone`, or None."""
    tz = _zone(zone)
    if tz is None:
        return None
    for day in calling_days(s):
        ist_start = dt.datetime.combine(day, dt.time(s.start_hour), IST)
        ist_end = dt.datetime.combine(day, dt.time(s.end_hour), IST)
        start, end = ist_start.astimezone(tz), ist_end.astimezone(tz)
        for p in profiles:
            ends_at_midnight = end.time() == dt.time(
                0
            ) and end.date() == start.date() + dt.timedelta(1)
            same_day = start.date() == end.date() or (ends_at_midnight and p.end == dt.time.max)
            end_time = dt.time.max if ends_at_midnight else end.time()
            if (
                not same_day
                or start.time() < p.start
                or end_time > p.end
                or start.weekday() not in p.days
            ):
                return Breach(zone, day, start, end, p)
    return None


@dataclass(frozen=True)
class Verdict:
    zones: tuple[str, ...]
    breach: Breach | None
    unknown: bool  # no time zone is known for the number


def judge(s: Schedule, phone: str, profiles: tuple[Profile, ...]) -> Verdict:
    zones = zones_for(phone)
    unknown = all(_zone(z) is None for z in zones)
    found = None
    if profiles:
        for z in zones:
            found = breach(s, z, profiles)
            if found is not None:
                break
    return Verdict(zones, found, unknown)


def outside_india(phones: Iterable[str]) -> int:
    return sum(1 for p in phones if not p.startswith("+91"))
