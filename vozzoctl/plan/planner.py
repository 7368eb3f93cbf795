"""Desired state + lockfile + live state → a Plan. Pure: the engine reads, this decides.

Planning runs in two passes because scheduled calls are expensive to read: `batches_of` finds
each key's live campaigns (recorded in the lockfile, or adopted by exact name and agent), and
`items_needed` names the campaigns whose calls must be read — only where the recipients'
fingerprint differs from the lockfile's, the key is new to the lockfile, or a replace needs to
know which calls are finished. Then `make_plan` decides, key by key:

    no live campaign            → create (then start it when declared RUNNING or SUSPENDED)
    live campaigns not recorded → adopt (no call), then whatever else applies
    recipients only added       → append: a new batch `<name> #N` with only the new ones
    removed / changed / renamed → replace, refused without --allow-replace; with it: end the
                                  old batches, create one campaign with what remains unfinished
    settings differ             → update each live batch, field by field
    gone from the manifests     → left alone, or ended with --prune

Nobody is called twice by accident: a recipient held by any batch of the key (finished or not)
is never put into a new batch, except by a replace, which ends the old batches first and leaves
out every call that is finished or in progress.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Protocol

from vozzoctl.lockfile import Entry, Lockfile, Pending
from vozzoctl.manifest.desired import DesiredCampaign, DesiredState, recipients_fingerprint
from vozzoctl.model import Recipient, Settings, State, can_transition
from vozzoctl.pii import mask_phone
from vozzoctl.plan import pauses
from vozzoctl.plan.model import (
    Action,
    AdoptOp,
    CreateOp,
    EndOp,
    FieldChange,
    KeyPlan,
    Operation,
    Plan,
    UpdateOp,
    main_action,
    show,
)
from vozzoctl.plan.pending import DEFAULT_PENDING_WAIT, hold_pending

# Calls that are done, or happening now: never placed again by a replace.
FINISHED_CALLS = frozenset({"COMPLETED", "FAILED", "IN_PROGRESS"})
_SUFFIX = re.compile(r"^(?P<base>.*) #(?P<n>[0-9]+)$")


class LiveLike(Protocol):
    """What the planner reads of a live campaign (`vozzoctl.api.LiveCampaign` fits)."""

    @property
    def campaign_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def agent_id(self) -> str | None: ...
    @property
    def state(self) -> State: ...
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


@dataclass(frozen=True)
class Options:
    today: date
    allow_replace: bool = False
    prune: bool = False
    targets: frozenset[str] = frozenset()
    selector: Mapping[str, str] = field(default_factory=dict)
    max_new_recipients: int = 10_000
    exclude_noncompliant: bool = False  # how the desired state was loaded; recorded in plan files
    now: datetime | None = None  # for creates left pending (`plan.pending`); None: the wall clock
    pending_wait: timedelta = DEFAULT_PENDING_WAIT


@dataclass(frozen=True)
class LiveState:
    """Everything the engine read: campaigns by id, unknown agents, and the calls it read."""

    campaigns: Mapping[str, LiveLike]
    missing_agents: frozenset[str] = frozenset()
    absent_ids: frozenset[str] = frozenset()  # recorded in the lockfile, not in this account
    items: Mapping[str, Sequence[ItemLike]] = field(default_factory=dict)
    # agents read only as far as their recorded campaigns: names seen there prove nothing free
    partial: frozenset[str] = frozenset()

    def named(self, agent: str, name: str) -> Sequence[LiveLike]:
        """The agent's campaigns named `name` or `name #N`: one look-up, however many
        campaigns the account holds."""
        return self._by_agent_and_base.get((agent, name), ())

    @cached_property
    def _by_agent_and_base(self) -> dict[tuple[str, str], list[LiveLike]]:
        index: dict[tuple[str, str], list[LiveLike]] = {}
        for c in self.campaigns.values():
            index.setdefault(((c.agent_id or "").lower(), _base_name(c.name)), []).append(c)
        return index


def batch_number(name: str, base: str) -> int | None:
    """1 for `<base>`, N for `<base> #N`, None for any other name."""
    if name == base:
        return 1
    m = _SUFFIX.match(name)
    if m and m["base"] == base:
        return int(m["n"])
    return None


def in_scope(
    desired: DesiredState, lock: Lockfile, options: Options
) -> tuple[list[DesiredCampaign], list[str]]:
    """The desired campaigns and the lockfile-only keys that --target and --selector leave."""
    chosen = [
        d
        for d in desired
        if (not options.targets or d.key in options.targets) and d.matches(dict(options.selector))
    ]
    declared = {d.key for d in desired}
    orphans = [
        key
        for key in sorted(lock.campaigns)
        if key not in declared
        and (not options.targets or key in options.targets)
        and not options.selector
    ]
    return chosen, orphans


@dataclass(frozen=True)
class _Batches:
    recorded: tuple[LiveLike, ...]
    adopted: tuple[LiveLike, ...]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[LiveLike, ...]:
        return self.recorded + self.adopted


def batches_of(
    d: DesiredCampaign, entry: Entry | None, lock: Lockfile, live: LiveState
) -> _Batches:
    """The key's live campaigns: those the lockfile records, plus unrecorded ones named
    `<name>` or `<name> #N` with the key's agent (a lost lockfile, or a crash after a create)."""
    errors: list[str] = []
    warnings: list[str] = []
    recorded: list[LiveLike] = []
    for cid in entry.campaign_ids if entry else ():
        found = live.campaigns.get(cid)
        if found is not None:
            recorded.append(found)
        elif cid in live.absent_ids:
            errors.append(
                f"campaign {cid}, recorded in the lockfile, is not in this account: is "
                "VOZZO_API_KEY the key of the organisation this lockfile belongs to?"
            )
    known = {c.campaign_id for c in recorded}
    name, agent = d.settings.campaign_name, d.settings.agent_uuid
    by_name: dict[str, list[LiveLike]] = {}
    for c in live.named(agent, name):
        if c.campaign_id in known:
            continue
        if batch_number(c.name, name) is None or lock.owner_of(c.campaign_id) is not None:
            continue
        by_name.setdefault(c.name, []).append(c)
    adopted: list[LiveLike] = []
    for cname, same in sorted(by_name.items()):
        if len(same) > 1:
            ids = ", ".join(sorted(c.campaign_id for c in same))
            errors.append(
                f"{len(same)} live campaigns are named {cname!r} with agent {agent}: {ids}; "
                "vozzoctl cannot tell which is this key's"
            )
            continue
        adopted.append(same[0])
    # A create still pending and not found live is `pending.hold_pending`'s to say.
    return _Batches(tuple(recorded), tuple(adopted), tuple(errors), tuple(warnings))


def items_needed(
    desired: DesiredState, lock: Lockfile, live: LiveState, options: Options
) -> set[str]:
    """The campaigns whose scheduled calls the plan must read."""
    needed: set[str] = set()
    chosen, _ = in_scope(desired, lock, options)
    for d in chosen:
        entry = lock.entry(d.key)
        b = batches_of(d, entry, lock, live)
        if not b.all:
            continue
        fingerprint_differs = entry is None or entry.recipients_sha256 != d.recipients_sha
        renamed = _replace_reasons(d, b.all)
        owed = _owed_replace(entry, b.all) is not None
        if fingerprint_differs or b.adopted or owed or (renamed and options.allow_replace):
            needed.update(c.campaign_id for c in b.all)
    return needed


def _replace_reasons(d: DesiredCampaign, batches: Sequence[LiveLike]) -> list[str]:
    active = [c for c in batches if not c.state.final]
    if not active:
        return []
    reasons: list[str] = []
    current = _base_name(active[-1].name)
    if current != d.settings.campaign_name:
        reasons.append(f"spec.name changes {current!r} → {d.settings.campaign_name!r}")
    agents = {(c.agent_id or "").lower() for c in active} - {""}
    if agents and agents != {d.settings.agent_uuid}:
        reasons.append(f"spec.agent changes {', '.join(sorted(agents))} → {d.settings.agent_uuid}")
    return reasons


def _owed_replace(entry: Entry | None, batches: Sequence[LiveLike]) -> Pending | None:
    """The create of a replace that was recorded, then ended old batches, and never made its
    new one (a crash or a failed create in between): its numbers now look held by ENDED
    batches, so only this record says they are still owed a campaign."""
    names = {c.name for c in batches}
    for p in entry.pending if entry else ():
        if p.replaces and p.campaign_name not in names:
            return p
    return None


def _base_name(name: str) -> str:
    m = _SUFFIX.match(name)
    return m["base"] if m else name


def make_plan(desired: DesiredState, lock: Lockfile, live: LiveState, options: Options) -> Plan:
    chosen, orphans = in_scope(desired, lock, options)
    now, wait = options.now or datetime.now(UTC), options.pending_wait
    keys = [
        hold_pending(_plan_key(d, lock, live, options), lock.entry(d.key), now, wait)
        for d in chosen
    ]
    keys += [_plan_orphan(key, lock, live, options) for key in orphans]
    keys.sort(key=lambda k: k.key)
    errors: list[str] = []
    new = sum(k.new_recipients for k in keys)
    resumed = sum(k.resumed for k in keys)
    if new + resumed > options.max_new_recipients:
        what = f"schedule {new:,} new calls" + (
            f" and start {resumed:,} waiting ones" if resumed else ""
        )
        errors.append(
            f"this plan would {what}, more than --max-new-recipients "
            f"{options.max_new_recipients:,}; raise the limit if that is intended"
        )
    return Plan(tuple(keys), errors=tuple(errors), max_new_recipients=options.max_new_recipients)


def make_offline_plan(desired: DesiredState, lock: Lockfile, options: Options) -> Plan:
    """What the manifests and the lockfile alone say, without reading the account
    (`plan --no-refresh`): which keys are new and which changed since the last apply. It cannot
    say what apply would send, so it cannot be saved or applied."""
    chosen, orphans = in_scope(desired, lock, options)
    keys: list[KeyPlan] = []
    unread = "not refreshed: the live account was not read"
    for d in chosen:
        entry = lock.entry(d.key)
        base = KeyPlan(
            d.key, Action.NOOP, settings_sha256=d.settings_sha, recipients_sha256=d.recipients_sha
        )
        if entry is None:
            keys.append(
                replace(
                    base,
                    action=Action.CREATE,
                    recipients_add=len(d.recipients),
                    notes=(
                        f"not in the lockfile: created, or adopted if a live "
                        f"campaign has its name and agent ({unread})",
                    ),
                )
            )
            continue
        said = []
        if entry.settings_sha256 != d.settings_sha:
            said.append("settings changed since the last apply")
        if entry.recipients_sha256 != d.recipients_sha:
            said.append("recipients changed since the last apply")
        if said:
            keys.append(
                replace(
                    base,
                    action=Action.UPDATE,
                    campaign_ids=entry.campaign_ids,
                    notes=(f"{'; '.join(said)} ({unread})",),
                )
            )
        else:
            keys.append(replace(base, campaign_ids=entry.campaign_ids))
    for key in orphans:
        entry = lock.entry(key)
        assert entry is not None
        note = "--prune would end it" if not options.prune else "--prune ends it"
        keys.append(
            KeyPlan(
                key,
                Action.END if options.prune else Action.NOOP,
                campaign_ids=entry.campaign_ids,
                notes=(f"in the lockfile but in no manifest: {note}",),
            )
        )
    keys.sort(key=lambda k: k.key)
    return Plan(
        tuple(keys),
        warnings=(unread + ": this plan cannot be applied",),
        max_new_recipients=options.max_new_recipients,
        refreshed=False,
    )


def _plan_orphan(key: str, lock: Lockfile, live: LiveState, options: Options) -> KeyPlan:
    entry = lock.entry(key)
    assert entry is not None
    batches = [live.campaigns[c] for c in entry.campaign_ids if c in live.campaigns]
    ids = tuple(c.campaign_id for c in batches)
    if not options.prune:
        return KeyPlan(
            key,
            Action.NOOP,
            campaign_ids=ids,
            notes=("in the lockfile but in no manifest: left alone (--prune would end it)",),
        )
    ops: list[Operation] = [
        EndOp(c.campaign_id, c.name, c.state, "prune") for c in batches if not c.state.final
    ]
    return KeyPlan(
        key,
        Action.END if ops else Action.UPDATE,
        tuple(ops),
        campaign_ids=ids,
        forget=True,
        notes=("gone from the manifests: --prune ends its live campaigns and forgets the key",),
    )


def _plan_key(d: DesiredCampaign, lock: Lockfile, live: LiveState, options: Options) -> KeyPlan:
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
    errors, warnings = list(found.errors), list(found.warnings)
    notes: list[str] = []
    if errors:
        return replace(base, action=Action.NOOP, errors=tuple(errors), warnings=tuple(warnings))
    batches = sorted(found.all, key=lambda c: _order(c, s.campaign_name))
    ids = tuple(c.campaign_id for c in batches)
    ops: list[Operation] = []
    actions: set[Action] = set()
    for c in sorted(found.adopted, key=lambda c: _order(c, s.campaign_name)):
        read = tuple(_recipient(i) for i in live.items.get(c.campaign_id, ()))
        ops.append(
            AdoptOp(c.campaign_id, c.name, c.state, len(read), recipients_fingerprint(read, d.key))
        )
        actions.add(Action.ADOPT)

    if not batches:
        return _plan_create(d, base, options, warnings)

    active = [c for c in batches if not c.state.final]
    for c in batches:
        if c.state.final and c.state != s.state:
            said = f"{c.name} is {c.state.value}, which is final: it is left as it is"
            # A finished key that the manifest still wants otherwise is worth a warning; an
            # old batch a replace ended is only a note.
            (notes if active else warnings).append(said)
    have_items = all(c.campaign_id in live.items for c in batches)
    added: list[Recipient] = []
    removed: list[str] = []
    changed: list[str] = []
    held: dict[str, tuple[LiveLike, ItemLike]] = {}
    if have_items:
        for c in batches:
            for item in live.items[c.campaign_id]:
                # A replace sends a number again in a later batch once the old one is ended:
                # the live holder is the one that counts (for removals, changes, finished calls).
                got = held.get(item.to_phone_number)
                if got is None or (got[0].state.final and not c.state.final):
                    held[item.to_phone_number] = (c, item)
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
                ops.append(_create(d.key, name, next_batch, fresh, keep, then))
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
            ops.append(_create(d.key, name, next_batch, fresh, added, then))
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
    )


def _plan_create(
    d: DesiredCampaign, base: KeyPlan, options: Options, warnings: list[str]
) -> KeyPlan:
    s = d.settings
    if s.state == State.ENDED:
        return replace(base, notes=("declared ENDED and never created: nothing to do",))
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
    op = _create(d.key, s.campaign_name, 1, replace(s, state=State.TO_START), d.recipients, then)
    return replace(
        base,
        action=Action.CREATE,
        operations=(op,),
        recipients_add=len(d.recipients),
        warnings=tuple(warnings),
        errors=tuple(errors),
    )


def _create(
    key: str,
    name: str,
    batch: int,
    s: Settings,
    recipients: Sequence[Recipient],
    then: State | None,
) -> CreateOp:
    chosen = tuple(recipients)
    digest = recipients_fingerprint(chosen, key)
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


def _order(c: LiveLike, name: str) -> tuple[int, str]:
    n = batch_number(c.name, name)
    if n is None:
        n = batch_number(c.name, _base_name(c.name)) or 1
    return (n, c.campaign_id)


def _free_number(n: int, s: Settings, live: LiveState) -> int:
    """The first batch number from `n` whose name no live campaign of the agent has."""
    taken = {c.name for c in live.named(s.agent_uuid, s.campaign_name)}
    while (s.campaign_name if n == 1 else f"{s.campaign_name} #{n}") in taken:
        n += 1
    return n


def _recipient(item: ItemLike) -> Recipient:
    return Recipient(item.to_phone_number, (item.agent_language or "EN").upper(), item.metadata)


def _matches(item: ItemLike, r: Recipient) -> bool:
    if item.agent_language is not None and item.agent_language.upper() != r.language:
        return False
    return item.metadata == r.metadata
