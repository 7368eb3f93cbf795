"""`vozzoctl resume`: restart calls paused outside vozzoctl or by stop, after a safety check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vozzoctl import engine, lockfile
from vozzoctl import resume as resuming
from vozzoctl.cli.common import common_options, settings
from vozzoctl.cli.runtime import load_manifests, make_client, make_options, run_async
from vozzoctl.cli.status import complete_keys
from vozzoctl.cli.validate import exclude_option, file_option
from vozzoctl.errors import PlanError, UsageError


@click.command()
@click.argument("keys", nargs=-1, required=True, metavar="KEY...", shell_complete=complete_keys)
@file_option
@exclude_option
@click.option("--max-new-recipients", type=click.IntRange(0), default=10_000, show_default=True,
              help="Refuse to start more waiting calls than this.")  # fmt: skip
@click.option("--auto-approve", is_flag=True, help="Resume without asking.")
@click.option("--lock-timeout", type=click.FloatRange(0), default=30.0, show_default=True,
              help="Seconds to wait for an apply on the same lockfile.")  # fmt: skip
@common_options
def resume(
    keys: tuple[str, ...],
    paths: tuple[str, ...],
    exclude_noncompliant: bool,
    max_new_recipients: int,
    auto_approve: bool,
    lock_timeout: float,
) -> int:
    """Restart the calls of KEY, paused outside vozzoctl or by `vozzoctl stop`.

    apply never restarts a paused campaign by itself. resume does, after checking calling
    safety again: the manifests must be valid (local calling hours, do-not-call lists), the
    key's plan must have no error and no change pending, and its manifest must want it
    RUNNING. Anything wrong with any key: nothing is sent.

    \b
    Example:
      vozzoctl resume winter-promo
      vozzoctl resume winter-promo loans -f campaigns --auto-approve
    """
    s = settings()
    options = make_options(
        targets=keys,
        selector=(),
        prune=False,
        allow_replace=False,
        max_new_recipients=max_new_recipients,
        exclude_noncompliant=exclude_noncompliant,
    )
    desired = load_manifests(paths, s, exclude_noncompliant=exclude_noncompliant)
    path = Path(s.lockfile)
    with lockfile.LockfileLock(path, lock_timeout):
        lock = lockfile.load(path, s.api_url)
        unknown = [k for k in keys if k not in lock.campaigns]
        if unknown:
            raise UsageError(
                f"{', '.join(repr(k) for k in unknown)} is not a key in {s.lockfile}: "
                "nothing was resumed",
                hint="resume restarts managed campaigns; `vozzoctl status` lists them",
            )

        async def work() -> int:
            async with make_client(s) as client:
                made, live = await engine.plan(client, desired, lock, options)
                chosen, problems = resuming.check(made, desired, keys, live, max_new_recipients)
                for line in problems:
                    click.echo(f"error: {line}", err=True)
                if problems or (not auto_approve and not _confirm(chosen)):
                    click.echo("Nothing was resumed.", err=True)
                    return 1
                done, failed = await resuming.send(client, chosen, live)
                resuming.record(path, s.api_url, done)
            for p in done:
                click.echo(f"  resumed: {p.key}: {p.campaign_name} ({p.campaign_id})")
            for p, why in failed:
                click.echo(f"error: could not resume {p.campaign_name}: {why}", err=True)
            waiting = sum(r.waiting for r in chosen)
            click.echo(
                f"Resumed {len(done):,} campaign(s) of {len(chosen):,} key(s): up to "
                f"{waiting:,} waiting call(s) may now be placed, within each campaign's hours."
            )
            return 1 if failed else 0

        return run_async(work)


def _confirm(chosen: list[resuming.Resumable]) -> bool:
    if not sys.stdin.isatty():
        raise PlanError(
            "there is no terminal to ask for confirmation: nothing was resumed",
            hint="pass --auto-approve",
        )
    for r in chosen:
        for p in r.paused:
            click.echo(f"  {p.key}: {p.campaign_name} ({p.campaign_id}): {p.message}", err=True)
    n = sum(len(r.paused) for r in chosen)
    waiting = sum(r.waiting for r in chosen)
    return click.confirm(
        f"Restart calls of {n:,} campaign(s) ({waiting:,} waiting call(s))?",
        default=False,
        err=True,
    )
