"""What the planner reads of the live account (campaigns and their calls, as protocols), the
LiveState the engine fills, with its index by agent and base name, and batch numbers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Protocol

from vozzoctl.model import State

_SUFFIX = re.compile(r"^(?P<base>.*) #(?P<n>[0-9]+)$")


class BatchLike(Protocol):
    """What the planner knows of every batch of a key, read or not (`Finished`)."""

    @property
    def campaign_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def agent_id(self) -> str | None: ...
    @property
    def state(self) -> State: ...


class LiveLike(BatchLike, Protocol):
    """What the planner reads of a live campaign (`vozzoctl.api.LiveCampaign` fits)."""

    @property
    def start_date(self) -> date: ...
    @property
    def end_date(self) -> date | None: ...
    @property
    def start_hour(self) -> int: ...
    @property
    def end_hour(self) -> int: ...
    @property
    def allow_weekends(self) -> bool: ...
    @property
    def max_retry(self) -> int: ...
    @property
    def max_retry_per_day(self) -> int: ...
    @property
    def total_records(self) -> int | None: ...
    @property
    def processed_records(self) -> int | None: ...
    @property
    def created_at(self) -> datetime | None: ...


class ItemLike(Protocol):
    """What the planner reads of a scheduled call (`vozzoctl.api.ScheduledItem` fits)."""

    @property
    def to_phone_number(self) -> str: ...
    @property
    def agent_language(self) -> str | None: ...
    @property
    def metadata(self) -> str: ...
    @property
    def status(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Finished:
    """A batch the lockfile notes as final (COMPLETED or ENDED), standing in for a read of it:
    a finished campaign never changes, so its id, name and state are all a plan needs."""

    campaign_id: str
    name: str
    state: State
    agent_id: str | None = None  # the lockfile does not record it; only live batches need it


@dataclass(frozen=True, repr=False)
class LiveState:
    """Everything the engine read: campaigns by id, unknown agents, and the calls it read."""

    campaigns: Mapping[str, LiveLike]
    missing_agents: frozenset[str] = frozenset()
    absent_ids: frozenset[str] = frozenset()  # recorded in the lockfile, not in this account
    items: Mapping[str, Sequence[ItemLike]] = field(default_factory=dict)
    # agents read only as far as their recorded campaigns: names seen there prove nothing free
    partial: frozenset[str] = frozenset()
    # recorded batches the lockfile notes as final, not read again (campaign id → stand-in)
    finished: Mapping[str, Finished] = field(default_factory=dict)
    # agents read in full (every campaign, the count as witness) → why, for the plan to say
    read_in_full: Mapping[str, str] = field(default_factory=dict)
    # what the planner found of a key in this read, kept for its second pass over the key
    # (`batches.batches_of`): key → (its DesiredCampaign, the Lockfile, what was found)
    # (not an argument: a copy made with `dataclasses.replace` starts without it)
    found: dict[str, tuple[object, object, object]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __repr__(self) -> str:
        # Short: asyncio formats the result of the finished main task when it restores the
        # SIGINT handler (Python 3.11), and a full repr of 10,000 campaigns costs a third of
        # a second there.
        return f"<LiveState of {len(self.campaigns)} campaigns, calls of {len(self.items)}>"

    def named(self, agent: str, name: str) -> Sequence[LiveLike]:
        """The agent's campaigns named `name` or `name #N`: one look-up, however many
        campaigns the account holds."""
        return self._by_agent_and_base.get((agent, name), ())

    @cached_property
    def _by_agent_and_base(self) -> dict[tuple[str, str], list[LiveLike]]:
        index: dict[tuple[str, str], list[LiveLike]] = {}
        for c in self.campaigns.values():
            index.setdefault(((c.agent_id or "").lower(), base_name(c.name)), []).append(c)
        return index


def batch_number(name: str, base: str) -> int | None:
    """1 for `<base>`, N for `<base> #N`, None for any other name."""
    if name == base:
        return 1
    m = _SUFFIX.match(name)
    if m and m["base"] == base:
        return int(m["n"])
    return None


# asked of every campaign read, several times a plan; bounded for a process that plans for long
@functools.lru_cache(maxsize=1 << 17)
def base_name(name: str) -> str:
    """`<name>` of a batch named `<name>` or `<name> #N`."""
    m = _SUFFIX.match(name)
    return m["base"] if m else name
