"""Plan from (manifests, lockfile, client): read the live account by the cheapest route that is
strict enough, make the plan, and fingerprint what it rests on (a saved plan is refused when
either changed). Applying a plan is `vozzoctl.applying`.

Reading costs about one request per hundred campaigns: campaigns are read in bulk by agent,
each agent's existence is checked once, and scheduled calls are read only for the campaigns
`planner.items_needed` names.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from vozzoctl import cycles
from vozzoctl.api import VozzoClient
from vozzoctl.errors import (
    StalePlanError,
)
from vozzoctl.lockfile import Entry, Lockfile
from vozzoctl.manifest.desired import DesiredState
from vozzoctl.model import State
from vozzoctl.plan.live import Finished
from vozzoctl.plan.model import CreateOp, Plan
from vozzoctl.plan.planner import (
    LiveLike,
    LiveState,
    Options,
    in_scope,
    items_needed,
    make_plan,
)

log = logging.getLogger("vozzoctl.engine")


async def read_live(
    client: VozzoClient,
    desired: DesiredState,
    lock: Lockfile,
    options: Options,
    *,
    creating: frozenset[str] = frozenset(),
) -> LiveState:
    """Everything the plan needs from the API, by the cheapest route that is strict enough.

    An agent with a key the lockfile does not record, a create it left pending, or a key in
    `creating` (keys a first plan creates for) is read in full, with its count as the second
    witness (a name not listed is then free); the plan says which and why (`read_in_full`).
    Otherwise only the recorded campaigns still live are needed: read by agent newest first
    until each is seen (`read_agent_until`), or, those not on its first page, one detail
    request each when they are fewer than the agent's pages left. A batch the lockfile notes
    as final is not read at all (it never changes: `Finished` stands in), except for a key in
    `creating`, whose every batch is read.
    """
    chosen, orphans = in_scope(desired, lock, options)
    agents = sorted({d.settings.agent_uuid for d in chosen})
    wanted: dict[str, set[str]] = {a: set() for a in agents}
    why: dict[str, dict[str, list[str]]] = {}  # agent → reason → keys
    for d in chosen:
        entry = lock.entry(d.key)
        agent = d.settings.agent_uuid
        reason = (
            "create"
            if d.key in creating
            else "adopt"
            if entry is None
            else "pending"
            if entry.pending
            else ""
        )
        if reason:
            why.setdefault(agent, {}).setdefault(reason, []).append(d.key)
        elif entry is not None:
            wanted[agent].update(b.campaign_id for b in entry.batches if not b.final)
    full = set(why)
    narrow = [a for a in agents if a not in full and wanted[a]]
    bulk, listed = await asyncio.gather(
        client.read_agents(sorted(full), count=True),
        asyncio.gather(
            *(client.read_agent_until(a, frozenset(wanted[a]), cheaper=True) for a in narrow)
        ),
    )
    campaigns: dict[str, LiveLike] = {
        c.campaign_id: c for rows in [*bulk.campaigns.values(), *listed] for c in rows
    }
    # Page 1 answered 404: an unknown agent, or one without campaigns; its count tells which.
    empty = [a for a, rows in zip(narrow, listed, strict=True) if not rows]
    totals = await asyncio.gather(*(client.agent_total(a) for a in empty))
    missing = set(bulk.unknown) | {a for a, t in zip(empty, totals, strict=True) if t is None}
    finished: dict[str, Finished] = {}
    recorded: set[str] = set()
    for key in [*(d.key for d in chosen), *orphans]:
        for b in (lock.entry(key) or Entry()).batches:
            if b.final and key not in creating:
                finished[b.campaign_id] = Finished(b.campaign_id, b.campaign_name, State(b.final))
            else:
                recorded.add(b.campaign_id)
    unread = sorted(recorded - campaigns.keys())
    absent: set[str] = set()
    for cid, found in zip(
        unread,
        await asyncio.gather(*(client.live_campaign_or_none(c) for c in unread)),
        strict=True,
    ):
        if found is None:
            absent.add(cid)
        else:
            campaigns[cid] = found
    items: dict[str, tuple[Any, ...]] = {}  # filled in below, once it is known which
    live = LiveState(
        campaigns,
        frozenset(missing),
        frozenset(absent),
        partial=frozenset(a for a in agents if a not in full),
        finished={cid: f for cid, f in finished.items() if cid not in campaigns},
        read_in_full={
            a: _read_in_full(reasons, len(bulk.campaigns.get(a, ())))
            for a, reasons in sorted(why.items())
        },
        items=items,
    )
    # One LiveState, not a copy with the calls: its index of campaigns by agent and name
    # (made when `items_needed` first looks a key up) then serves the plan too.
    need = sorted(items_needed(desired, lock, live, options))
    read = await asyncio.gather(*(_items(client, cid) for cid in need))
    items.update(zip(need, read, strict=True))
    return live


_IN_FULL = {
    "create": "a create is planned for {keys}: only every campaign of the agent, with its "
    "count as witness, shows that no campaign has that name yet",
    "adopt": "{keys} not in the lockfile: a live campaign with the name and agent is adopted, "
    "never created again",
    "pending": "{keys} left a create pending: it is looked for by name and count",
}


def _read_in_full(reasons: Mapping[str, list[str]], read: int) -> str:
    """Why an agent was read in full, for the plan to say: `reasons` maps a kind of reason
    (`_IN_FULL`) to the keys that gave it."""
    said = []
    for kind, template in _IN_FULL.items():
        keys = sorted(reasons.get(kind, ()))
        if keys:
            shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3:,} more" if len(keys) > 3 else "")
            said.append(template.format(keys=("key " if len(keys) == 1 else "keys ") + shown))
    return f"every campaign read ({read:,}): " + "; ".join(said)


async def _items(client: VozzoClient, campaign_id: str) -> tuple[Any, ...]:
    return tuple([item async for item in client.list_items(campaign_id)])


def _stretch_digests(desired: DesiredState) -> None:
    """Compute every stretched recipients digest (scrypt lets go of the GIL), so that the plan
    finds them made: `DesiredCampaign.recipients_sha` keeps what it computed."""
    stretched = [d for d in desired if not d.published]
    if stretched:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda d: d.recipients_sha, stretched))


async def plan(
    client: VozzoClient, desired: DesiredState, lock: Lockfile, options: Options
) -> tuple[Plan, LiveState]:
    with cycles.paused():  # a LiveCampaign per campaign read, a KeyPlan per key: all kept
        return await _plan(client, desired, lock, options)


async def _plan(
    client: VozzoClient, desired: DesiredState, lock: Lockfile, options: Options
) -> tuple[Plan, LiveState]:
    # A digest of recipients read from files is stretched (milliseconds of CPU a key): made on
    # two threads while the account is read, not one after another once it has been.
    digests = asyncio.create_task(asyncio.to_thread(_stretch_digests, desired))
    try:
        live = await read_live(client, desired, lock, options)
    finally:
        await digests
    made = make_plan(desired, lock, live, options)
    creating: frozenset[str] = frozenset()
    while unsure := _unsure_creates(made, lock, live, creating):
        # A create of a name the lockfile does not record: only a read in full, with the
        # count as witness, may say that no campaign has that name already; and every batch
        # of the key is read, final or not, before anything is sent for it.
        log.info("a create is planned: reading every campaign of its agents")
        creating |= unsure
        live = await read_live(client, desired, lock, options, creating=creating)
        made = make_plan(desired, lock, live, options)
    return made, live


def _unsure_creates(
    made: Plan, lock: Lockfile, live: LiveState, creating: frozenset[str]
) -> frozenset[str]:
    """The keys with a create that `live` was not read strictly enough for: their agent was
    not read in full, or a batch of theirs stood in as final (`Finished`) unread."""
    unsure: set[str] = set()
    for k in made.keys:
        agents = {op.settings.agent_uuid for op in k.operations if isinstance(op, CreateOp)}
        if not agents or k.key in creating:
            continue
        noted = any(b.final for b in (lock.entry(k.key) or Entry()).batches)
        if agents & live.partial or noted:
            unsure.add(k.key)
    return frozenset(unsure)


# ------------------------------------------------------------------------------ fingerprints


def desired_fingerprint(desired: DesiredState) -> str:
    doc = [(c.key, c.settings_sha, c.recipients_sha, list(c.labels)) for c in desired]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()


def live_fingerprints(plan_: Plan, live: LiveState) -> dict[str, str]:
    """Per campaign the plan touches, a digest of the values it read."""
    out: dict[str, str] = {}
    for k in plan_.keys:
        for cid in k.campaign_ids:
            c = live.campaigns.get(cid)
            if c is not None:
                out[cid] = _live_digest(c)
    return dict(sorted(out.items()))


def _live_digest(c: LiveLike) -> str:
    values = [
        c.name,
        c.agent_id,
        c.state.value,
        c.start_date.isoformat(),
        c.end_date.isoformat() if c.end_date else None,
        c.start_hour,
        c.end_hour,
        c.allow_weekends,
        c.max_retry,
        c.max_retry_per_day,
    ]
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()


def check_fresh(saved: Mapping[str, Any], desired: DesiredState, lock: Lockfile) -> None:
    """Refuse a saved plan whose manifests or lockfile changed since it was made."""
    inputs = saved.get("inputs", {})
    if inputs.get("desired_sha256") != desired_fingerprint(desired):
        raise StalePlanError(
            "plan is stale: the manifests changed since it was made",
            hint="run vozzoctl plan again and apply the new plan",
        )
    if inputs.get("lockfile_sha256") != lock.fingerprint():
        raise StalePlanError(
            "plan is stale: the lockfile changed since it was made (another apply ran?)",
            hint="run vozzoctl plan again and apply the new plan",
        )


def check_live_fresh(saved: Mapping[str, Any], plan_: Plan, live: LiveState) -> None:
    if saved.get("inputs", {}).get("live") != live_fingerprints(plan_, live):
        raise StalePlanError(
            "plan is stale: live campaigns changed since it was made",
            hint="run vozzoctl plan again and apply the new plan",
        )
