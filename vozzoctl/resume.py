"""`vozzoctl resume`: the one way, besides a manifest change, to restart calls paused outside
vozzoctl or by `vozzoctl stop`.

Calling safety is checked again before anything is sent, all or nothing:
- the manifests load without error: every recipient's local calling hours (`compliance`) and
  every do-not-call list (`suppress`) are checked as `validate` checks them;
- the key's plan is clean: no error (a recipient now on a do-not-call list or outside legal
  hours but still held by the live campaign is one) and no change pending, so the live hours,
  dates and recipients are the ones the manifests declare and were checked;
- its manifest wants it RUNNING (one that declares SUSPENDED is restarted by changing it);
- the calls it would start count against --max-new-recipients, as a plan's do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from vozzoctl.api import VozzoClient
from vozzoctl.api.mapping import update_params
from vozzoctl.applying import describe
from vozzoctl.errors import VozzoctlError
from vozzoctl.lockfile import load, save
from vozzoctl.manifest.desired import DesiredState
from vozzoctl.model import State
from vozzoctl.plan.model import Plan
from vozzoctl.plan.pauses import Paused
from vozzoctl.plan.planner import LiveState
from vozzoctl.stop import forget_stop


@dataclass(frozen=True)
class Resumable:
    key: str
    paused: tuple[Paused, ...]
    waiting: int  # scheduled calls not yet processed: what restarting sets going


def check(
    made: Plan, desired: DesiredState, keys: Sequence[str], live: LiveState, limit: int
) -> tuple[list[Resumable], list[str]]:
    """The keys that may be resumed, and why the others may not (any: nothing is sent)."""
    plans = {k.key: k for k in made.keys}
    declared = {d.key: d for d in desired}
    chosen: list[Resumable] = []
    problems: list[str] = []
    for key in keys:
        k, d = plans.get(key), declared.get(key)
        if k is None or d is None:
            problems.append(f"{key}: in no manifest: resume checks calling safety against it")
            continue
        if k.errors:
            problems.append(f"{key}: {k.errors[0]}")
            continue
        if k.operations:
            pending = "; ".join(describe(op) for op in k.operations[:3])
            problems.append(
                f"{key}: changes are pending ({pending}): apply them first, so that the live "
                "campaign is the one the manifests declare and were checked against"
            )
            continue
        if d.settings.state is not State.RUNNING:
            problems.append(
                f"{key}: its manifest declares {d.settings.state.value}: to call, change "
                "spec.state to RUNNING in a reviewed change and apply it"
            )
            continue
        held = tuple(p for p in k.paused if not p.final)
        if not held:
            problems.append(f"{key}: nothing to resume: no campaign of it is paused")
            continue
        waiting = 0
        for p in held:
            c = live.campaigns[p.campaign_id]
            waiting += max((c.total_records or 0) - (c.processed_records or 0), 0)
        chosen.append(Resumable(key, held, waiting))
    total = sum(r.waiting for r in chosen)
    if total > limit:
        problems.append(
            f"resuming would start {total:,} waiting calls, more than --max-new-recipients "
            f"{limit:,}; raise the limit if that is intended"
        )
    return chosen, problems


async def send(
    client: VozzoClient, chosen: Sequence[Resumable], live: LiveState
) -> tuple[list[Paused], list[tuple[Paused, str]]]:
    """Set every paused campaign RUNNING, concurrently: those that now run, and the failures."""
    todo = [p for r in chosen for p in r.paused]

    async def one(p: Paused) -> str | None:
        weekends = live.campaigns[p.campaign_id].allow_weekends
        try:
            await client.update_campaign(
                p.campaign_id, update_params(allow_weekends=weekends, state=State.RUNNING)
            )
        except VozzoctlError as e:
            return e.message
        return None

    answers = await asyncio.gather(*(one(p) for p in todo))
    done = [p for p, why in zip(todo, answers, strict=True) if why is None]
    failed = [(p, why) for p, why in zip(todo, answers, strict=True) if why is not None]
    return done, failed


def record(path: Path, api_url: str, done: Sequence[Paused]) -> None:
    """The resumed batches leave their keys' stop records (the caller holds the lock)."""
    if not done:
        return
    lock = load(path, api_url)
    for key in sorted({p.key for p in done}):
        lock = forget_stop(lock, key, [p.campaign_id for p in done if p.key == key])
    save(path, replace(lock, serial=lock.serial + 1))
