"""Plan from (manifests, lockfile, client); apply a plan, recording as it goes.

Reading costs about one request per hundred campaigns: campaigns are read in bulk by agent,
each agent's existence is checked once (the count endpoint), and scheduled calls are read only
for the campaigns `planner.items_needed` names.

Applying is write-ahead: before each create the lockfile records the intent (`pending`); after
it, the id. A create whose outcome is unknown (AmbiguousCreateError) is looked for by name
and count, and never sent again in the same run: lists can lag, so "not found" proves nothing
yet. It stays pending in the lockfile with the time of the attempt (`plan.pending`). The
lockfile is written atomically as apply goes, under its lock (`recorder.Recorder`): each
pending record before its create is sent, each other change before apply goes on from it, a
create's id with the next write. A crash at any point is recovered by the next run (a create
left pending is looked for by name and adopted).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from vozzoctl.api import LiveCampaign, VozzoClient
from vozzoctl.api.mapping import update_params, update_params_for
from vozzoctl.errors import (
    AmbiguousCreateError,
    ApiError,
    AuthError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    StalePlanError,
    TransportError,
    VozzoctlError,
)
from vozzoctl.lockfile import Batch, Entry, Lockfile
from vozzoctl.manifest.desired import DesiredState
from vozzoctl.model import State
from vozzoctl.plan.live import Finished
from vozzoctl.plan.model import AdoptOp, CreateOp, EndOp, KeyPlan, Operation, Plan, UpdateOp
from vozzoctl.plan.planner import (
    LiveLike,
    LiveState,
    Options,
    in_scope,
    items_needed,
    make_plan,
)
from vozzoctl.recorder import Recorder

log = logging.getLogger("vozzoctl.engine")

Progress = Callable[[str], None]


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
        unread, await asyncio.gather(*(_detail(client, c) for c in unread)), strict=True
    ):
        if found is None:
            absent.add(cid)
        else:
            campaigns[cid] = found
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
    )
    need = sorted(items_needed(desired, lock, live, options))
    read = await asyncio.gather(*(_items(client, cid) for cid in need))
    return replace(live, items=dict(zip(need, read, strict=True)))


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


async def _detail(client: VozzoClient, campaign_id: str) -> LiveCampaign | None:
    try:
        return await client.live_campaign(campaign_id)
    except NotFoundError:
        return None


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


# ------------------------------------------------------------------------------ apply


async def check_can_write(client: VozzoClient) -> None:
    """Refuse before the first write when `auth/me` says the key may not write.

    Where the service has no `auth/me` (404) or its answer lists no permissions, nothing is
    known and apply goes on: a write the key may not make is then refused by the API (403).
    """
    me = await client.whoami()
    if me.can_write is False:
        raise ForbiddenError(
            "the key is read-only (auth/me lists no campaign:write permission): nothing was sent",
            hint="apply with a key that has the campaign:write permission; "
            "a read-only key is enough for plan",
            method="GET",
            path="/v1alpha/auth/me",
        )


@dataclass
class KeyResult:
    key: str
    done: list[str] = field(default_factory=list)
    failed: str | None = None
    not_done: list[str] = field(default_factory=list)


@dataclass
class ApplyResult:
    results: list[KeyResult]
    calls: int = 0
    not_converged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(r.failed for r in self.results) and not self.not_converged


def describe(op: Operation) -> str:
    if isinstance(op, AdoptOp):
        return f"adopt {op.campaign_name} ({op.campaign_id})"
    if isinstance(op, EndOp):
        return f"end {op.campaign_name} ({op.campaign_id})"
    if isinstance(op, CreateOp):
        extra = f", then set {op.then_state.value}" if op.then_state else ""
        return f"create {op.campaign_name} with {len(op.recipients):,} recipient(s){extra}"
    return f"update {op.campaign_name} ({op.campaign_id}): {', '.join(op.fields)}"


async def apply(
    client: VozzoClient,
    plan_: Plan,
    recorder: Recorder,
    *,
    progress: Progress | None = None,
) -> ApplyResult:
    """Run every operation of the plan; independent keys go on when one fails."""
    plan_.raise_if_unsafe()
    say = progress or (lambda _: None)
    start_calls = client.requests_total
    keys = [k for k in plan_.keys if k.operations or k.forget or recorder.entry(k.key)]
    # A create is recorded as pending only once it may soon be sent, not when it is queued:
    # at most twice `concurrency` creates wait between their write-ahead record and their
    # answer, so an interrupted apply leaves only those as "may exist" (a later plan waits
    # --pending-wait for them), not every create still queued. Twice, not once: while one
    # `concurrency` of creates is on the wire, the next has its records written and goes the
    # moment a connection is free, so the lockfile's writes (a whole-file rewrite and fsync
    # each) are not added to every round trip. An answered create frees its slot before its
    # id is on disk: the next create on the slot writes its own pending record and that id
    # in one write.
    sending = asyncio.Semaphore(2 * client.concurrency)
    try:
        results = await asyncio.gather(
            *(_apply_key(client, k, recorder, say, sending) for k in keys)
        )
    finally:
        await recorder.flush()
    result = ApplyResult(list(results), calls=client.requests_total - start_calls)
    result.not_converged = await _verify(client, plan_, results, recorder.lock)
    return result


async def _apply_key(
    client: VozzoClient,
    k: KeyPlan,
    recorder: Recorder,
    say: Progress,
    sending: asyncio.Semaphore,
) -> KeyResult:
    result = KeyResult(k.key)
    ops = list(k.operations)
    ends = tuple(op.campaign_id for op in ops if isinstance(op, EndOp) and op.reason == "replace")
    create = next((op for op in ops if isinstance(op, CreateOp)), None)
    if ends and create is not None:
        # Before the first end: once the old batches are ENDED their numbers look held, and
        # only this record tells the next run that the new batch is still owed.
        await recorder.intend(k.key, create, replaces=ends)
    for i, op in enumerate(ops):
        try:
            await _run(client, k.key, op, recorder, sending)
        except VozzoctlError as e:
            result.failed = f"{describe(op)}: {e.message}"
            result.not_done = [describe(o) for o in ops[i:]]
            say(f"{k.key}: failed: {result.failed}")
            return result
        result.done.append(describe(op))
        say(f"{k.key}: {describe(op)}")
    await recorder.finish(k)
    return result


async def _run(
    client: VozzoClient, key: str, op: Operation, recorder: Recorder, sending: asyncio.Semaphore
) -> None:
    if isinstance(op, AdoptOp):
        final = op.state.value if op.state.final else ""
        await recorder.record(
            key,
            Batch(op.campaign_id, op.campaign_name, op.recipients, op.recipients_sha256, final),
        )
    elif isinstance(op, EndOp):
        live = await client.live_campaign(op.campaign_id)
        if not live.state.final:
            await client.update_campaign(
                op.campaign_id,
                update_params(allow_weekends=live.allow_weekends, state=State.ENDED),
            )
    elif isinstance(op, UpdateOp):
        await client.update_campaign(op.campaign_id, update_params_for(op.settings, op.fields))
    else:
        async with sending:
            campaign_id = await _create(client, key, op, recorder)
        if op.then_state is not None:
            await client.update_campaign(
                campaign_id,
                update_params(allow_weekends=op.settings.allow_weekends, state=op.then_state),
            )


# What a create can fail with that proves the API made nothing: it answered a refusal, or the
# request never left (the client raises AmbiguousCreateError for every other outcome).
_MADE_NOTHING = (
    AuthError,
    ForbiddenError,
    NotFoundError,
    RequestRejectedError,
    RateLimitedError,
    TransportError,
)


async def _create(client: VozzoClient, key: str, op: CreateOp, recorder: Recorder) -> str:
    """Send one create, once. When its outcome is unknown it is looked for by name (found:
    recorded); otherwise it is never sent again in this run: the key fails, the lockfile keeps
    it pending with the time of this attempt, and a later plan decides (`plan.pending`). When
    the API refused it, the key fails and the record of the attempt goes (`_MADE_NOTHING`)."""
    await recorder.intend(key, op)
    try:
        created = await client.create_campaign(op.settings, op.recipients)
    except _MADE_NOTHING:
        # The API refused the create (a 4xx, or 429 after every retry), or no connection was
        # made: no campaign exists, so the attempt is not left pending for a later plan to
        # wait on as "may exist". A replace keeps its record: once the old batches are ended,
        # it is what says the new one is still owed.
        pending = (recorder.entry(key) or Entry()).pending
        if not any(p.replaces for p in pending if p.campaign_name == op.campaign_name):
            await recorder.abandon(key, op.campaign_name)
        raise
    except AmbiguousCreateError as e:
        found = await _find_created(client, op, recorder.lock)
        if found is not None and len(found) > 1:
            raise VozzoctlError(
                f"after an unanswered create, {len(found)} campaigns are named "
                f"{op.campaign_name!r}: {', '.join(found)}",
                hint="end the extra one in the Vozzo dashboard, then plan again",
            ) from None
        if not found:
            sent = recorder.clock().astimezone(dt.UTC).strftime("%H:%M UTC")
            raise VozzoctlError(
                f"creating {op.campaign_name!r}: {e.cause}; whether the campaign was made is "
                f"unknown (not found by name {'and count ' if found is not None else ''}yet, "
                f"and lists can lag). It is not sent again in this run: the lockfile keeps it "
                f"pending since {sent}",
                hint="plan again in a few minutes: the plan looks for it by name and count "
                "and sends it only if it is still not there (--pending-wait)",
            ) from None
        campaign_id = found[0]
    else:
        campaign_id = created.campaign_id
    # On disk with the next write: the next create's pending record (which waits for it),
    # the key's finish, or apply's last flush; not a write of its own while the slot waits.
    recorder.record_soon(
        key, Batch(campaign_id, op.campaign_name, len(op.recipients), op.recipients_sha256)
    )
    return campaign_id


async def _find_created(client: VozzoClient, op: CreateOp, lock: Lockfile) -> list[str] | None:
    """The unrecorded campaigns named as `op`, read strictly with the agent's count; None when
    the answers do not settle it (they disagree, or cannot be read)."""
    try:
        bulk = await client.read_agents([op.settings.agent_uuid], count=True)
    except ApiError as e:
        log.info("looking for %r after an unanswered create: %s", op.campaign_name, e.message)
        return None
    return sorted(
        c.campaign_id
        for found in bulk.campaigns.values()
        for c in found
        if c.name == op.campaign_name and lock.owner_of(c.campaign_id) is None
    )


_SETTING_FIELDS = (
    "start_date",
    "end_date",
    "start_hour",
    "end_hour",
    "allow_weekends",
    "max_retry",
    "max_retry_per_day",
)


async def _verify(
    client: VozzoClient, plan_: Plan, results: Iterable[KeyResult], lock: Lockfile
) -> list[str]:
    """Read back what apply changed and name what did not converge.

    Each touched campaign is compared with what was sent: the fields an update set, a created
    campaign's settings, state and recipient count, an ended campaign's state. Many campaigns are
    read in bulk by agent; a few, one detail call each.
    """
    succeeded = {r.key for r in results if not r.failed}
    # campaign id -> (key, name, expected values by LiveCampaign attribute)
    expect: dict[str, tuple[str, str, dict[str, object]]] = {}
    agents: set[str] = set()
    for k in plan_.keys:
        if k.key not in succeeded:
            continue
        ids = {b.campaign_name: b.campaign_id for b in (lock.entry(k.key) or Entry()).batches}
        for op in k.operations:
            if isinstance(op, UpdateOp):
                want = {c.name: getattr(op.settings, c.name) for c in op.changes}
                expect.setdefault(op.campaign_id, (k.key, op.campaign_name, {}))[2].update(want)
                agents.add(op.settings.agent_uuid)
            elif isinstance(op, EndOp):
                expect[op.campaign_id] = (k.key, op.campaign_name, {"state": State.ENDED})
            elif isinstance(op, CreateOp) and op.campaign_name in ids:
                want = {f: getattr(op.settings, f) for f in _SETTING_FIELDS}
                want["state"] = op.then_state or State.TO_START
                want["total_records"] = len(op.recipients)
                expect[ids[op.campaign_name]] = (k.key, op.campaign_name, want)
                agents.add(op.settings.agent_uuid)
    if not expect:
        return []
    found: dict[str, LiveCampaign] = {}
    if len(expect) > 20:
        bulk = await client.read_agents(sorted(agents))
        found = {c.campaign_id: c for cs in bulk.campaigns.values() for c in cs}
    missing = [cid for cid in expect if cid not in found]
    reads: list[Awaitable[LiveCampaign | None]] = [_detail(client, cid) for cid in missing]
    for cid, live in zip(missing, await asyncio.gather(*reads), strict=True):
        if live is not None:
            found[cid] = live
    problems: list[str] = []
    for cid, (key, name, want) in expect.items():
        live = found.get(cid)
        if live is None:
            problems.append(f"{key}: {name} ({cid}) could not be read back")
            continue
        for attr, value in want.items():
            got = getattr(live, attr)
            if attr == "total_records" and got is None:
                continue
            finished = live.state is State.COMPLETED or (live.state.final and value is State.ENDED)
            if attr == "state" and finished:
                continue  # finished already: nothing more to converge
            if got != value:
                problems.append(f"{key}: {name} {attr} is {got}, not {value}")
    return problems
