"""Reading for `vozzoctl import`: every unmanaged live campaign, grouped into the batches of
one key (`<name>`, `<name> #2`, … with one agent), with their settings and calls."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass, field, replace

from vozzoctl.api import LiveCampaign, ScheduledItem, VozzoClient
from vozzoctl.lockfile import Lockfile
from vozzoctl.model import State
from vozzoctl.plan.live import base_name as batch_base
from vozzoctl.plan.planner import batch_number

KEY_MAX = 63


def base_name(name: str) -> str:
    """A batch's `<name>`, never empty: ` #2` alone is a name of its own."""
    return batch_base(name) or name


def key_for(name: str, taken: set[str]) -> str:
    """A key from a campaign name: lower case, [a-z0-9-], ≤ 63, not in `taken`."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:KEY_MAX].strip("-") or "campaign"
    key, n = slug, 1
    while key in taken:
        n += 1
        tail = f"-{n}"
        key = slug[: KEY_MAX - len(tail)].rstrip("-") + tail
    return key


@dataclass
class Group:
    """Live campaigns that are the batches of one key, in batch order."""

    base: str
    agent: str
    campaigns: list[LiveCampaign]
    items: dict[str, tuple[ScheduledItem, ...]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.campaigns]


@dataclass
class Skipped:
    names: list[str]
    reason: str


async def read_groups(
    client: VozzoClient,
    lock: Lockfile,
    *,
    state: State | None,
    agent: str | None,
) -> tuple[list[Group], list[Skipped]]:
    """Every unmanaged live campaign, grouped into keys; with their calls."""
    summaries = [s async for s in client.list_campaigns()]
    by_id = {s.campaign_id: s for s in summaries}
    unmanaged = [s for s in summaries if lock.owner_of(s.campaign_id) is None]
    agents = sorted({(s.agent_id or "").lower() for s in unmanaged} - {""})
    bulk = await client.read_agents(agents)
    live: dict[str, LiveCampaign] = {
        c.campaign_id: c for found in bulk.campaigns.values() for c in found
    }
    unread = [s.campaign_id for s in unmanaged if s.campaign_id not in live]
    details = await asyncio.gather(*(client.live_campaign_or_none(c) for c in unread))
    for cid, got in zip(unread, details, strict=True):
        if got is not None:
            live[cid] = got
    managed: dict[tuple[str, str], str] = {}
    for key, entry in lock.campaigns.items():
        for b in entry.batches:
            s = by_id.get(b.campaign_id)
            if s is not None:
                managed[(base_name(b.campaign_name), (s.agent_id or "").lower())] = key

    skipped: list[Skipped] = []
    grouped: dict[tuple[str, str], list[LiveCampaign]] = {}
    for s in unmanaged:
        c = live.get(s.campaign_id)
        who = (c.agent_id if c else None) or s.agent_id
        if c is None or not who:
            why = "its settings or agent could not be read"
            skipped.append(Skipped([s.campaign_name or s.campaign_id], why))
            continue
        if c.agent_id is None:
            c = replace(c, agent_id=who)
        grouped.setdefault((base_name(c.name), who.lower()), []).append(c)

    groups: list[Group] = []
    for (base, who), members in sorted(grouped.items()):
        if agent is not None and who != agent.lower():
            continue
        if state is not None and not any(c.state == state for c in members):
            continue
        members.sort(key=lambda c: (batch_number(c.name, base) or 1, c.created_at or _EPOCH))
        if (base, who) in managed:
            owner = managed[(base, who)]
            why = f"looks like a batch of the managed key {owner!r}: `vozzoctl plan` adopts it"
            skipped.append(Skipped([c.name for c in members], why))
            continue
        numbers = [batch_number(c.name, base) for c in members]
        if len(set(numbers)) < len(numbers):
            # Two campaigns of one name and agent: not batches of one key; one key each.
            groups.extend(Group(base, who, [c]) for c in members)
        else:
            groups.append(Group(base, who, members))

    ids = [c.campaign_id for g in groups for c in g.campaigns]
    read = await asyncio.gather(*(_items(client, cid) for cid in ids))
    items = dict(zip(ids, read, strict=True))
    for g in groups:
        g.items = {c.campaign_id: items[c.campaign_id] for c in g.campaigns}
    return groups, skipped


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


async def _items(client: VozzoClient, campaign_id: str) -> tuple[ScheduledItem, ...]:
    items = [i async for i in client.list_items(campaign_id)]
    # The older draft's list rows carry no language; the single-call answer does.
    lacking = [i for i in items if i.agent_language is None]
    if lacking:
        details = await asyncio.gather(
            *(client.get_item(campaign_id, i.scheduled_item_id) for i in lacking)
        )
        known = {d.scheduled_item_id: d.agent_language for d in details}
        items = [
            i.model_copy(update={"agent_language": known.get(i.scheduled_item_id)})
            if i.agent_language is None
            else i
            for i in items
        ]
    return tuple(items)
