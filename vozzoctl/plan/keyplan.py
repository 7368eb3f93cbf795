"""One key's plan: create, adopt, append, replace, update or end, and the calls that make it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from vozzoctl.lockfile import Entry, Lockfile
from vozzoctl.manifest.desired import DesiredCampaign
from vozzoctl.model import Recipient, Settings, State, can_transition
from vozzoctl.pii import mask_phone
from vozzoctl.plan import pauses
from vozzoctl.plan.batches import (
    _free_number,
    _order,
    _owed_replace,
    _replace_reasons,
    batches_of,
    newly_final,
)
from vozzoctl.plan.live import BatchLike, ItemLike, LiveLike, LiveState
from vozzoctl.plan.model import (
    Action,
    AdoptOp,
    CreateOp,
    EndOp,
    FieldChange,
    KeyPlan,
    Operation,
    UpdateOp,
    main_action,
    show,
)
from vozzoctl.plan.ownership import Ownership
from vozzoctl.plan.scope import Options

# Calls that are done, or happening now: never placed again by a replace.
FINISHED_CALLS = frozenset({"COMPLETED", "FAILED", "IN_PROGRESS"})


def _plan_key(
    d: DesiredCampaign, lock: Lockfile, live: LiveState, options: Options, own: Ownership
) -> KeyPlan:
    s = d.settings
    entry = lock.entry(d.key)
    base = KeyPlan(
        d.key,
        Action.NOOP,
        settings_sha256=d.settings_sha,
        recipients_sha256=d.recipients_sha,
        suppressed=len(d.suppressed),
        excluded=len(d.excluded),
    )
    if s.agent_uuid in live.missing_agents:
        return replace(
            base,
            errors=(
                f"agent {s.agent_uuid} does not exist in this organisation (the count endpoint "
                "answered 404); check spec.agent",
            ),
        )
    found = batches_of(d, entry, lock, live)
    errors = [*own.errors(d.key, d, lock, live.campaigns), *found.errors]
    warnings = list(found.warnings)
    notes: list[str] = []
    if errors:
        return replace(base, action=Action.NOOP, errors=tuple(errors), warnings=tuple(warnings))

    def order(c: BatchLike) -> tuple[int, str]:
        return _order(c, s.campaign_name)

    batches = sorted(found.all, key=order)
    ids = tuple(c.campaign_id for c in batches)
    ops: list[Operation] = []
    actions: set[Action] = set()
    for c in sorted(found.adopted, key=lambda c: _order(c, s.campaign_name)):
        read = tuple(_recipient(i) for i in live.items.get(c.campaign_id, ()))
        ops.append(AdoptOp(c.campaign_id, c.name, c.state, len(read), d.fingerprint(read)))
        actions.add(Action.ADOPT)

    if not batches:
        return _plan_create(d, base, options, warnings)

    active = [c for c in sorted(found.live, key=order) if not c.state.final]
    for b in batches:
        if b.state.final and b.state != s.state:
            said = f"{b.name} is {b.state.value}, which is final: it is left as it is"
            # A finished key that the manifest still wants otherwise is worth a warning; an
            # old batch a replace ended is only a note.
            (notes if active else warnings).append(said)
    have_items = all(c.campaign_id in live.items for c in batches)
    added: list[Recipient] = []
    removed: list[str] = []
    changed: list[str] = []
    held: dict[str, tuple[BatchLike, ItemLike]] = {}
    if have_items:
        for b in batches:
            for item in live.items[b.campaign_id]:
                # A replace sends a number again in a later batch once the old one is ended:
                # the live holder is the one that counts (for removals, changes, finished calls).
                got = held.get(item.to_phone_number)
                if got is None or (got[0].state.final and not b.state.final):
                    held[item.to_phone_number] = (b, item)
        wanted = {r.phone for r in d.recipients}
        for r in d.recipients:
            got = held.get(r.phone)
            if got is None:
                added.append(r)
            elif not _matches(got[1], r):
                if got[0].state.final:
                    warnings.append(
                        f"{mask_phone(r.phone)} changed in the manifest, but its campaign "
                        f"{got[0].name} is {got[0].state.value}: nothing is sent"
                    )
                else:
                    changed.append(r.phone)
        removed = [p for p, (c, _) in held.items() if p not in wanted and not c.state.final]
    reasons = _replace_reasons(d, batches)
    withheld = [p for p in removed if p in d.withheld]
    removed_plain = len(removed) - len(withheld)
    if withheld:
        holders = sorted({held[p][0].name for p in withheld})
        reasons.append(
            f"{len(withheld)} recipient(s) now on a do-not-call list or outside legal hours are "
            f"still held by live campaign(s) {', '.join(holders)}: only --allow-replace (which "
            "recreates it without them and without finished calls) can stop their calls"
        )
    if removed_plain:
        reasons.append(f"{removed_plain} recipient(s) removed")
    if changed:
        reasons.append(f"{len(changed)} recipient(s) changed (language or metadata)")
    keep = [
        r
        for r in d.recipients
        if r.phone not in held or (held[r.phone][1].status or "").upper() not in FINISHED_CALLS
    ]
    owed = _owed_replace(entry, batches) if have_items else None
    if owed is not None and keep and s.state != State.ENDED:
        reasons.append(
            f"an earlier replace ended {len(owed.replaces)} campaign(s) but did not create "
            f"{owed.campaign_name!r}"
        )
    next_batch = max((_order(c, s.campaign_name)[0] for c in batches), default=0) + 1
    next_batch = _free_number(next_batch, s, live)
    start = max(s.start_date, options.today)
    fresh = replace(s, start_date=start, state=State.TO_START)
    pause = pauses.review(d, entry, batches)  # calls paused outside, or by stop, stay stopped
    then = pause.then_state(s.state if s.state in (State.RUNNING, State.SUSPENDED) else None)
    replacing: set[str] = set()

    if reasons:
        actions.add(Action.REPLACE)
        left_out = len(d.recipients) - len(keep)
        words = "; ".join(reasons)
        if not options.allow_replace:
            errors.append(
                f"cannot be done in place: {words}. --allow-replace would end "
                f"{len(active)} live campaign(s) and create one with the {len(keep)} "
                "recipient(s) that remain and whose calls are not finished"
            )
        else:
            for c in active:
                ops.append(EndOp(c.campaign_id, c.name, c.state, "replace"))
                replacing.add(c.campaign_id)
            if keep and s.state != State.ENDED:
                name = s.campaign_name if next_batch == 1 else f"{s.campaign_name} #{next_batch}"
                ops.append(_create(d, name, next_batch, fresh, keep, then))
            notes.append(
                f"replace: {words}; the old campaigns end, then one new campaign holds the "
                f"{len(keep)} recipient(s) that remain"
                + (
                    f" ({left_out} left out: their calls are finished or under way)"
                    if left_out
                    else ""
                )
            )
    elif added:
        if s.state == State.ENDED:
            warnings.append(
                f"{len(added)} recipient(s) added, but the campaign is declared ENDED: not sent"
            )
        else:
            actions.add(Action.APPEND)
            name = f"{s.campaign_name} #{next_batch}"
            ops.append(_create(d, name, next_batch, fresh, added, then))
            if start != s.start_date:
                notes.append(f"the new batch starts {start}: start_date {s.start_date} has passed")

    resumed = 0
    for c in active:
        if c.campaign_id in replacing:
            continue
        update, problems, cautions = _update(
            c, pause.desired_for(c.campaign_id, d, c.state), entry, options
        )
        errors.extend(problems)
        warnings.extend(cautions)
        if update is not None:
            ops.append(update)
            if any(ch.name == "state" and ch.after == State.RUNNING.value for ch in update.changes):
                resumed += max((c.total_records or 0) - (c.processed_records or 0), 0)
            ends = any(
                ch.name == "state" and ch.after == State.ENDED.value for ch in update.changes
            )
            actions.add(Action.END if ends else Action.UPDATE)
    ordered = _in_apply_order(ops)
    return replace(
        base,
        action=main_action(actions),
        operations=ordered,
        campaign_ids=ids,
        recipients_add=len(added)
        if not reasons
        else len([r for r in d.recipients if r.phone not in held]),
        recipients_remove=len(removed),
        resumed=resumed,
        warnings=tuple(warnings),
        errors=tuple(errors),
        notes=tuple(notes),
        paused=pause.paused,
        finals=newly_final(entry, found.recorded),
    )


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


def _update(
    c: LiveLike, d: DesiredCampaign, entry: Entry | None, options: Options
) -> tuple[UpdateOp | None, list[str], list[str]]:
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


def _in_apply_order(ops: Iterable[Operation]) -> tuple[Operation, ...]:
    """Adopt, end (a replace ends the old batches before it creates), create, update."""
    rank = {AdoptOp: 0, EndOp: 1, CreateOp: 2, UpdateOp: 3}
    return tuple(sorted(ops, key=lambda op: rank[type(op)]))


def _recipient(item: ItemLike) -> Recipient:
    return Recipient(item.to_phone_number, (item.agent_language or "EN").upper(), item.metadata)


def _matches(item: ItemLike, r: Recipient) -> bool:
    if item.agent_language is not None and item.agent_language.upper() != r.language:
        return False
    return item.metadata == r.metadata
