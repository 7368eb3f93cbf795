"""A pause is never undone by accident: which live campaigns apply must leave stopped.

Drift in hours, dates and retries is set back; a campaign's state is not. Restarting calls is
an intent, and only two things state it: a manifest whose `spec.state` changed to RUNNING since
the last apply (a reviewed pull request), or `vozzoctl resume`. So when the manifest says
RUNNING and a live batch is SUSPENDED, apply restarts it only if the lockfile shows that the
state vozzoctl last applied for the key was not RUNNING; otherwise the batch was paused outside
vozzoctl (the dashboard) or by `vozzoctl stop`, and it stays paused, first and loudly in the plan.

What vozzoctl last applied is the lockfile's `state` of the key; a lockfile written before it
was recorded still tells it when the settings fingerprint matches the manifest's (the manifest
then declares what was applied). Anything else is "not known", and not known holds the pause:
calls are never restarted on a guess.

Pure: reads values, decides, says why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from vozzoctl.lockfile import Entry
from vozzoctl.model import State
from vozzoctl.pii import mask_phone, mask_phones_in

if TYPE_CHECKING:  # stop and status read pauses without loading the manifest package
    from vozzoctl.manifest.desired import DesiredCampaign

IST = ZoneInfo("Asia/Kolkata")
MAX_REASON = 200
_DIGITS = re.compile(r"\d{7,}")


def clean(text: str) -> str:
    """A stop's reason as it may be shown: one printable line, numbers masked, at most
    MAX_REASON characters. It is typed by a person and reaches pull-request comments."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    flat = _DIGITS.sub(lambda m: mask_phone(m.group(0)), mask_phones_in(flat))
    return flat if len(flat) <= MAX_REASON else flat[: MAX_REASON - 1] + "…"


class _Live(Protocol):
    @property
    def campaign_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def state(self) -> State: ...


@dataclass(frozen=True, slots=True)
class Paused:
    """A live campaign whose calls are stopped although the manifest says RUNNING."""

    key: str
    campaign_id: str
    campaign_name: str
    state: State  # as read: SUSPENDED, TO_START (not started: the key was stopped) or ENDED
    by: str  # "stop" (vozzoctl stop, recorded) or "outside" (the dashboard, the API)
    since: str  # "at or before" this time: the campaign's last update, or the stop's time
    reason: str = ""  # the stop's --reason

    @property
    def final(self) -> bool:
        """ENDED: nothing can restart it; shown, but not a change a pipeline waits on."""
        return self.state.final

    @property
    def message(self) -> str:
        when = f" at or before {self.since}" if self.since else ""
        if self.by == "stop":
            why = f" ({self.reason})" if self.reason else ""
            head = f"stopped by `vozzoctl stop`{when}{why}"
        elif self.state is State.TO_START:
            head = "not started: the key's calls are stopped"
        else:
            head = f"{'ended' if self.final else 'paused'} outside vozzoctl{when}"
        if self.final:
            return f"{head}; ENDED is final: calls stay stopped"
        return f"{head}; calls stay stopped — `vozzoctl resume {self.key}` to restart"


@dataclass(frozen=True)
class Review:
    paused: tuple[Paused, ...] = ()
    holds_key: bool = False  # new batches of the key are created SUSPENDED, not RUNNING

    @property
    def held_ids(self) -> frozenset[str]:
        return frozenset(p.campaign_id for p in self.paused if not p.final)

    def desired_for(self, campaign_id: str, d: DesiredCampaign, live: State) -> DesiredCampaign:
        """The desired campaign to compare a live batch with: a held batch keeps its state, so
        only its other drift is set back."""
        if not self.paused or campaign_id not in self.held_ids:
            return d
        return replace(d, settings=replace(d.settings, state=live))

    def then_state(self, then: State | None) -> State | None:
        """A new batch of a held key waits SUSPENDED for `vozzoctl resume`."""
        return State.SUSPENDED if self.holds_key and then is State.RUNNING else then


def last_applied(d: DesiredCampaign, entry: Entry | None) -> State | None:
    """The spec.state vozzoctl last applied for the key, or None when the lockfile cannot say."""
    if entry is None:
        return None
    if entry.state:
        try:
            return State(entry.state)
        except ValueError:
            return None
    if entry.settings_sha256 and entry.settings_sha256 == d.settings_sha:
        return d.settings.state
    return None


def review(d: DesiredCampaign, entry: Entry | None, batches: Sequence[_Live]) -> Review:
    """The key's batches that apply leaves stopped, and whether its new batches wait too."""
    if d.settings.state is not State.RUNNING or not batches:
        return Review()
    last = last_applied(d, entry)
    if last is not None and last is not State.RUNNING:
        return Review()  # the manifest asks to restart: a reviewed change, applied
    stop = entry.stopped if entry else None
    stopped_ids = set(stop.batches) if stop else set()
    # A stop holds the key while a batch it stopped is still SUSPENDED; once they all run
    # again (restarted in the dashboard), it is over and holds nothing more.
    stop_holds = any(c.campaign_id in stopped_ids and c.state is State.SUSPENDED for c in batches)
    paused: list[Paused] = []
    for c in batches:
        if c.state is State.SUSPENDED or (c.state is State.TO_START and stop_holds):
            if c.campaign_id in stopped_ids and stop is not None:
                by, since, why = "stop", ist_time(stop.at), clean(stop.reason)
            else:
                by, since, why = "outside", _since(c), ""
            paused.append(Paused(d.key, c.campaign_id, c.name, c.state, by, since, why))
    held = bool(paused) or stop_holds
    # Every batch finished, the newest ENDED, not by a replace of vozzoctl's own: shown, but
    # it holds nothing (a manifest that adds recipients then asks for calls to new people).
    newest = batches[-1]
    replaced = {cid for p in (entry.pending if entry else ()) for cid in p.replaces}
    if (
        last is State.RUNNING
        and newest.state is State.ENDED
        and newest.campaign_id not in replaced
        and all(c.state.final for c in batches)
    ):
        ended = Paused(
            d.key, newest.campaign_id, newest.name, State.ENDED, "outside", _since(newest)
        )
        paused.append(ended)
    return Review(tuple(paused), holds_key=held)


def _since(c: _Live) -> str:
    updated = getattr(c, "updated_at", None)
    return ist_time(updated.isoformat()) if isinstance(updated, dt.datetime) else ""


def ist_time(text: str) -> str:
    """An ISO time as `2026-12-01 15:30 IST`; "" when it is not one (it is never echoed)."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(IST).strftime("%Y-%m-%d %H:%M IST")
