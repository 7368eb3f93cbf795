"""Which keys a plan covers: the plan's options, --target and --selector."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from vozzoctl.lockfile import Lockfile
from vozzoctl.manifest.desired import DesiredCampaign, DesiredState
from vozzoctl.plan.pending import DEFAULT_PENDING_WAIT


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


def in_scope(
    desired: DesiredState, lock: Lockfile, options: Options
) -> tuple[list[DesiredCampaign], list[str]]:
    """The desired campaigns and the lockfile-only keys that --target and --selector leave."""
    selector = dict(options.selector)
    chosen = [
        d
        for d in desired
        if (not options.targets or d.key in options.targets)
        and (not selector or d.matches(selector))
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


def scope_errors(desired: DesiredState, lock: Lockfile, options: Options) -> list[str]:
    """--target keys that name nothing, and a --selector that matches nothing: a plan of
    nothing would say "no changes" about keys it never looked at."""
    known = {d.key for d in desired} | set(lock.campaigns)
    errors = [
        f"--target {t!r} names no key: no manifest declares it and the lockfile does not record it"
        for t in sorted(options.targets - known)
    ]
    if errors:
        return errors
    if options.selector:
        chosen, orphans = in_scope(desired, lock, options)
        if not chosen and not orphans:
            said = ",".join(f"{k}={v}" for k, v in sorted(options.selector.items()))
            extra = " among the --target keys" if options.targets else ""
            errors.append(f"--selector {said!r} matches no manifest{extra}")
    return errors
