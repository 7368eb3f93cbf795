"""Settings set back in place: each live batch of a key compared with its manifest, field by
field, into one update call per batch that differs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from vozzoctl.lockfile import Entry
from vozzoctl.manifest.desired import DesiredCampaign
from vozzoctl.model import State, can_transition
from vozzoctl.plan.live import LiveLike
from vozzoctl.plan.model import (
    Action,
    AdoptOp,
    CreateOp,
    EndOp,
    FieldChange,
    Operation,
    UpdateOp,
    show,
)
from vozzoctl.plan.pauses import Review
from vozzoctl.plan.scope import Options


@dataclass
class Updates:
    """What updating a key's live batches takes and says."""

    operations: list[UpdateOp] = field(default_factory=list)
    actions: set[Action] = field(default_factory=set)
    resumed: int = 0  # unfinished calls of the batches set RUNNING
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def updates(
    d: DesiredCampaign,
    entry: Entry | None,
    active: Sequence[LiveLike],
    pause: Review,
    options: Options,
) -> Updates:
    """An update for each of `active` (the live batches not ended by a replace) that differs
    from the manifest; a batch `pause` holds keeps its state."""
    out = Updates()
    for c in active:
        update, problems, cautions = update_of(
            c, pause.desired_for(c.campaign_id, d, c.state), entry, options
        )
        out.errors.extend(problems)
        out.warnings.extend(cautions)
        if update is None:
            continue
        out.operations.append(update)
        if any(ch.name == "state" and ch.after == State.RUNNING.value for ch in update.changes):
            out.resumed += max((c.total_records or 0) - (c.processed_records or 0), 0)
        ends = any(ch.name == "state" and ch.after == State.ENDED.value for ch in update.changes)
        out.actions.add(Action.END if ends else Action.UPDATE)
    return out


def update_of(
    c: LiveLike, d: DesiredCampaign, entry: Entry | None, options: Options
) -> tuple[UpdateOp | None, list[str], list[str]]:
    s = d.settings
    if (  # the common case, in one comparison: every field as declared, nothing to say
        s.start_date >= options.today
        and (c.start_date, c.end_date, c.start_hour, c.end_hour, c.allow_weekends)
        == (s.start_date, s.end_date, s.start_hour, s.end_hour, s.allow_weekends)
        and (c.max_retry, c.max_retry_per_day, c.state)
        == (s.max_retry, s.max_retry_per_day, s.state)
    ):
        return None, [], []
    return compare_fields(c, d, entry, options)


def compare_fields(
    c: LiveLike, d: DesiredCampaign, entry: Entry | None, options: Options
) -> tuple[UpdateOp | None, list[str], list[str]]:
    """`update_of`, field by field: what differs, and what cannot be set back (said)."""
    s = d.settings
    errors: list[str] = []
    warnings: list[str] = []
    drift = entry is not None and entry.settings_sha256 == d.settings_sha
    changes: list[FieldChange] = []

    def differ(name: str, before: object, after: object) -> None:
        if before != after:
            changes.append(FieldChange(name, show(before), show(after), drift))

    if s.start_date >= options.today:
        differ("start_date", c.start_date, s.start_date)
    elif c.start_date > options.today:
        warnings.append(
            f"{c.name}: start_date {s.start_date} has passed and cannot be sent; "
            f"the campaign keeps {c.start_date}"
        )
    if s.end_date is None and c.end_date is not None:
        warnings.append(
            f"{c.name}: removing end_date cannot be done in place; it keeps {c.end_date}"
        )
    elif s.end_date is not None:
        differ("end_date", c.end_date, s.end_date)
    differ("start_hour", c.start_hour, s.start_hour)
    differ("end_hour", c.end_hour, s.end_hour)
    differ("allow_weekends", c.allow_weekends, s.allow_weekends)
    differ("max_retry", c.max_retry, s.max_retry)
    differ("max_retry_per_day", c.max_retry_per_day, s.max_retry_per_day)
    if c.state != s.state:
        if can_transition(c.state, s.state):
            differ("state", c.state, s.state)
        else:
            fix = " (to pause, use SUSPENDED)" if s.state == State.TO_START else ""
            errors.append(f"{c.name}: state {c.state.value} → {s.state.value} is not possible{fix}")
    if not changes:
        return None, errors, warnings
    settings = replace(s, campaign_name=c.name)
    return UpdateOp(c.campaign_id, c.name, settings, tuple(changes)), errors, warnings


def in_apply_order(ops: Iterable[Operation]) -> tuple[Operation, ...]:
    """Adopt, end (a replace ends the old batches before it creates), create, update."""
    rank = {AdoptOp: 0, EndOp: 1, CreateOp: 2, UpdateOp: 3}
    return tuple(sorted(ops, key=lambda op: rank[type(op)]))
