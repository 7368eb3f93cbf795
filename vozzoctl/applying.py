"""Apply a plan, recording as it goes (write-ahead).

Before each create the lockfile records the intent (`pending`); after it, the id. A create
whose outcome is unknown (AmbiguousCreateError) is looked for by name and count, and never sent
again in the same run: lists can lag, so "not found" proves nothing yet. It stays pending in the
lockfile with the time of the attempt (`plan.pending`). The lockfile is written atomically as
apply goes, under its lock (`recorder.Recorder`): each pending record before its create is
sent, each other change before apply goes on from it, a create's id with the next write. A
crash at any point is recovered by the next run (a create left pending is looked for by name
and adopted). After the writes, what was made is read back (`_verify`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

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
    TransportError,
    VozzoctlError,
)
from vozzoctl.lockfile import Batch, Entry, Lockfile
from vozzoctl.model import State
from vozzoctl.plan.model import AdoptOp, CreateOp, EndOp, KeyPlan, Operation, Plan, UpdateOp
from vozzoctl.recorder import Recorder

log = logging.getLogger("vozzoctl.applying")

Progress = Callable[[str], None]


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
    reads: list[Awaitable[LiveCampaign | None]] = [
        client.live_campaign_or_none(cid) for cid in missing
    ]
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
