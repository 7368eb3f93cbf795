"""Live state, progress and analytics of the managed campaigns, key by key.

A key's batches (`<name>`, `<name> #2`, …) are read concurrently — detail and analytics of
each — and summed under the key, so `vozzoctl status` costs two requests per batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncGenerator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from vozzoctl.api import (
    Analytics,
    LiveCampaign,
    ScheduledItem,
    ScheduledItemDetail,
    VozzoClient,
)
from vozzoctl.errors import NotFoundError, RequestRejectedError, UsageError
from vozzoctl.lockfile import Batch, Lockfile, Stop
from vozzoctl.model import State
from vozzoctl.plan.pauses import clean

MISSING = "MISSING"  # recorded in the lockfile, not in this account


def chosen_keys(lock: Lockfile, keys: Sequence[str], lockfile_name: str) -> list[str]:
    """The keys asked for (all managed keys when none), or UsageError naming the known ones."""
    known = sorted(lock.campaigns)
    unknown = [k for k in keys if k not in lock.campaigns]
    if unknown:
        listed = ", ".join(known) if known else "none yet"
        raise UsageError(
            f"{', '.join(repr(k) for k in unknown)} is not a key in {lockfile_name} "
            f"(known keys: {listed})",
            hint="keys are the manifests' metadata.name; `vozzoctl status` lists them all",
        )
    return list(dict.fromkeys(keys)) if keys else known


@dataclass(frozen=True)
class Figures:
    """A campaign's analytics beyond the counts: what its calls were about and achieved."""

    categories: Mapping[str, int] = field(default_factory=dict)
    goals: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # name: (achieved, total)
    success_criteria: Mapping[str, int] = field(default_factory=dict)

    def __add__(self, other: Figures) -> Figures:
        goals = dict(self.goals)
        for name, (achieved, total) in other.goals.items():
            a, t = goals.get(name, (0, 0))
            goals[name] = (a + achieved, t + total)
        return Figures(
            _add(self.categories, other.categories),
            goals,
            _add(self.success_criteria, other.success_criteria),
        )

    def __bool__(self) -> bool:
        return bool(self.categories or self.goals or self.success_criteria)

    def as_json(self) -> dict[str, Any]:
        return {
            "categories": dict(sorted(self.categories.items())),
            "goals": {k: {"achieved": a, "total": t} for k, (a, t) in sorted(self.goals.items())},
            "success_criteria": dict(sorted(self.success_criteria.items())),
        }


def _add(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def connect_rate(connected: int | None, attempted: int | None) -> float | None:
    """Connected calls per attempted call, 0..1; None before any attempt."""
    if not attempted:
        return None
    return round((connected or 0) / attempted, 4)


@dataclass(frozen=True)
class BatchStatus:
    campaign_id: str
    name: str
    state: str  # a State value, or MISSING
    processed: int
    total: int
    attempted: int | None
    connected: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    figures: Figures = Figures()

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "name": self.name,
            "state": self.state,
            "processed": self.processed,
            "total": self.total,
            "calls_attempted": self.attempted,
            "calls_connected": self.connected,
            "connect_rate": connect_rate(self.connected, self.attempted),
            **self.figures.as_json(),
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
        }


@dataclass(frozen=True)
class KeyStatus:
    key: str
    batches: tuple[BatchStatus, ...]
    stopped: Stop | None = None  # the key's last `vozzoctl stop`, from the lockfile

    @property
    def paused(self) -> bool:
        """Calls of the key are held: a batch is SUSPENDED (shown first)."""
        return any(b.state == State.SUSPENDED for b in self.batches)

    @property
    def names(self) -> list[str]:
        return [b.name for b in self.batches]

    @property
    def state(self) -> str:
        """The batches' state when they agree; else the active ones' with the rest counted."""
        states = [b.state for b in self.batches]
        if not states:
            return "-"
        if len(set(states)) == 1:
            return states[0]
        counts: dict[str, int] = {}
        for s in states:
            counts[s] = counts.get(s, 0) + 1
        return ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))

    @property
    def processed(self) -> int:
        return sum(b.processed for b in self.batches)

    @property
    def total(self) -> int:
        return sum(b.total for b in self.batches)

    @property
    def attempted(self) -> int | None:
        got = [b.attempted for b in self.batches if b.attempted is not None]
        return sum(got) if got else None

    @property
    def connected(self) -> int | None:
        got = [b.connected for b in self.batches if b.connected is not None]
        return sum(got) if got else None

    @property
    def connect_rate(self) -> float | None:
        return connect_rate(self.connected, self.attempted)

    @property
    def figures(self) -> Figures:
        return sum((b.figures for b in self.batches), Figures())

    @property
    def start_date(self) -> dt.date | None:
        got = [b.start_date for b in self.batches if b.start_date is not None]
        return min(got) if got else None

    @property
    def end_date(self) -> dt.date | None:
        """The last end date; None when any batch is open-ended (or none was read)."""
        read = [b for b in self.batches if b.state != MISSING]
        if not read or any(b.end_date is None for b in read):
            return None
        return max(b.end_date for b in read if b.end_date is not None)

    @property
    def finished(self) -> bool:
        return all(b.state in (State.ENDED, State.COMPLETED, MISSING) for b in self.batches)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "names": self.names,
            "state": self.state,
            "processed": self.processed,
            "total": self.total,
            "calls_attempted": self.attempted,
            "calls_connected": self.connected,
            "connect_rate": self.connect_rate,
            **self.figures.as_json(),
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "batches": [b.as_json() for b in self.batches],
            "paused": self.paused,
            "stopped": {
                "at": self.stopped.at,
                "reason": clean(self.stopped.reason),
                "batches": list(self.stopped.batches),
            }
            if self.stopped
            else None,
        }


async def _batch(client: VozzoClient, batch: Batch) -> BatchStatus:
    try:
        live, analytics = await asyncio.gather(
            client.live_campaign(batch.campaign_id), _analytics(client, batch.campaign_id)
        )
    except NotFoundError:
        return BatchStatus(batch.campaign_id, batch.campaign_name, MISSING, 0,
                           batch.recipients, None, None, None, None)  # fmt: skip
    return from_live(live, analytics, batch.recipients)


async def _analytics(client: VozzoClient, campaign_id: str) -> Analytics | None:
    try:
        return await client.get_analytics(campaign_id)
    except NotFoundError:
        return None


def from_live(live: LiveCampaign, analytics: Analytics | None, recorded: int) -> BatchStatus:
    total = live.total_records
    if total is None and analytics is not None:
        total = analytics.total_records
    processed = live.processed_records
    if processed is None and analytics is not None:
        processed = analytics.processed_records
    return BatchStatus(
        campaign_id=live.campaign_id,
        name=live.name,
        state=live.state.value,
        processed=processed or 0,
        total=total if total is not None else recorded,
        attempted=analytics.calls_attempted if analytics else None,
        connected=analytics.calls_connected if analytics else None,
        start_date=live.start_date,
        end_date=live.end_date,
        figures=_figures(analytics),
    )


def _figures(a: Analytics | None) -> Figures:
    if a is None:
        return Figures()
    return Figures(
        {name: n for name, n in a.categories.items()},
        {name: (g.achieved, g.total) for name, g in a.goals.items()},
        {name: n for name, n in a.success_criteria.items()},
    )


async def read_status_by_id(
    client: VozzoClient, lock: Lockfile, campaign_ids: Iterable[str]
) -> list[KeyStatus]:
    """One row per campaign id, managed or not: under its key when the lockfile has it."""
    ids = list(dict.fromkeys(campaign_ids))
    batches = [next((b for b in _batches_of(lock, cid)), Batch(cid, cid, 0, "")) for cid in ids]
    read = await asyncio.gather(*(_batch(client, b) for b in batches))
    return [KeyStatus(lock.owner_of(cid) or "-", (b,)) for cid, b in zip(ids, read, strict=True)]


def _batches_of(lock: Lockfile, campaign_id: str) -> Iterator[Batch]:
    key = lock.owner_of(campaign_id)
    if key is not None:
        yield from (b for b in lock.campaigns[key].batches if b.campaign_id == campaign_id)


async def read_status(client: VozzoClient, lock: Lockfile, keys: Iterable[str]) -> list[KeyStatus]:
    chosen = list(keys)
    per_key = await asyncio.gather(
        *(asyncio.gather(*(_batch(client, b) for b in lock.campaigns[k].batches)) for k in chosen)
    )
    rows = [
        KeyStatus(k, tuple(b), lock.campaigns[k].stopped)
        for k, b in zip(chosen, per_key, strict=True)
    ]
    # Paused keys first: calls that are stopped are what an operator looks for.
    return sorted(rows, key=lambda r: not r.paused)


def status_json(rows: Sequence[KeyStatus], *, at: dt.datetime | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"format_version": 1, "campaigns": [r.as_json() for r in rows]}
    if at is not None:
        doc["at"] = at.isoformat(timespec="seconds")
    return doc


# ------------------------------------------------------------------------------ calls


@dataclass(frozen=True)
class CallRow:
    """One scheduled call, with the batch (live campaign) that holds it."""

    campaign_id: str
    campaign_name: str
    item: ScheduledItem


@dataclass(frozen=True)
class CallsPage:
    key: str
    page: int
    page_size: int
    total: int
    rows: tuple[CallRow, ...]
    command: str = ""  # the command that lists them, for "next page" hints

    @property
    def listing(self) -> str:
        return self.command or f"vozzoctl calls {self.key}"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


async def _total(client: VozzoClient, batch: Batch) -> int:
    try:
        live = await client.live_campaign(batch.campaign_id)
    except NotFoundError:
        return 0
    return live.total_records if live.total_records is not None else batch.recipients


def batches_for(lock: Lockfile, key: str | None, campaign_id: str | None) -> tuple[Batch, ...]:
    """The key's batches, or the one campaign `campaign_id` (managed or not)."""
    if campaign_id is not None:
        return (next(_batches_of(lock, campaign_id), Batch(campaign_id, campaign_id, 0, "")),)
    assert key is not None
    return lock.campaigns[key].batches


async def read_calls_page(
    client: VozzoClient,
    batches: Sequence[Batch],
    key: str,
    page: int,
    page_size: int,
    command: str = "",
) -> CallsPage:
    """Page `page` of the scheduled calls of `batches`: batch 1's calls, then batch 2's, …

    Only the batches that hold the page are read, from their first call up to the page's
    last (the items endpoint is read a hundred calls a request).
    """
    totals = await asyncio.gather(*(_total(client, b) for b in batches))
    start, stop = (page - 1) * page_size, page * page_size
    rows: list[CallRow] = []
    offset = 0
    for batch, total in zip(batches, totals, strict=True):
        lo, hi = max(start - offset, 0), min(stop - offset, total)
        offset += total
        if hi <= lo:
            continue
        listed = cast("AsyncGenerator[ScheduledItem, None]", client.list_items(batch.campaign_id))
        async with contextlib.aclosing(listed) as items:
            n = 0
            async for item in items:
                if n >= hi:
                    break
                if n >= lo:
                    rows.append(CallRow(batch.campaign_id, batch.campaign_name, item))
                n += 1
    return CallsPage(key, page, page_size, sum(totals), tuple(rows), command)


async def find_call(
    client: VozzoClient, batches: Sequence[Batch], key: str, item_id: str, listing: str
) -> tuple[CallRow, ScheduledItemDetail]:
    """The scheduled call `item_id` in any of `batches`, with its call logs."""
    for batch in batches:
        try:
            detail = await client.get_item(batch.campaign_id, item_id)
        except (NotFoundError, RequestRejectedError):
            continue
        return CallRow(batch.campaign_id, batch.campaign_name, detail), detail
    raise NotFoundError(
        f"no scheduled call {item_id!r} in the campaigns of {key}",
        hint=f"`{listing}` lists them with their ids",
    )
