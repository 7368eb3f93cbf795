"""The values every layer shares: a campaign's settings and recipients in the API's own terms.

Pure: no I/O, no httpx, no click. The manifest layer produces them, the planner compares them
with what the API reads back (mapped by `vozzoctl.api.mapping`), the API client sends them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class State(enum.StrEnum):
    TO_START = "TO_START"
    RUNNING = "RUNNING"
    SUSPENDED = "SUSPENDED"
    ENDED = "ENDED"
    COMPLETED = "COMPLETED"

    @property
    def final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({State.ENDED, State.COMPLETED})

# Transitions the update endpoint accepts (vozzo-api.md, "States"); setting the state a
# campaign already has is accepted too and changes nothing.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.TO_START: frozenset({State.RUNNING, State.SUSPENDED, State.ENDED}),
    State.RUNNING: frozenset({State.SUSPENDED, State.ENDED}),
    State.SUSPENDED: frozenset({State.RUNNING, State.ENDED}),
    State.ENDED: frozenset(),
    State.COMPLETED: frozenset(),
}


def can_transition(current: State, target: State) -> bool:
    return current == target or target in TRANSITIONS[current]


LANGUAGES: tuple[str, ...] = (
    "EN",
    "HI",
    "BN",
    "TA",
    "TE",
    "MR",
    "GU",
    "KN",
    "ML",
    "PA",
    "OR",
    "UR",
    "AS",
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything about a campaign but its recipients, as the API names and types it."""

    campaign_name: str
    agent_uuid: str
    start_date: date
    end_date: date | None
    start_hour: int  # 0-23; sent as "09"
    end_hour: int
    allow_weekends: bool
    max_retry: int  # 1-5
    max_retry_per_day: int  # 1-5, <= max_retry; the API reads it back equal to max_retry when unset
    state: State = State.TO_START


@dataclass(frozen=True, slots=True, order=True)
class Recipient:
    """One call to place: an E.164 number, a language, metadata as canonical compact JSON."""

    phone: str
    language: str = "EN"
    metadata: str = "{}"
