"""One key's plan: create, adopt, append, replace, update or end, and the calls that make it.

`_plan_key` reads as the decision it is: the key's batches (`batches.batches_of`), what they
hold against what the manifest declares (`held.compare`), why the key cannot be changed in
place (`_reasons`), the new batch an append or a replace makes (`_next_batch`), and the
settings set back on each live batch (`updates.updates`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from vozzoctl.lockfile import Entry, Lockfile
from vozzoctl.manifest.desired import DesiredCampaign
from vozzoctl.model import Recipient, Settings, State
from vozzoctl.plan import pauses
from vozzoctl.plan.batches import (
    _free_number,
    _order,
    _owed_replace,
    _replace_reasons,
    batches_of,
    newly_final,
)
from vozzoctl.plan.held import Holdings, as_recipient, compare
from vozzoctl.plan.live import BatchLike, LiveLike, LiveState
from vozzoctl.plan.model import (
    Action,
    AdoptOp,
    CreateOp,
    EndOp,
    KeyPlan,
    Operation,
    main_action,
)
from vozzoctl.plan.ownership import Ownership
from vozzoctl.plan.scope import Options
from vozzoctl.plan.updates import in_apply_order, updates


@dataclass
class _Said:
    """What the plan of a key says, in the order it was found."""

    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _NextBatch:
    """The campaign an append or a replace creates: its number, settings and first state."""

    number: int
    settings: Settings  # TO_START, starting no earlier than today
    then: State | None  # the state it is set to once created (SUSPENDED while the key is held)

    def name(self, base: str) -> str:
        return base if self.number == 1 else f"{base} #{self.number}"


def _plan_key(
    d: DesiredCampaign, lock: Lockfile, live: LiveState, options: Options, own: Ownership
) -> KeyPlan:
    s = d.settings
    entry = lock.entry(d.key)
    if s.agent_uuid in live.missing_agents:
        return replace(
            _bare(d),
            errors=(
                f"agent {s.agent_uuid} does not exist in this organisation (the count endpoint "
                "answered 404); check spec.agent",
            ),
        )
    found = batches_of(d, entry, lock, live)
    said = _Said(warnings=list(found.warnings))
    said.errors += [*own.errors(d.key, d, lock, live.campaigns), *found.errors]
    if said.errors:
        return replace(_bare(d), errors=tuple(said.errors), warnings=tuple(said.warnings))

    def order(c: BatchLike) -> tuple[int, str]:
        return _order(c, s.campaign_name)

    batches = sorted(found.all, key=order)
    ops: list[Operation] = [_adopt(d, c, live) for c in sorted(found.adopted, key=order)]
    actions = {Action.ADOPT} if ops else set()
    if not batches:
        return _plan_create(d, _bare(d), options, said.warnings)

    active = [c for c in sorted(found.live, key=order) if not c.state.final]
    for b in batches:
        if b.state.final and b.state != s.state:
            # A finished key that the manifest still wants otherwise is worth a warning; an
            # old batch a replace ended is only a note.
            (said.notes if active else said.warnings).append(
                f"{b.name} is {b.state.value}, which is final: it is left as it is"
            )
    holdings = compare(d, batches, live)
    said.warnings += holdings.warnings
    reasons = _reasons(d, entry, batches, holdings)
    pause = pauses.review(d, entry, batches)  # calls paused outside, or by stop, stay stopped
    replacing: set[str] = set()
    if reasons:
        actions.add(Action.REPLACE)
        nxt = _next_batch(d, batches, live, options.today, pause)
        replaced = _replace(d, active, reasons, holdings, nxt, options, said)
        ops += replaced
        replacing = {op.campaign_id for op in replaced if isinstance(op, EndOp)}
    elif holdings.added:
        nxt = _next_batch(d, batches, live, options.today, pause)
        appended = _append(d, holdings.added, nxt, said)
        ops += appended
        actions |= {Action.APPEND} if appended else set()
    kept = [c for c in active if c.campaign_id not in replacing]
    updated = updates(d, entry, kept, pause, options)
    said.errors += updated.errors
    said.warnings += updated.warnings
    ops += updated.operations
    actions |= updated.actions
    return KeyPlan(  # `_bare(d)`, and what its batches make of it: built once, as it is per key
        d.key,
        main_action(actions),
        operations=in_apply_order(ops),
        campaign_ids=tuple(c.campaign_id for c in batches),
        recipients_add=holdings.unheld(d) if reasons else len(holdings.added),
        recipients_remove=len(holdings.removed),
        warnings=tuple(said.warnings),
        errors=tuple(said.errors),
        resumed=updated.resumed,
        notes=tuple(said.notes),
        paused=pause.paused,
        finals=newly_final(entry, found.recorded),
        settings_sha256=d.settings_sha,
        recipients_sha256=d.recipients_sha,
        suppressed=len(d.suppressed),
        excluded=len(d.excluded),
    )


def _bare(d: DesiredCampaign) -> KeyPlan:
    """The key's plan before anything is decided: what every plan of the key says."""
    return KeyPlan(
        d.key,
        Action.NOOP,
        settings_sha256=d.settings_sha,
        recipients_sha256=d.recipients_sha,
        suppressed=len(d.suppressed),
        excluded=len(d.excluded),
    )


def _adopt(d: DesiredCampaign, c: LiveLike, live: LiveState) -> AdoptOp:
    read = tuple(as_recipient(i) for i in live.items.get(c.campaign_id, ()))
    return AdoptOp(c.campaign_id, c.name, c.state, len(read), d.fingerprint(read))


def _reasons(
    d: DesiredCampaign, entry: Entry | None, batches: Sequence[BatchLike], holdings: Holdings
) -> list[str]:
    """Why the key cannot be changed in place (empty: it can)."""
    reasons = _replace_reasons(d, batches)
    withheld = [p for p in holdings.removed if p in d.withheld]
    removed_plain = len(holdings.removed) - len(withheld)
    if withheld:
        holders = sorted({holdings.holder(p).name for p in withheld})
        reasons.append(
            f"{len(withheld)} recipient(s) now on a do-not-call list or outside legal hours are "
            f"still held by live campaign(s) {', '.join(holders)}: only --allow-replace (which "
            "recreates it without them and without finished calls) can stop their calls"
        )
    if removed_plain:
        reasons.append(f"{removed_plain} recipient(s) removed")
    if holdings.changed:
        reasons.append(f"{len(holdings.changed)} recipient(s) changed (language or metadata)")
    owed = _owed_replace(entry, batches) if holdings.known else None
    if owed is not None and holdings.keep(d) and d.settings.state != State.ENDED:
        reasons.append(
            f"an earlier replace ended {len(owed.replaces)} campaign(s) but did not create "
            f"{owed.campaign_name!r}"
        )
    return reasons


def _next_batch(
    d: DesiredCampaign,
    batches: Sequence[BatchLike],
    live: LiveState,
    today: date,
    pause: pauses.Review,
) -> _NextBatch:
    """Made only for a key that creates a batch: a free number is a look-up in the account."""
    s = d.settings
    number = max((_order(c, s.campaign_name)[0] for c in batches), default=0) + 1
    fresh = replace(s, start_date=max(s.start_date, today), state=State.TO_START)
    then = pause.then_state(s.state if s.state in (State.RUNNING, State.SUSPENDED) else None)
    return _NextBatch(_free_number(number, s, live), fresh, then)


def _replace(
    d: DesiredCampaign,
    active: Sequence[LiveLike],
    reasons: Sequence[str],
    holdings: Holdings,
    nxt: _NextBatch,
    options: Options,
    said: _Said,
) -> list[Operation]:
    """End the live batches, then create one campaign with what remains (--allow-replace);
    without it, the error that says what it would do."""
    s = d.settings
    keep = holdings.keep(d)
    words = "; ".join(reasons)
    if not options.allow_replace:
        said.errors.append(
            f"cannot be done in place: {words}. --allow-replace would end "
            f"{len(active)} live campaign(s) and create one with the {len(keep)} "
            "recipient(s) that remain and whose calls are not finished"
        )
        return []
    ops: list[Operation] = [EndOp(c.campaign_id, c.name, c.state, "replace") for c in active]
    if keep and s.state != State.ENDED:
        name = nxt.name(s.campaign_name)
        ops.append(_create(d, name, nxt.number, nxt.settings, keep, nxt.then))
    left_out = len(d.recipients) - len(keep)
    said.notes.append(
        f"replace: {words}; the old campaigns end, then one new campaign holds the "
        f"{len(keep)} recipient(s) that remain"
        + (f" ({left_out} left out: their calls are finished or under way)" if left_out else "")
    )
    return ops


def _append(
    d: DesiredCampaign, added: Sequence[Recipient], nxt: _NextBatch, said: _Said
) -> list[Operation]:
    """A new batch `<name> #N` with only the recipients added."""
    s = d.settings
    if s.state == State.ENDED:
        said.warnings.append(
            f"{len(added)} recipient(s) added, but the campaign is declared ENDED: not sent"
        )
        return []
    name = f"{s.campaign_name} #{nxt.number}"
    start = nxt.settings.start_date
    if start != s.start_date:
        said.notes.append(f"the new batch starts {start}: start_date {s.start_date} has passed")
    return [_create(d, name, nxt.number, nxt.settings, added, nxt.then)]


def _plan_create(
    d: DesiredCampaign, base: KeyPlan, options: Options, warnings: list[str]
) -> KeyPlan:
    s = d.settings
    if s.state == State.ENDED:
        return replace(
            base,
            warnings=(
                "declared ENDED but never created: nothing is created (declare another state "
                "to create it, or remove the manifest)",
            ),
        )
    if not d.recipients:
        return replace(base, notes=("every recipient is withheld: nothing to create",))
    errors: list[str] = []
    if s.start_date < options.today:
        errors.append(
            f"spec.schedule.start_date {s.start_date} has passed (today is {options.today} "
            "in IST): a new campaign must start today or later"
        )
    if s.end_date is not None and s.end_date < options.today:
        errors.append(f"spec.schedule.end_date {s.end_date} has passed")
    then = s.state if s.state in (State.RUNNING, State.SUSPENDED) else None
    op = _create(d, s.campaign_name, 1, replace(s, state=State.TO_START), d.recipients, then)
    return replace(
        base,
        action=Action.CREATE,
        operations=(op,),
        recipients_add=len(d.recipients),
        warnings=tuple(warnings),
        errors=tuple(errors),
    )


def _create(
    d: DesiredCampaign,
    name: str,
    batch: int,
    s: Settings,
    recipients: Sequence[Recipient],
    then: State | None,
) -> CreateOp:
    chosen = tuple(recipients)
    digest = d.fingerprint(chosen)
    return CreateOp(name, batch, replace(s, campaign_name=name), chosen, digest, then)
