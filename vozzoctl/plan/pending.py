"""Creates an earlier apply sent without learning their outcome: when to send them again.

A create whose answer was lost (a dropped connection, a 5xx) may have made the campaign. The
lockfile keeps it `pending` with the time of the attempt. Many services' lists catch up late
(a search index behind the database), so "not found a second later" proves nothing: the plan
proposes to send it again only when both witnesses said the name is free (the agent's list,
read strictly, and its count agreeing with that list: `VozzoClient.read_agents`) and
`Options.pending_wait` has passed since the attempt. Before that the key is an error that says
when to plan again. A pending create found live was adopted by name before this runs.
Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from vozzoctl.lockfile import Entry, Pending
from vozzoctl.plan.model import CreateOp, KeyPlan, Operation

DEFAULT_PENDING_WAIT = timedelta(minutes=5)


def hold_pending(k: KeyPlan, entry: Entry | None, now: datetime, wait: timedelta) -> KeyPlan:
    """`k` with each create an earlier apply left pending either held back (an error naming
    when to plan again) or kept and said plainly ("may exist: …; apply will send it")."""
    pending = {p.campaign_name: p for p in entry.pending} if entry else {}
    if not pending or k.errors:
        return k
    ops: list[Operation] = []
    notes, errors = list(k.notes), list(k.errors)
    for op in k.operations:
        p = pending.pop(op.campaign_name, None) if isinstance(op, CreateOp) else None
        if p is None:
            ops.append(op)
            continue
        since = _since(p)
        shown = _shown(since, now)
        if since is None or now - since < wait:
            after = _shown(since + wait, now) if since is not None else "a few minutes"
            errors.append(
                f"may exist: {op.campaign_name!r} was sent at {shown} and its answer was lost; "
                f"it is not found by name or count yet, but lists can lag behind new campaigns: "
                f"plan again after {after} (--pending-wait sets how long to wait)"
            )
            continue
        notes.append(
            f"may exist: {op.campaign_name!r} not found by name or count since {shown}; "
            "apply will send it"
        )
        ops.append(op)
    adopted = {op.campaign_name for op in k.operations if not isinstance(op, CreateOp)}
    for name in sorted(set(pending) - adopted):
        notes.append(
            f"the create of {name!r} in an earlier apply had no answer; this plan does not "
            "send it again"
        )
    return replace(k, operations=tuple(ops), notes=tuple(notes), errors=tuple(errors))


def _since(p: Pending) -> datetime | None:
    try:
        since = datetime.fromisoformat(p.since)
    except ValueError:
        return None
    return since if since.tzinfo is not None else since.replace(tzinfo=UTC)


def _shown(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "an unknown time"
    utc = moment.astimezone(UTC)
    same_day = utc.date() == now.astimezone(UTC).date()
    return utc.strftime("%H:%M UTC" if same_day else "%Y-%m-%d %H:%M UTC")
