"""Whether each campaign the lockfile records is the campaign of the key that records it.

The lockfile is a map kept in git, so it can be edited by hand, merged badly or copied from
another repository. Before a plan updates, ends, replaces or prunes a recorded campaign, the
campaign must be one the key could have made:

    another key records the same id         → error naming both keys
    the live name ≠ the name recorded       → error: names are fixed at creation, so the entry
                                              points at another campaign
    an active campaign whose name and agent → error naming the other key, when another key
    are not `<name>` / `<name> #N` and the    declares that name and agent; or when the key's
    key's agent                               settings are those of its last apply (so it was
                                              never renamed nor moved to another agent)

Otherwise a name or agent that differs is a rename or an agent change, which the planner
refuses or replaces as the contract says. A key with any of these errors gets no operation at
all. Pure: reads the desired state, the lockfile and the live campaigns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from vozzoctl.lockfile import Lockfile
from vozzoctl.manifest.desired import DesiredCampaign, DesiredState
from vozzoctl.model import State
from vozzoctl.plan.live import base_name


class Recorded(Protocol):
    """What this check reads of a live campaign (the planner's LiveLike fits)."""

    @property
    def name(self) -> str: ...
    @property
    def agent_id(self) -> str | None: ...
    @property
    def state(self) -> State: ...


@dataclass(frozen=True)
class Ownership:
    """Lockfile-wide indexes, made once per plan."""

    owners: Mapping[str, tuple[str, ...]]  # campaign id → every key that records it
    declared: Mapping[tuple[str, str], tuple[str, ...]]  # (name, agent) → keys declaring it

    @classmethod
    def of(cls, desired: DesiredState, lock: Lockfile) -> Ownership:
        owners: dict[str, list[str]] = {}
        for key, entry in lock.campaigns.items():
            for cid in entry.campaign_ids:
                owners.setdefault(cid, []).append(key)
        declared: dict[tuple[str, str], list[str]] = {}
        for d in desired:
            ident = (d.settings.campaign_name, d.settings.agent_uuid.lower())
            declared.setdefault(ident, []).append(d.key)
        return cls(
            {cid: tuple(sorted(keys)) for cid, keys in owners.items()},
            {ident: tuple(keys) for ident, keys in declared.items()},
        )

    def errors(
        self,
        key: str,
        d: DesiredCampaign | None,
        lock: Lockfile,
        campaigns: Mapping[str, Recorded],
    ) -> list[str]:
        """What is wrong with the key's lockfile entry, one message per recorded campaign."""
        entry = lock.entry(key)
        if entry is None:
            return []
        out: list[str] = []
        for batch in entry.batches:
            cid = batch.campaign_id
            owners = self.owners.get(cid, ())
            others = [k for k in owners if k != key] if owners != (key,) else []
            live = campaigns.get(cid)
            if others:
                out.append(
                    f"campaign {cid} is recorded in the lockfile for this key and for "
                    f"{_keys(others)}: one entry points at another key's campaign; nothing is "
                    "sent for this key until vozzo.lock is fixed (git log -p vozzo.lock shows "
                    "who changed it)"
                )
                continue
            if live is None:
                continue
            name, agent = live.name, (live.agent_id or "").lower()
            if name != batch.campaign_name:
                out.append(
                    f"campaign {cid} is recorded in the lockfile as {batch.campaign_name!r}, "
                    f"but the live campaign is named {name!r}{self._of(key, name, agent)}: "
                    "names are fixed at creation, so the entry points at another campaign; "
                    "nothing is sent for this key until vozzo.lock is fixed"
                )
                continue
            if live.state.final:
                continue  # never updated nor ended: it can mislead no write
            claimed = self._claimed(key, name, agent)
            if claimed:
                out.append(
                    f"campaign {cid} ({name!r}), recorded in the lockfile for this key, has the "
                    f"name and agent that {_keys(claimed)} declares: the entry points at "
                    "another key's campaign; nothing is sent for either until vozzo.lock is "
                    "fixed"
                )
                continue
            if d is None or entry.settings_sha256 != d.settings_sha:
                continue  # a rename or an agent change: the planner says what it does
            own_name = base_name(name) == d.settings.campaign_name
            own_agent = not agent or agent == d.settings.agent_uuid.lower()
            if not (own_name and own_agent):
                what = "name" if not own_name else "agent"
                out.append(
                    f"campaign {cid} ({name!r}), recorded in the lockfile for this key, does "
                    f"not have the key's {what}, yet the key's settings are those of its last "
                    "apply: the entry points at a campaign this key did not make; nothing is "
                    "sent for this key until vozzo.lock is fixed"
                )
        return out

    def _claimed(self, key: str, name: str, agent: str) -> list[str]:
        if not agent:
            return []
        return [k for k in self.declared.get((base_name(name), agent), ()) if k != key]

    def _of(self, key: str, name: str, agent: str) -> str:
        claimed = self._claimed(key, name, agent)
        return f" (the name {_keys(claimed)} declares)" if claimed else ""


def _keys(keys: Iterable[str]) -> str:
    names = sorted(keys)
    return ("key " if len(names) == 1 else "keys ") + ", ".join(repr(k) for k in names)
