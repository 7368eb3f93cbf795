"""`vozzoctl plan`: read the live account and print how it differs from the manifests."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from vozzoctl import engine, lockfile
from vozzoctl.cli.common import Settings, common_options, settings, use_color
from vozzoctl.cli.runtime import (
    check_scope,
    closing,
    load_manifests,
    make_client,
    make_options,
    run_async,
    store_pending_wait,
)
from vozzoctl.cli.validate import exclude_option, file_option
from vozzoctl.errors import UsageError
from vozzoctl.manifest import DesiredState
from vozzoctl.plan.model import Plan
from vozzoctl.plan.planner import LiveState, Options, make_offline_plan
from vozzoctl.redact import redact
from vozzoctl.render.plan import plan_json, render_json, render_markdown, render_text

F = TypeVar("F", bound=Callable[..., Any])
PLAN_KIND = "vozzoctl-plan"


def plan_options(f: F) -> F:
    """The flags plan and apply share."""
    decorators = [
        file_option,
        click.option(
            "--target", "targets", multiple=True, metavar="KEY", help="Only this key; repeatable."
        ),
        click.option(
            "--selector",
            "selector",
            multiple=True,
            metavar="K=V",
            help="Only keys whose labels match, e.g. team=growth.",
        ),
        click.option(
            "--prune", is_flag=True, help="End the campaigns of keys gone from the manifests."
        ),
        exclude_option,
        click.option(
            "--allow-replace",
            is_flag=True,
            help="Allow what cannot be done in place: end old batches, create anew.",
        ),
        click.option(
            "--max-new-recipients",
            type=click.IntRange(0),
            default=10_000,
            show_default=True,
            help="Refuse a plan scheduling more new calls.",
        ),
        click.option(
            "--pending-wait",
            type=click.IntRange(0, 86_400),
            default=None,
            expose_value=False,
            callback=store_pending_wait,
            metavar="SECONDS",
            help="After a create whose answer was lost, wait this long before sending it again "
            "when neither the list nor the count finds it [default: 300].",
        ),
    ]
    for d in reversed(decorators):
        f = d(f)
    return f


def compute(
    s: Settings, desired: DesiredState, lock: lockfile.Lockfile, options: Options
) -> tuple[Plan, LiveState]:
    client = make_client(s)
    return run_async(lambda: closing(client, lambda c: engine.plan(c, desired, lock, options)))


def saved_plan(
    s: Settings,
    paths: tuple[str, ...],
    options: Options,
    desired: DesiredState,
    lock: lockfile.Lockfile,
    made: Plan,
    live: LiveState,
) -> dict[str, Any]:
    """A plan file: what was planned and fingerprints of all it read. No key, no numbers."""
    return {
        "format_version": 1,
        "kind": PLAN_KIND,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "api_url": s.api_url,
        "lockfile": s.lockfile,
        "options": {
            "paths": list(paths),
            "targets": sorted(options.targets),
            "selector": dict(options.selector),
            "prune": options.prune,
            "allow_replace": options.allow_replace,
            "max_new_recipients": options.max_new_recipients,
            "exclude_noncompliant": options.exclude_noncompliant,
        },
        "inputs": {
            "desired_sha256": engine.desired_fingerprint(desired),
            "lockfile_sha256": lock.fingerprint(),
            "lockfile_serial": lock.serial,
            "live": engine.live_fingerprints(made, live),
        },
        "plan": plan_json(made),
    }


def emit(made: Plan, fmt: str, s: Settings) -> None:
    if fmt == "json":
        click.echo(render_json(made))
    elif fmt == "markdown":
        click.echo(render_markdown(made), nl=False)
    else:
        click.echo(render_text(made, color=use_color(s), verbose=s.verbose))


@click.command()
@plan_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Save the plan, for `vozzoctl apply FILE`.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none."
)
@click.option(
    "--no-refresh",
    is_flag=True,
    help="Do not read the account: only what changed since the last apply.",
)
@common_options
def plan(
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    selector: tuple[str, ...],
    prune: bool,
    allow_replace: bool,
    max_new_recipients: int,
    exclude_noncompliant: bool,
    out: str | None,
    fmt: str,
    detailed_exitcode: bool,
    no_refresh: bool,
) -> int:
    """Show how the live Vozzo account differs from the manifests; change nothing.

    Reads the manifests, the lockfile and the live campaigns, and prints every API call
    `apply` would make. Exit 0 (no changes, or any changes without --detailed-exitcode),
    1 on any error, 2 with --detailed-exitcode when there are changes or campaigns the
    manifests want RUNNING stay paused (apply never restarts those: `vozzoctl resume`).

    \b
    Example:
      vozzoctl plan -f campaigns --out plan.json
      vozzoctl plan -f campaigns --format markdown > plan.md
    """
    if no_refresh and out:
        raise UsageError(
            "a plan made with --no-refresh cannot be saved: it does not know what apply would do",
            hint="drop --no-refresh to save a plan for apply",
        )
    s = settings()
    options = make_options(
        targets=targets,
        selector=selector,
        prune=prune,
        allow_replace=allow_replace,
        max_new_recipients=max_new_recipients,
        exclude_noncompliant=exclude_noncompliant,
    )
    desired = load_manifests(paths, s, exclude_noncompliant=exclude_noncompliant)
    lock = lockfile.load(Path(s.lockfile), s.api_url)
    check_scope(desired, lock, options)
    if no_refresh:
        made = make_offline_plan(desired, lock, options)
        emit(made, fmt, s)
        return 2 if detailed_exitcode and made.has_changes else 0
    made, live = compute(s, desired, lock, options)
    emit(made, fmt, s)
    if not made.safe:
        if out:
            click.echo(f"Not saved to {out}: this plan has errors and cannot be applied.", err=True)
        return 1
    if out:
        doc = saved_plan(s, paths, options, desired, lock, made, live)
        text = redact(json.dumps(doc, indent=2, sort_keys=True) + "\n")
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"Saved the plan to {out}: apply it with `vozzoctl apply {out}`.", err=True)
    # A paused campaign the manifests want RUNNING is a difference apply will not fix: 2, so
    # a drift check sees it, never 1, so that a pipeline's other changes still apply.
    return 2 if detailed_exitcode and (made.has_changes or made.held) else 0
