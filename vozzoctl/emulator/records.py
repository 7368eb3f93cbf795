"""The emulator's stored records: campaigns, their scheduled items and each item's call logs.

Plain mutable dataclasses held in memory (the store writes them through to SQLite) and the
functions that render them in the API's shapes, current and legacy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from vozzoctl.model import State

# item statuses as stored; IN_PROGRESS is derived at read time from a call not yet ended
SCHEDULED = "SCHEDULED"
IN_PROGRESS = "IN_PROGRESS"
COMPLETED = "COMPLETED"
FAILED = "FAILED"
CANCELLED = "CANCELLED"
DONE_STATUSES = frozenset({COMPLETED, FAILED, CANCELLED})

RETRY_DELAY_MINUTES = 60


@dataclass(slots=True)
class CallLog:
    attempt: int
    started_at: datetime
    ended_at: datetime
    outcome: str  # ANSWERED | NO_ANSWER | BUSY | FAILED
    summary: str
    category: str | None = None
    goal_achieved: bool = False
    tags: tuple[str, ...] = ()

    @property
    def duration_seconds(self) -> int:
        return int((self.ended_at - self.started_at).total_seconds())

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt": self.attempt,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "outcome": self.outcome,
            "summary": self.summary,
            "category": self.category,
            "goal_achieved": self.goal_achieved,
            "tags": list(self.tags),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CallLog:
        return cls(
            attempt=int(d["attempt"]),
            started_at=datetime.fromisoformat(d["started_at"]),
            ended_at=datetime.fromisoformat(d["ended_at"]),
            outcome=str(d["outcome"]),
            summary=str(d["summary"]),
            category=d.get("category"),
            goal_achieved=bool(d.get("goal_achieved")),
            tags=tuple(d.get("tags") or ()),
        )


@dataclass(slots=True)
class Item:
    id: str
    position: int
    phone: str
    language: str
    metadata: str  # the JSON string exactly as sent
    status: str = SCHEDULED
    attempts: int = 0
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    logs: list[CallLog] = field(default_factory=list)

    def visible_status(self, now: datetime) -> str:
        if self.logs and self.logs[-1].ended_at > now:
            return IN_PROGRESS
        return self.status

    def done(self, now: datetime) -> bool:
        return self.visible_status(now) in (COMPLETED, FAILED)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "position": self.position,
            "phone": self.phone,
            "language": self.language,
            "metadata": self.metadata,
            "status": self.status,
            "attempts": self.attempts,
            "last_attempt_at": _iso(self.last_attempt_at),
            "next_attempt_at": _iso(self.next_attempt_at),
            "logs": [log.to_json() for log in self.logs],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Item:
        return cls(
            id=str(d["id"]),
            position=int(d["position"]),
            phone=str(d["phone"]),
            language=str(d["language"]),
            metadata=str(d["metadata"]),
            status=str(d["status"]),
            attempts=int(d["attempts"]),
            last_attempt_at=_dt(d.get("last_attempt_at")),
            next_attempt_at=_dt(d.get("next_attempt_at")),
            logs=[CallLog.from_json(x) for x in d.get("logs") or ()],
        )


@dataclass(slots=True)
class Campaign:
    id: str
    seq: int  # creation order: newest first is highest seq first
    org_id: int
    agent_id: str
    name: str
    state: State
    start_date: date
    end_date: date | None
    start_hour: int
    end_hour: int
    allow_weekends: bool
    max_total: int
    max_per_day: int | None  # None: follows max_total
    created_at: datetime
    updated_at: datetime
    items: list[Item] = field(default_factory=list)
    # simulation bookkeeping: calls are placed only after `sim_at`; `lines` are the times each
    # dialer line is free again; `wake_at` is the earliest time anything can change
    sim_at: datetime | None = None
    lines: list[datetime] = field(default_factory=list)
    wake_at: datetime | None = None
    # campaign_object as JSON text, and the values it showed (`campaign_json`); never stored
    shown: tuple[tuple[Any, ...], str] | None = field(default=None, compare=False, repr=False)

    @property
    def per_day(self) -> int:
        return self.max_per_day if self.max_per_day is not None else self.max_total

    def processed(self, now: datetime) -> int:
        return sum(1 for it in self.items if it.done(now))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "org_id": self.org_id,
            "agent_id": self.agent_id,
            "name": self.name,
            "state": self.state.value,
            "start_date": self.start_date.isoformat(),
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "start_hour": self.start_hour,
            "end_hour": self.end_hour,
            "allow_weekends": self.allow_weekends,
            "max_total": self.max_total,
            "max_per_day": self.max_per_day,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "sim_at": _iso(self.sim_at),
            "lines": [x.isoformat() for x in self.lines],
            "wake_at": _iso(self.wake_at),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any], items: list[Item]) -> Campaign:
        return cls(
            id=str(d["id"]),
            seq=int(d["seq"]),
            org_id=int(d["org_id"]),
            agent_id=str(d["agent_id"]),
            name=str(d["name"]),
            state=State(d["state"]),
            start_date=date.fromisoformat(d["start_date"]),
            end_date=date.fromisoformat(d["end_date"]) if d.get("end_date") else None,
            start_hour=int(d["start_hour"]),
            end_hour=int(d["end_hour"]),
            allow_weekends=bool(d["allow_weekends"]),
            max_total=int(d["max_total"]),
            max_per_day=None if d.get("max_per_day") is None else int(d["max_per_day"]),
            created_at=datetime.fromisoformat(d["created_at"]),
            updated_at=datetime.fromisoformat(d["updated_at"]),
            items=items,
            sim_at=_dt(d.get("sim_at")),
            lines=[datetime.fromisoformat(x) for x in d.get("lines") or ()],
            wake_at=_dt(d.get("wake_at")),
        )


# ---- the API's shapes ---------------------------------------------------------------------


def campaign_object(c: Campaign, now: datetime) -> dict[str, Any]:
    """The campaign object of detail, update and by-agent answers (vozzo-api.md)."""
    return {
        "campaign_id": c.id,
        "org_id": c.org_id,
        "agent_id": c.agent_id,
        "campaign_state": c.state.value,
        "campaign_start_date": c.start_date.isoformat(),
        "campaign_end_date": c.end_date.isoformat() if c.end_date else None,
        "campaign_config": {
            "campaign_name": c.name,
            "retry_options": {
                "max_calls_total": c.max_total,
                "max_calls_in_a_day": c.per_day,
                "retry_delay": RETRY_DELAY_MINUTES,
            },
            "metadata": {},
            "timeslot_settings": {
                "timezone": "IST",
                "allow_on_weekends": c.allow_weekends,
                "start_time": f"{c.start_hour:02d}",
                "end_time": f"{c.end_hour:02d}",
            },
            "preferred_timeslot": "ANYDAY",
            "encrypted_data": False,
            "internal_auth": False,
            "org_id": None,
            "post_call_action": None,
        },
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
        "total_records": len(c.items),
        "processed_records": c.processed(now),
    }


# as Starlette's JSONResponse encodes
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def campaign_json(c: Campaign, now: datetime) -> str:
    """`campaign_object(c, now)` as JSON text, encoded again only when a value it shows has
    changed: a page of 100 campaigns is then mostly joined, not built and encoded anew."""
    seen = (
        c.name, c.state, c.updated_at, c.start_date, c.end_date, c.start_hour, c.end_hour,
        c.allow_weekends, c.max_total, c.max_per_day, len(c.items), c.processed(now),
    )  # fmt: skip
    if c.shown is None or c.shown[0] != seen:
        c.shown = (seen, _JSON.encode(campaign_object(c, now)))
    return c.shown[1]


def campaign_row(c: Campaign, now: datetime) -> dict[str, Any]:
    """One row of GET /v1alpha/campaigns."""
    return {
        "campaign_id": c.id,
        "campaign_name": c.name,
        "campaign_state": c.state.value,
        "agent_id": c.agent_id,
        "created_at": c.created_at.isoformat(),
        "total_records": len(c.items),
        "processed_records": c.processed(now),
    }


def item_row(it: Item, now: datetime, *, legacy: bool = False) -> dict[str, Any]:
    if legacy:
        return {
            "scheduled_item_id": it.id,
            "to_phone_number": it.phone,
            "metadata": _parsed(it.metadata),
            "call_state": it.visible_status(now),
            "attempt_count": it.attempts,
            "last_attempt_at": _iso(it.last_attempt_at),
            "next_attempt_at": _iso(it.next_attempt_at),
        }
    return {
        "scheduled_item_id": it.id,
        "to_phone_number": it.phone,
        "agent_language": it.language,
        "metadata": it.metadata,
        "status": it.visible_status(now),
        "attempts": it.attempts,
        "last_attempt_at": _iso(it.last_attempt_at),
        "next_attempt_at": _iso(it.next_attempt_at),
    }


def item_detail(it: Item, now: datetime, *, legacy: bool = False) -> dict[str, Any]:
    out = item_row(it, now, legacy=legacy)
    if legacy:
        out["agent_language"] = it.language
    out["call_logs"] = [
        {
            "attempt": log.attempt,
            "started_at": log.started_at.isoformat(),
            "ended_at": log.ended_at.isoformat(),
            "duration_seconds": log.duration_seconds,
            "outcome": log.outcome,
            "summary": log.summary,
        }
        for log in it.logs
        if log.ended_at <= now
    ]
    return out


def analytics(c: Campaign, now: datetime) -> dict[str, Any]:
    """Derived from the finished calls only, so the figures grow as the clock moves."""
    attempted = connected = goals_met = 0
    categories: dict[str, int] = {}
    tags: dict[str, int] = {}
    for it in c.items:
        for log in it.logs:
            if log.ended_at > now:
                continue
            attempted += 1
            for tag in log.tags:
                tags[tag] = tags.get(tag, 0) + 1
            if log.outcome != "ANSWERED":
                continue
            connected += 1
            if log.category:
                categories[log.category] = categories.get(log.category, 0) + 1
            goals_met += log.goal_achieved
    return {
        "campaign_id": c.id,
        "total_records": len(c.items),
        "processed_records": c.processed(now),
        "calls_attempted": attempted,
        "calls_connected": connected,
        "categories": dict(sorted(categories.items())),
        "goals": {"appointment_booked": {"achieved": goals_met, "total": connected}},
        "success_criteria": {
            "call_connected": connected,
            "customer_engaged": sum(v for k, v in categories.items() if k != "wrong_number"),
            "goal_achieved": goals_met,
        },
        "tags": dict(sorted(tags.items())),
    }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _parsed(metadata: str) -> Any:
    try:
        return json.loads(metadata)
    except ValueError:
        return metadata
