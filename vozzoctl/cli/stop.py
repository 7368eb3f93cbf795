"""`vozzoctl stop`: the emergency stop. Parse, call `vozzoctl.stop`, say what happened."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from vozzoctl import lockfile
from vozzoctl import stop as stopping
from vozzoctl.cli.common import common_options, settings
from vozzoctl.cli.runtime import make_client, parse_selector, run_async
from vozzoctl.cli.status import complete_keys
from vozzoctl.clock import now_ist
from vozzoctl.errors import LockHeldError, PlanError, UsageError
from vozzoctl.plan.pauses import clean


@click.command()
@click.argument("keys", nargs=-1, metavar="[KEY]...", shell_complete=complete_keys)
@click.option("--selector", multiple=True, metavar="K=V",
              help="Keys whose labels (as last applied) match, e.g. team=growth.")  # fmt: skip
@click.option("--all", "every", is_flag=True, help="Every key in the lockfile.")
@click.option("--account", is_flag=True,
              help="Every RUNNING campaign of the account, managed or not.")  # fmt: skip
@click.option("--reason", default="", metavar="TEXT",
              help="Why: recorded in the lockfile, shown by plan and status.")  # fmt: skip
@click.option("--auto-approve", is_flag=True, help="Stop without asking.")
@click.option("--lock-timeout", type=click.FloatRange(0), default=30.0, show_default=True,
              help="Seconds to wait for an apply's lock to record the stop.")  # fmt: skip
@common_options
def stop(
    keys: tuple[str, ...],
    selector: tuple[str, ...],
    every: bool,
    account: bool,
    reason: str,
    auto_approve: bool,
    lock_timeout: float,
) -> int:
    """Stop calls now: suspend every RUNNING campaign of the keys named.

    Works from the lockfile and the live account alone: broken or absent manifests do not
    delay it. Campaigns are suspended concurrently; a campaign already stopped is left as it
    is, so running it again finishes what failed. The stop is recorded in the lockfile (when,
    --reason, which campaigns) and apply never restarts those calls: `vozzoctl resume KEY`
    or a manifest change does. Exit 1 when anything could not be stopped.

    \b
    Example:
      vozzoctl stop winter-promo --reason "wrong offer quoted"
      vozzoctl stop --selector team=growth --auto-approve
      vozzoctl stop --account --reason "complaints" --auto-approve   # everything calling
    """
    if not (keys or selector or every or account):
        raise UsageError(
            "name what to stop: KEY..., --selector k=v, --all (every managed key) or --account",
            hint="vozzoctl status lists the managed keys",
        )
    if (every or account) and (keys or selector):
        raise UsageError(
            "--all and --account stop every key: they take no KEY or --selector",
            hint="drop the KEYs, or drop --all/--account",
        )
    s = settings()
    path = Path(s.lockfile)
    lock = lockfile.load(path, s.api_url)
    chosen, unlabelled = stopping.choose_keys(
        lock, keys, parse_selector(selector), every or account, s.lockfile
    )
    if not chosen and not account and not unlabelled:
        raise UsageError(
            f"no managed key in {s.lockfile} matches: nothing was stopped",
            hint="check --lockfile (the one your deploys commit), or stop everything calling "
            "with --account",
        )
    started = time.perf_counter()
    client = make_client(s)

    async def work() -> stopping.Outcome:
        async with client:
            targets, unread = await stopping.find(client, lock, chosen, account)
            running = [t for t in targets if t.state.value == "RUNNING"]
            if running and not auto_approve and not _confirm(running):
                raise click.exceptions.Exit(1)
            outcome = await stopping.suspend(client, targets)
            outcome.unread = unread
            return outcome

    outcome = run_async(work)
    took = time.perf_counter() - started
    _report(outcome, took)
    for key in unlabelled:
        click.echo(
            f"not stopped: {key}: the lockfile does not record its labels yet (apply records "
            f"them), so --selector cannot tell; name it: vozzoctl stop {key}",
            err=True,
        )
    recorded = _record(path, s.api_url, lock, outcome, reason, lock_timeout)
    return 0 if outcome.ok and recorded and not unlabelled else 1


def _confirm(running: list[stopping.Target]) -> bool:
    if not sys.stdin.isatty():
        raise PlanError(
            "there is no terminal to ask for confirmation: nothing was stopped",
            hint="pass --auto-approve",
        )
    keys = {t.key for t in running}
    click.echo(f"RUNNING now: {len(running):,} campaign(s) of {len(keys):,} key(s):", err=True)
    for t in running[:20]:
        click.echo(f"  {_name(t)}", err=True)
    if len(running) > 20:
        click.echo(f"  … and {len(running) - 20:,} more", err=True)
    return click.confirm(f"Suspend all {len(running):,}?", default=False, err=True)


def _name(t: stopping.Target) -> str:
    return f"{t.key or '(not managed)'}: {clean(t.name)} ({t.campaign_id})"


def _report(outcome: stopping.Outcome, took: float) -> None:
    n = len(outcome.stopped)
    keys = len({t.key for t in outcome.stopped})
    click.echo(f"Stopped {n:,} campaign(s) of {keys:,} key(s) in {took:.1f}s.")
    for t in outcome.stopped:
        click.echo(f"  stopped: {_name(t)}")
    for t, why in outcome.failed:
        click.echo(f"error: could not stop {_name(t)}: {why}", err=True)
    for key, cid, why in outcome.unread:
        whose = f"{key}: " if key else ""
        click.echo(f"error: could not read {whose}{cid}: {why}", err=True)
    left = len(outcome.left)
    if left:
        click.echo(f"Left as they are: {left:,} campaign(s) not RUNNING (stopped or finished).")
    if not outcome.ok:
        click.echo(
            f"Could not stop or read {len(outcome.failed) + len(outcome.unread):,} campaign(s): "
            "run the same stop again (it is idempotent), or suspend them in the dashboard.",
            err=True,
        )


def _record(
    path: Path,
    api_url: str,
    lock: lockfile.Lockfile,
    outcome: stopping.Outcome,
    reason: str,
    timeout: float,
) -> bool:
    records = stopping.stop_records(lock, outcome, reason, now_ist())
    if not records:
        return True
    try:
        serial: Any = stopping.record(path, api_url, records, timeout)
    except LockHeldError as e:
        click.echo(
            f"error: the calls are stopped, but the stop is not recorded: {e.message}",
            err=True,
        )
        click.echo("hint: run the same stop again once the apply has finished", err=True)
        return False
    click.echo(f"Recorded in {path} (serial {serial}): plan and status say why calls stopped.")
    return True
