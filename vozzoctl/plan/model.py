"""A plan: per key, the action and every API call apply will make, as frozen values.

    Plan ── KeyPlan (one per key, sorted) ── operations, in the order apply runs them:
                 AdoptOp    record a live campaign in the lockfile (no call)
                 EndOp      update campaign_status=ENDED (replace, --prune)
                 CreateOp   POST a campaign, then, when declared so, update its state
                 UpdateOp   update the named fields of one live campaign

A plan knows its own safety: `errors` (per key and global) make it refuse to be applied.
Rendering lives apart, in `vozzoctl.render.plan`.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from vozzoctl.errors import PlanError
from vozzoctl.model import Recipient, Settings, State

if TYPE_CHECKING:
    from vozzoctl.plan.pauses import Paused


class Action(enum.StrEnum):
    CREATE = "create"
    ADOPT = "adopt"
    REPLACE = "replace"
    APPEND = "append"
    END = "end"
    UPDATE = "update"
    NOOP = "noop"


# The main action of a key is the first of these it has (the contract's order).
ACTION_ORDER = (
    Action.CREATE,
    Action.ADOPT,
    Action.REPLACE,
    Action.APPEND,
    Action.END,
    Action.UPDATE,
    Action.NOOP,
)

# Settings attribute → the manifest's words, for plans people read.
MANIFEST_FIELD = {
    "campaign_name": "spec.name",
    "agent_uuid": "spec.agent",
    "state": "spec.state",
    "start_date": "spec.schedule.start_date",
    "end_date": "spec.schedule.end_date",
    "start_hour": "spec.schedule.start_hour",
    "end_hour": "spec.schedule.end_hour",
    "allow_weekends": "spec.schedule.weekends",
    "max_retry": "spec.retry.max_attempts",
    "max_retry_per_day": "spec.retry.max_attempts_per_day",
}


def show(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, State):
        return value.value
    return str(value)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of one live campaign: `before` as read, `after` as declared."""

    name: str  # Settings attribute
    before: str
    after: str
    drift: bool = False  # changed outside vozzoctl since the last apply

    @property
    def manifest_field(self) -> str:
        return MANIFEST_FIELD.get(self.name, self.name)


@dataclass(frozen=True, slots=True)
class AdoptOp:
    campaign_id: str
    campaign_name: str
    state: State
    recipients: int
    recipients_sha256: str

    calls = 0


@dataclass(frozen=True, slots=True)
class EndOp:
    campaign_id: str
    campaign_name: str
    state: State  # as read
    reason: str  # "replace" or "prune"

    calls = 1


@dataclass(frozen=True, slots=True)
class CreateOp:
    """POST one campaign holding `recipients`; then, when `then_state` is set, start it."""

    campaign_name: str
    batch: int
    settings: Settings  # state TO_START: a new campaign always starts there
    recipients: tuple[Recipient, ...]
    recipients_sha256: str
    then_state: State | None = None

    @property
    def calls(self) -> int:
        return 2 if self.then_state is not None else 1


@dataclass(frozen=True, slots=True)
class UpdateOp:
    campaign_id: str
    campaign_name: str
    settings: Settings  # the declared settings; only `changes` are sent
    changes: tuple[FieldChange, ...]

    calls = 1

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.changes)


Operation = AdoptOp | EndOp | CreateOp | UpdateOp


@dataclass(frozen=True)
class KeyPlan:
    key: str
    action: Action
    operations: tuple[Operation, ...] = ()
    campaign_ids: tuple[str, ...] = ()
    recipients_add: int = 0
    recipients_remove: int = 0
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    settings_sha256: str = ""
    recipients_sha256: str = ""
    forget: bool = False  # drop the lockfile entry once every operation succeeded
    resumed: int = 0  # unfinished calls of live campaigns this plan sets RUNNING
    suppressed: int = 0  # declared recipients on a do-not-call list: never sent
    excluded: int = 0  # left out as outside legal hours (--exclude-noncompliant)
    notes: tuple[str, ...] = ()  # plain words for reviewers: why, what cannot be done
    paused: tuple[Paused, ...] = ()  # live campaigns whose calls stay stopped (plan.pauses)
    # (campaign id, COMPLETED|ENDED) of recorded batches read final, not yet noted so in the
    # lockfile: apply notes them, and later plans do not read them again
    finals: tuple[tuple[str, str], ...] = ()

    @property
    def changed(self) -> bool:
        return self.action is not Action.NOOP

    @property
    def calls(self) -> int:
        return sum(op.calls for op in self.operations)

    @property
    def fields(self) -> dict[str, FieldChange]:
        """Every field change of the key, by manifest field (the first batch's, for display)."""
        out: dict[str, FieldChange] = {}
        for op in self.operations:
            if isinstance(op, UpdateOp):
                for c in op.changes:
                    out.setdefault(c.manifest_field, c)
        return out

    @property
    def new_recipients(self) -> int:
        return sum(len(op.recipients) for op in self.operations if isinstance(op, CreateOp))

    @property
    def calls_started(self) -> int:
        """Calls that will be placed once this applies: new campaigns started RUNNING, and the
        unfinished calls of live campaigns set RUNNING."""
        created = sum(
            len(op.recipients)
            for op in self.operations
            if isinstance(op, CreateOp) and op.then_state is State.RUNNING
        )
        return created + self.resumed


def main_action(actions: set[Action]) -> Action:
    if not actions:  # most keys of most plans
        return Action.NOOP
    for a in ACTION_ORDER:
        if a in actions:
            return a
    return Action.NOOP


@dataclass(frozen=True, repr=False)
class Plan:
    keys: tuple[KeyPlan, ...] = ()
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    max_new_recipients: int = 10_000
    refreshed: bool = True  # False: made from the manifests and lockfile alone (--no-refresh)
    notes: tuple[str, ...] = ()  # how the account was read, where a reviewer may wonder

    @property
    def finals(self) -> int:
        """Recorded campaigns read finished that apply notes as final in the lockfile."""
        return sum(len(k.finals) for k in self.keys)

    def __repr__(self) -> str:  # short, as LiveState's (see there)
        return f"<Plan of {len(self.keys)} keys, {len(self.changes)} changed>"

    @property
    def changes(self) -> tuple[KeyPlan, ...]:
        return tuple(k for k in self.keys if k.changed)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def all_errors(self) -> list[str]:
        return [*self.errors, *(f"{k.key}: {e}" for k in self.keys for e in k.errors)]

    @property
    def safe(self) -> bool:
        return not self.all_errors

    @property
    def calls(self) -> int:
        return sum(k.calls for k in self.keys)

    @property
    def new_recipients(self) -> int:
        return sum(k.new_recipients for k in self.keys)

    @property
    def calls_started(self) -> int:
        return sum(k.calls_started for k in self.keys)

    @property
    def paused(self) -> tuple[Paused, ...]:
        """Live campaigns the manifests want RUNNING whose calls stay stopped, first in
        every rendering: only `vozzoctl resume` or a manifest change restarts them."""
        return tuple(p for k in self.keys for p in k.paused)

    @property
    def held(self) -> int:
        """Paused campaigns that `vozzoctl resume` could restart: with --detailed-exitcode
        they make the plan exit 2 (the account differs), never 1."""
        return sum(1 for p in self.paused if not p.final)

    def summary(self) -> dict[str, int]:
        counts = Counter(k.action.value for k in self.keys)
        return {a.value: counts.get(a.value, 0) for a in ACTION_ORDER}

    def raise_if_unsafe(self) -> None:
        if not self.refreshed:
            raise PlanError(
                "a plan made without reading the live account cannot be applied",
                hint="plan again without --no-refresh",
            )
        errors = self.all_errors
        if errors:
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise PlanError(
                f"the plan cannot be applied: {errors[0]}{more}",
                hint="fix what the plan names, then plan again",
            )
