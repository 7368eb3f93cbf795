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

from dataclasses import replace
from datetime import UTC, datetime

from vozzoctl.lockfile import Lockfile
from vozzoctl.manifest.desired import DesiredState
from vozzoctl.plan.batches import batches_of, items_needed, newly_final
from vozzoctl.plan.held import FINISHED_CALLS
from vozzoctl.plan.keyplan import _plan_key
from vozzoctl.plan.live import ItemLike, LiveLike, LiveState, batch_number
from vozzoctl.plan.model import (
    Action,
    EndOp,
    KeyPlan,
    Operation,
    Plan,
)
from vozzoctl.plan.ownership import Ownership
from vozzoctl.plan.pending import hold_pending
from vozzoctl.plan.scope import Options, in_scope, scope_errors

__all__ = [
    "FINISHED_CALLS",
    "ItemLike",
    "LiveLike",
    "LiveState",
    "Options",
    "batch_number",
    "batches_of",
    "in_scope",
    "items_needed",
    "make_offline_plan",
    "make_plan",
    "scope_errors",
]


def make_plan(desired: DesiredState, lock: Lockfile, live: LiveState, options: Options) -> Plan:
    chosen, orphans = in_scope(desired, lock, options)
    own = Ownership.of(desired, lock)
    now, wait = options.now or datetime.now(UTC), options.pending_wait
    keys = [
        hold_pending(_plan_key(d, lock, live, options, own), lock.entry(d.key), now, wait)
        for d in chosen
    ]
    keys += [_plan_orphan(key, lock, live, options, own) for key in orphans]
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
    notes = [f"agent {agent}: {why}" for agent, why in sorted(live.read_in_full.items())]
    finals = sum(len(k.finals) for k in keys)
    if finals:
        notes.append(
            f"{finals:,} recorded campaign(s) are finished (COMPLETED or ENDED): apply notes "
            "them as final in the lockfile, and later plans do not read them again"
        )
    return Plan(
        tuple(keys),
        errors=tuple(errors),
        max_new_recipients=options.max_new_recipients,
        notes=tuple(notes),
    )


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


def _plan_orphan(
    key: str, lock: Lockfile, live: LiveState, options: Options, own: Ownership
) -> KeyPlan:
    entry = lock.entry(key)
    assert entry is not None
    batches = [live.campaigns[c] for c in entry.campaign_ids if c in live.campaigns]
    ids = tuple(c for c in entry.campaign_ids if c in live.campaigns or c in live.finished)
    foreign = own.errors(key, None, lock, live.campaigns)
    if foreign:
        return KeyPlan(key, Action.NOOP, campaign_ids=ids, errors=tuple(foreign))
    if not options.prune:
        running = [c for c in batches if not c.state.final]
        finals = newly_final(entry, batches)
        if not running:
            return KeyPlan(
                key,
                Action.NOOP,
                campaign_ids=ids,
                notes=("in the lockfile but in no manifest; its campaigns are finished",),
                finals=finals,
            )
        names = ", ".join(f"{c.name!r} ({c.state.value})" for c in running)
        return KeyPlan(
            key,
            Action.NOOP,
            campaign_ids=ids,
            warnings=(
                f"in the lockfile but in no manifest: live campaign(s) {names} are left as "
                "they are; --prune would end them",
            ),
            finals=finals,
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
