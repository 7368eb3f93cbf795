"""The create and update rules of vozzo-api.md, each failure a message under its field.

Both return the field errors (`{"campaign_max_retry": ["..."]}`); empty means valid. Messages
never repeat the value given, so no phone number ends up in an error body or a log.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from vozzoctl.model import LANGUAGES, TRANSITIONS, State

Errors = dict[str, list[str]]

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HOUR_RE = re.compile(r"^\d{2}$")

METADATA_MSG = "Metadata must be a valid JSON string"
REQUIRED_MSG = "This field is required."
UPDATE_STATES = (State.TO_START, State.RUNNING, State.SUSPENDED, State.ENDED)


@dataclass(frozen=True, slots=True)
class Recipient:
    phone: str
    language: str
    metadata: str


@dataclass(frozen=True, slots=True)
class NewCampaign:
    agent_id: str
    name: str
    start_date: date
    end_date: date | None
    start_hour: int
    end_hour: int
    allow_weekends: bool
    max_total: int
    max_per_day: int | None
    recipients: tuple[Recipient, ...]


def validate_create(body: Any, today: date) -> tuple[NewCampaign | None, Errors]:
    """Check a create body; `today` is the IST date."""
    errors: Errors = {}
    if not isinstance(body, dict):
        return None, {"body": ["The request body must be a JSON object."]}

    def err(name: str, msg: str) -> None:
        errors.setdefault(name, []).append(msg)

    agent = body.get("agent_uuid")
    if agent is None:
        err("agent_uuid", REQUIRED_MSG)
    elif not isinstance(agent, str) or not UUID_RE.match(agent):
        err("agent_uuid", "Must be a valid UUID.")

    name = body.get("campaign_name")
    if name is None:
        err("campaign_name", REQUIRED_MSG)
    elif not isinstance(name, str) or not name.strip():
        err("campaign_name", "Must be a non-empty string.")
    elif len(name) > 255:
        err("campaign_name", "Must be at most 255 characters.")

    start = _date_field(body, "campaign_start_date", err, required=True)
    if start is not None and start < today:
        err("campaign_start_date", "Start date must be today or a future date.")
    end = _date_field(body, "campaign_end_date", err, required=False)
    if start is not None and end is not None and end < start:
        err("campaign_end_date", "End date must be on or after the start date.")

    sh = _hour_field(body.get("campaign_start_time"), "campaign_start_time", err, required=True)
    eh = _hour_field(body.get("campaign_end_time"), "campaign_end_time", err, required=True)
    if sh is not None and eh is not None and eh <= sh:
        err("campaign_end_time", "End time must be after start time.")

    weekends = body.get("campaign_allow_weekends")
    if weekends is None:
        err("campaign_allow_weekends", REQUIRED_MSG)
    elif not isinstance(weekends, bool):
        err("campaign_allow_weekends", "Must be a boolean.")

    total = _retry_field(body.get("campaign_max_retry"), "campaign_max_retry", err, True)
    per_day = _retry_field(
        body.get("campaign_max_retry_per_day"), "campaign_max_retry_per_day", err, False
    )
    if total is not None and per_day is not None and per_day > total:
        err("campaign_max_retry_per_day", "Must not exceed campaign_max_retry.")

    recipients = _recipients(body.get("campaign_data"), err)

    if errors:
        return None, errors
    assert isinstance(agent, str) and isinstance(name, str) and isinstance(weekends, bool)
    assert start is not None and sh is not None and eh is not None and total is not None
    return NewCampaign(
        agent_id=agent.lower(),
        name=name,
        start_date=start,
        end_date=end,
        start_hour=sh,
        end_hour=eh,
        allow_weekends=weekends,
        max_total=total,
        max_per_day=per_day,
        recipients=recipients,
    ), {}


@dataclass(frozen=True, slots=True)
class Changes:
    """An update's parsed query: None means "keep"."""

    allow_weekends: bool
    state: State | None = None
    start_date: date | None = None
    end_date: date | None = None
    max_total: int | None = None
    max_per_day: int | None = None
    start_hour: int | None = None
    end_hour: int | None = None


def parse_update(query: dict[str, str]) -> tuple[Changes | None, Errors]:
    """Parse an update's query parameters (all strings); the cross-field rules come later."""
    errors: Errors = {}

    def err(name: str, msg: str) -> None:
        errors.setdefault(name, []).append(msg)

    weekends: bool | None = None
    raw = query.get("campaign_allow_weekends")
    if raw is None or raw == "":
        err("campaign_allow_weekends", REQUIRED_MSG)
    elif raw.lower() in ("true", "1", "yes", "on"):
        weekends = True
    elif raw.lower() in ("false", "0", "no", "off"):
        weekends = False
    else:
        err("campaign_allow_weekends", "Must be a boolean (true or false).")

    state = None
    if (raw := query.get("campaign_status")) is not None:
        if raw in {s.value for s in UPDATE_STATES}:
            state = State(raw)
        else:
            err("campaign_status", "Must be one of TO_START, RUNNING, SUSPENDED, ENDED.")

    start = _date_field(query, "campaign_start_date", err, required=False)
    end = _date_field(query, "campaign_end_date", err, required=False)
    total = per_day = None
    for name in ("campaign_max_retry", "campaign_max_retry_per_day"):
        if (raw := query.get(name)) is None:
            continue
        value = int(raw) if re.fullmatch(r"[+-]?\d{1,3}", raw.strip()) else None
        got = _retry_field(value if value is not None else raw, name, err, False)
        if name == "campaign_max_retry":
            total = got
        else:
            per_day = got
    sh = _hour_field(query.get("campaign_start_time"), "campaign_start_time", err, False)
    eh = _hour_field(query.get("campaign_end_time"), "campaign_end_time", err, False)
    if errors or weekends is None:
        return None, errors
    return Changes(weekends, state, start, end, total, per_day, sh, eh), {}


def check_update(
    changes: Changes,
    *,
    state: State,
    start_date: date,
    end_date: date | None,
    start_hour: int,
    end_hour: int,
    max_total: int,
    max_per_day: int | None,
    today: date,
) -> Errors:
    """The rules that compare the update with the campaign as it stands."""
    errors: Errors = {}

    def err(name: str, msg: str) -> None:
        errors.setdefault(name, []).append(msg)

    target = changes.state
    if target is not None and target != state and target not in _allowed(state):
        err("campaign_status", f"Cannot change the campaign state from {state} to {target}.")
    new_start = changes.start_date or start_date
    if changes.start_date not in (None, start_date) and changes.start_date < today:
        err("campaign_start_date", "Start date must be today or a future date.")
    new_end = changes.end_date or end_date
    if new_end is not None and new_end < new_start:
        err("campaign_end_date", "End date must be on or after the start date.")
    sh = start_hour if changes.start_hour is None else changes.start_hour
    eh = end_hour if changes.end_hour is None else changes.end_hour
    if eh <= sh:
        err("campaign_end_time", "End time must be after start time.")
    total = changes.max_total or max_total
    per_day = changes.max_per_day or max_per_day
    if per_day is not None and per_day > total:
        err("campaign_max_retry_per_day", "Must not exceed campaign_max_retry.")
    return errors


def _allowed(state: State) -> frozenset[State]:
    return TRANSITIONS[state]


def _date_field(body: dict[str, Any], name: str, err: Any, *, required: bool) -> date | None:
    value = body.get(name)
    if value is None:
        if required:
            err(name, REQUIRED_MSG)
        return None
    if not isinstance(value, str) or not DATE_RE.match(value):
        err(name, "Date must be in YYYY-MM-DD format.")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err(name, "Date must be in YYYY-MM-DD format.")
        return None


def _hour_field(value: Any, name: str, err: Any, required: bool) -> int | None:
    if value is None:
        if required:
            err(name, REQUIRED_MSG)
        return None
    if not isinstance(value, str) or not HOUR_RE.match(value) or int(value) > 23:
        err(name, 'Must be a two-digit hour string from "00" to "23".')
        return None
    return int(value)


def _retry_field(value: Any, name: str, err: Any, required: bool) -> int | None:
    if value is None:
        if required:
            err(name, REQUIRED_MSG)
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        err(name, "Must be an integer from 1 to 5.")
        return None
    return value


def _recipients(data: Any, err: Any) -> tuple[Recipient, ...]:
    if data is None:
        err("campaign_data", REQUIRED_MSG)
        return ()
    if not isinstance(data, list):
        err("campaign_data", "Must be a list of recipients.")
        return ()
    if not data:
        err("campaign_data", "At least one recipient is required.")
        return ()
    out = []
    for i, row in enumerate(data):
        field = f"campaign_data[{i}]"
        if not isinstance(row, dict):
            err(field, "Each recipient must be an object.")
            continue
        phone, lang, meta = (
            row.get("to_phone_number"),
            row.get("agent_language"),
            row.get("metadata"),
        )
        ok = True
        if phone is None:
            err(f"{field}.to_phone_number", REQUIRED_MSG)
            ok = False
        elif not isinstance(phone, str) or not E164_RE.match(phone):
            err(
                f"{field}.to_phone_number",
                "Invalid phone number format: use E.164, e.g. +911234567890.",
            )
            ok = False
        if lang is None:
            err(f"{field}.agent_language", REQUIRED_MSG)
            ok = False
        elif lang not in LANGUAGES:
            err(f"{field}.agent_language", f"Must be one of {', '.join(LANGUAGES)}.")
            ok = False
        if meta is None:
            meta = "{}"
        if not isinstance(meta, str) or not _json_object(meta):
            err(f"{field}.metadata", METADATA_MSG)
            ok = False
        if ok:
            assert isinstance(phone, str) and isinstance(lang, str) and isinstance(meta, str)
            out.append(Recipient(phone, lang, meta))
    return tuple(out)


def _json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False
