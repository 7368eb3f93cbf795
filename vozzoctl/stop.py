"""Emergency stop: suspend every RUNNING campaign of the named keys, at once.

It works from the lockfile and the live account alone, so it works when the manifests are
broken or absent. Reading costs about one request per hundred campaigns: the RUNNING ones are
listed (`GET /v1alpha/campaigns?state=RUNNING`), and their agents read in bulk, because an
update must carry each campaign's own `campaign_allow_weekends`; a managed batch neither read
shows is read on its own (detail), so the list is never the only witness that one is not
calling. Then every RUNNING target is set SUSPENDED concurrently (the client's --concurrency).

A stop is idempotent: a campaign already SUSPENDED, not started, or finished is left as it is,
and running it again finishes what failed. The lockfile records it per key (`stopped`: when,
why, which batches), so plan, status and pull-request comments say why calls are stopped; the
record is written after the calls, under the lockfile's lock, because an apply that holds the
lock must not delay a stop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from vozzoctl.api import LiveCampaign, VozzoClient
from vozzoctl.api.mapping import update_params
from vozzoctl.errors import NotFoundError, UsageError, VozzoctlError
from vozzoctl.lockfile import Entry, Lockfile, LockfileLock, Stop, load, save
from vozzoctl.model import State
from vozzoctl.plan.pauses import clean

log = logging.getLogger("vozzoctl.stop")
BULK = 20  # more targets than this: read their agents in bulk rather than one detail each


@dataclass(frozen=True, slots=True)
class Target:
    """A live campaign a stop looked at; `key` is None for one vozzoctl does not manage."""

    key: str | None
    campaign_id: str
    name: str
    state: State
    allow_weekends: bool = False


@dataclass
class Outcome:
    stopped: list[Target] = field(default_factory=list)
    failed: list[tuple[Target, str]] = field(default_factory=list)
    left: list[Target] = field(default_factory=list)  # not RUNNING: already stopped, finished
    unread: list[tuple[str, str, str]] = field(default_factory=list)  # key, id, why

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unread


def choose_keys(
    lock: Lockfile,
    keys: Sequence[str],
    selector: Mapping[str, str],
    every: bool,
    lockfile_name: str,
) -> tuple[list[str], list[str]]:
    """The managed keys to stop, and the keys whose labels the lockfile does not know (a
    --selector cannot tell whether they match: they are named, not guessed)."""
    unknown = [k for k in keys if k not in lock.campaigns]
    if unknown:
        known = ", ".join(sorted(lock.campaigns)) or "none"
        raise UsageError(
            f"{', '.join(repr(k) for k in unknown)} is not a key in {lockfile_name} "
            f"(known keys: {known}): nothing was stopped",
            hint="keys are the manifests' metadata.name; --all stops every managed key",
        )
    if every:
        return sorted(lock.campaigns), []
    chosen = list(dict.fromkeys(keys))
    unlabelled: list[str] = []
    if selector:
        for key, entry in sorted(lock.campaigns.items()):
            if not entry.state:  # written before labels were recorded
                unlabelled.append(key)
            elif all(dict(entry.labels).get(k) == v for k, v in selector.items()):
                chosen.append(key)
    return list(dict.fromkeys(chosen)), unlabelled


async def find(
    client: VozzoClient, lock: Lockfile, keys: Sequence[str], account: bool
) -> tuple[list[Target], list[tuple[str, str, str]]]:
    """Every campaign the stop concerns, as read now: the keys' batches, and with `account`
    every RUNNING campaign of the account. Also what could not be read."""
    managed = {cid: key for key in keys for cid in lock.campaigns[key].campaign_ids}
    owners = {cid: key for key, e in lock.campaigns.items() for cid in e.campaign_ids}
    unread: list[tuple[str, str, str]] = []
    try:
        listed = [
            row
            async for row in client.list_campaigns(state=State.RUNNING)
            if row.campaign_state is State.RUNNING and (account or row.campaign_id in managed)
        ]
    except VozzoctlError as e:
        if account:
            raise  # only the list names the campaigns vozzoctl does not manage
        # The managed batches are known without it: read each, and stop what runs.
        unread.append(("", "the RUNNING list", e.message))
        listed = []
    found: dict[str, LiveCampaign] = {}
    if len(listed) > BULK:
        found.update(await _by_agents(client, {row.agent_id for row in listed if row.agent_id}))
    read_agents = {row.agent_id for row in listed if row.agent_id and len(listed) > BULK}
    # Every managed batch is read, not only those listed RUNNING: the list is never the only
    # witness that one is not calling. A few at a time by detail; the agents they name are
    # then read in bulk, so a lockfile of many finished campaigns costs a few requests.
    todo = list(dict.fromkeys([*(r.campaign_id for r in listed), *managed]))
    tried: set[str] = set()
    while True:
        wave = [cid for cid in todo if cid not in found and cid not in tried][: client.concurrency]
        if not wave:
            break
        tried.update(wave)
        got = await asyncio.gather(*(_detail(client, c) for c in wave))
        agents: set[str] = set()
        for cid, one in zip(wave, got, strict=True):
            if isinstance(one, LiveCampaign):
                found[cid] = one
                if one.agent_id and one.agent_id not in read_agents:
                    agents.add(one.agent_id)
            elif one is not None:
                unread.append((owners.get(cid, ""), cid, one))
        left = sum(1 for cid in todo if cid not in found and cid not in tried)
        if agents and left > BULK:
            read_agents |= agents
            found.update(await _by_agents(client, agents))
    listed_ids = {row.campaign_id for row in listed}
    targets = [
        Target(owners.get(cid), cid, c.name, c.state, c.allow_weekends)
        for cid, c in found.items()
        if cid in managed or cid in listed_ids
    ]
    return sorted(targets, key=_order), unread


async def _by_agents(client: VozzoClient, agents: set[str]) -> dict[str, LiveCampaign]:
    """The agents' campaigns in bulk; none when that read fails (each is then read alone)."""
    try:
        bulk = await client.read_agents(sorted(agents))
    except VozzoctlError as e:
        log.warning("warning: reading campaigns by agent failed (%s): reading each", e.message)
        return {}
    return {c.campaign_id: c for cs in bulk.campaigns.values() for c in cs}


async def _detail(client: VozzoClient, campaign_id: str) -> LiveCampaign | str | None:
    """The campaign; None when it is not in this account (nothing to stop); else why not."""
    try:
        return await client.live_campaign(campaign_id)
    except NotFoundError:
        return None
    except VozzoctlError as e:
        return e.message


def _order(t: Target) -> tuple[bool, str, str]:
    return (t.key is None, t.key or "", t.name)


async def suspend(client: VozzoClient, targets: Sequence[Target]) -> Outcome:
    """Set every RUNNING target SUSPENDED, concurrently; the rest are left as they are."""
    outcome = Outcome(left=[t for t in targets if t.state is not State.RUNNING])
    running = [t for t in targets if t.state is State.RUNNING]
    answers = await asyncio.gather(*(_suspend(client, t) for t in running))
    for t, why in zip(running, answers, strict=True):
        if why is None:
            outcome.stopped.append(t)
        else:
            outcome.failed.append((t, why))
    return outcome


async def _suspend(client: VozzoClient, t: Target) -> str | None:
    params = update_params(allow_weekends=t.allow_weekends, state=State.SUSPENDED)
    try:
        answer = await client.update_campaign(t.campaign_id, params)
    except VozzoctlError as e:
        return e.message
    if answer is not None and answer.campaign_state not in (State.SUSPENDED, *_FINAL):
        return f"the API answered 200 but the campaign is {answer.campaign_state.value}"
    return None


_FINAL = (State.ENDED, State.COMPLETED)


def stop_records(lock: Lockfile, outcome: Outcome, reason: str, at: dt.datetime) -> dict[str, Stop]:
    """Per key, the stop to record: the batches stopped now, joined to an earlier record's;
    a key that had nothing left RUNNING and no record yet records its SUSPENDED batches
    (a first stop whose record could not be written, run again)."""
    now: dict[str, list[str]] = {}
    for t in outcome.stopped:
        if t.key is not None:
            now.setdefault(t.key, []).append(t.campaign_id)
    paused: dict[str, list[str]] = {}
    for t in outcome.left:
        if t.key is not None and t.state is State.SUSPENDED:
            paused.setdefault(t.key, []).append(t.campaign_id)
    records: dict[str, Stop] = {}
    for key in sorted({*now, *paused}):
        entry = lock.entry(key) or Entry()
        before = entry.stopped
        if key in now:
            ids = [*(before.batches if before else ()), *now[key]]
            records[key] = Stop(_iso(at), clean(reason), tuple(dict.fromkeys(ids)))
        elif before is None:
            records[key] = Stop(_iso(at), clean(reason), tuple(paused[key]))
    return records


def _iso(at: dt.datetime) -> str:
    return at.isoformat(timespec="seconds")


def record(path: Path, api_url: str, records: Mapping[str, Stop], timeout: float) -> int:
    """Write the records under the lockfile's lock; the new serial. LockHeldError when an
    apply holds it longer than `timeout` (the calls are stopped already: run stop again)."""
    with LockfileLock(path, timeout):
        lock = load(path, api_url)
        for key, stop in records.items():
            entry = lock.entry(key)
            if entry is not None:
                lock = lock.with_entry(key, replace(entry, stopped=stop))
        lock = replace(lock, serial=lock.serial + 1)
        save(path, lock)
        return lock.serial


def forget_stop(lock: Lockfile, key: str, resumed: Sequence[str]) -> Lockfile:
    """The lockfile once `resumed` batches of `key` run again: they leave its stop record,
    and the record goes when none is left."""
    entry = lock.entry(key)
    if entry is None or entry.stopped is None:
        return lock
    left = tuple(c for c in entry.stopped.batches if c not in set(resumed))
    stopped = replace(entry.stopped, batches=left) if left else None
    return lock.with_entry(key, replace(entry, stopped=stopped))
