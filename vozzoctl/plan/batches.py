"""A key's live campaigns (batches): those recorded, those adopted by name and agent, their
numbers; and which campaigns' calls a plan must read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vozzoctl.lockfile import Entry, Lockfile, Pending
from vozzoctl.manifest.desired import DesiredCampaign, DesiredState
from vozzoctl.model import Settings
from vozzoctl.plan.live import BatchLike, Finished, LiveLike, LiveState, base_name, batch_number
from vozzoctl.plan.scope import Options, in_scope


@dataclass(frozen=True)
class _Batches:
    recorded: tuple[LiveLike, ...]
    adopted: tuple[LiveLike, ...]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    finished: tuple[Finished, ...] = ()  # recorded, noted final in the lockfile, not read

    @property
    def live(self) -> tuple[LiveLike, ...]:
        """The batches read from the API."""
        return self.recorded + self.adopted

    @property
    def all(self) -> tuple[BatchLike, ...]:
        return self.recorded + self.adopted + self.finished


def batches_of(
    d: DesiredCampaign, entry: Entry | None, lock: Lockfile, live: LiveState
) -> _Batches:
    """The key's live campaigns: those the lockfile records, plus unrecorded ones named
    `<name>` or `<name> #N` with the key's agent (a lost lockfile, or a crash after a create).

    Found once per key and read: `items_needed` and the plan both ask (`live.found` keeps the
    answer with the very manifest and lockfile it was found for)."""
    kept = live.found.get(d.key)
    if kept is not None and kept[0] is d and kept[1] is lock and entry is lock.entry(d.key):
        assert isinstance(kept[2], _Batches)
        return kept[2]
    found = _find(d, entry, lock, live)
    live.found[d.key] = (d, lock, found)
    return found


def _find(d: DesiredCampaign, entry: Entry | None, lock: Lockfile, live: LiveState) -> _Batches:
    errors: list[str] = []
    warnings: list[str] = []
    recorded: list[LiveLike] = []
    finished: list[Finished] = []
    for b in entry.batches if entry else ():
        cid = b.campaign_id
        found = live.campaigns.get(cid)
        if found is not None:
            recorded.append(found)
        elif cid in live.finished:
            finished.append(live.finished[cid])
        elif cid in live.absent_ids:
            errors.append(
                f"campaign {cid}, recorded in the lockfile, is not in this account: is "
                "VOZZO_API_KEY the key of the organisation this lockfile belongs to?"
            )
    known = {c.campaign_id for c in recorded} | {f.campaign_id for f in finished}
    name, agent = d.settings.campaign_name, d.settings.agent_uuid
    by_name: dict[str, list[LiveLike]] = {}
    for c in live.named(agent, name):
        if c.campaign_id in known:
            continue
        if batch_number(c.name, name) is None or lock.owner_of(c.campaign_id) is not None:
            continue
        by_name.setdefault(c.name, []).append(c)
    adopted: list[LiveLike] = []
    for cname, same in sorted(by_name.items()):
        if len(same) > 1:
            ids = ", ".join(sorted(c.campaign_id for c in same))
            errors.append(
                f"{len(same)} live campaigns are named {cname!r} with agent {agent}: {ids}; "
                "vozzoctl cannot tell which is this key's"
            )
            continue
        adopted.append(same[0])
    # A create still pending and not found live is `pending.hold_pending`'s to say.
    return _Batches(
        tuple(recorded), tuple(adopted), tuple(errors), tuple(warnings), tuple(finished)
    )


def newly_final(entry: Entry | None, read: Sequence[LiveLike]) -> tuple[tuple[str, str], ...]:
    """(id, state) of the key's recorded batches read in a final state that the lockfile does
    not note as final yet: apply notes them, and later plans do not read them again."""
    noted = {b.campaign_id for b in entry.batches if b.final} if entry else set()
    return tuple(
        (c.campaign_id, c.state.value) for c in read if c.state.final and c.campaign_id not in noted
    )


def items_needed(
    desired: DesiredState, lock: Lockfile, live: LiveState, options: Options
) -> set[str]:
    """The campaigns whose scheduled calls the plan must read."""
    needed: set[str] = set()
    chosen, _ = in_scope(desired, lock, options)
    for d in chosen:
        entry = lock.entry(d.key)
        b = batches_of(d, entry, lock, live)
        if not b.all:
            continue
        if (
            entry is None
            or entry.recipients_sha256 != d.recipients_sha
            or b.adopted
            or _owed_replace(entry, b.all) is not None
            or (options.allow_replace and _replace_reasons(d, b.all))
        ):
            needed.update(c.campaign_id for c in b.all)
    return needed


def _replace_reasons(d: DesiredCampaign, batches: Sequence[BatchLike]) -> list[str]:
    active = [c for c in batches if not c.state.final]
    if not active:
        return []
    reasons: list[str] = []
    current = base_name(active[-1].name)
    if current != d.settings.campaign_name:
        reasons.append(f"spec.name changes {current!r} → {d.settings.campaign_name!r}")
    agents = {(c.agent_id or "").lower() for c in active} - {""}
    if agents and agents != {d.settings.agent_uuid}:
        reasons.append(f"spec.agent changes {', '.join(sorted(agents))} → {d.settings.agent_uuid}")
    return reasons


def _owed_replace(entry: Entry | None, batches: Sequence[BatchLike]) -> Pending | None:
    """The create of a replace that was recorded, then ended old batches, and never made its
    new one (a crash or a failed create in between): its numbers now look held by ENDED
    batches, so only this record says they are still owed a campaign."""
    names = {c.name for c in batches}
    for p in entry.pending if entry else ():
        if p.replaces and p.campaign_name not in names:
            return p
    return None


def _order(c: BatchLike, name: str) -> tuple[int, str]:
    n = batch_number(c.name, name)
    if n is None:
        n = batch_number(c.name, base_name(c.name)) or 1
    return (n, c.campaign_id)


def _free_number(n: int, s: Settings, live: LiveState) -> int:
    """The first batch number from `n` whose name no live campaign of the agent has."""
    taken = {c.name for c in live.named(s.agent_uuid, s.campaign_name)}
    while (s.campaign_name if n == 1 else f"{s.campaign_name} #{n}") in taken:
        n += 1
    return n
