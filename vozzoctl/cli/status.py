"""`vozzoctl status`: live state, progress and analytics of the managed campaigns."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from vozzoctl import lockfile
from vozzoctl.cli.common import Settings, common_options, settings, use_color
from vozzoctl.cli.runtime import make_client, run_async
from vozzoctl.clock import now_ist
from vozzoctl.errors import UsageError
from vozzoctl.status import KeyStatus, chosen_keys, read_status, read_status_by_id, status_json

# The pause between two refreshes of --watch; a seam for tests (a Ctrl-C, a quick loop).
Sleep = Callable[[float], Awaitable[None]]
_sleep: Sleep = asyncio.sleep


def complete_keys(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of KEY from the lockfile (the default one, or --lockfile's)."""
    opts = (ctx.find_root().obj or {}).get("options", {})
    path = Path(str(opts.get("lockfile") or "vozzo.lock"))
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        keys = sorted(doc.get("campaigns", {}))
    except (OSError, ValueError, AttributeError):
        return []
    return [k for k in keys if k.startswith(incomplete)]


@click.command()
@click.argument("keys", nargs=-1, metavar="[KEY]...", shell_complete=complete_keys)
@click.option("--id", "campaign_ids", multiple=True, metavar="CAMPAIGN_ID",
              help="A campaign by id, managed or not, instead of KEYs; repeatable.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: stdout holds only the JSON document.")  # fmt: skip
@click.option("--watch", type=click.FloatRange(min=0.1), metavar="N",
              help="Refresh every N seconds until every campaign is finished, --times "
                   "refreshes, or Ctrl-C.")  # fmt: skip
@click.option("--times", type=click.IntRange(min=1), default=720, show_default=True,
              help="With --watch: stop after this many refreshes.")  # fmt: skip
@common_options
def status(
    keys: tuple[str, ...],
    campaign_ids: tuple[str, ...],
    fmt: str,
    watch: float | None,
    times: int,
) -> int:
    """Show the live state, progress and analytics of managed campaigns.

    One row per key (from the lockfile), its batches (`<name>`, `<name> #2`, …) summed:
    state, calls processed of all scheduled, calls answered of attempted and the connect
    rate, first start and last end date; under the table, each key's analytics (call
    categories, goals achieved, success criteria). Without KEY, every key in the lockfile.

    \b
    Example:
      vozzoctl status
      vozzoctl status winter-promo-2026 --watch 10
      vozzoctl status --id 6f1c2e4a-…          # any campaign of the account, by id
      vozzoctl status --format json | jq '.campaigns[] | {key, connect_rate, goals}'
    """
    s = settings()
    lock = lockfile.load(Path(s.lockfile), s.api_url)
    if campaign_ids:
        if keys:
            raise UsageError("give KEYs or --id, not both", hint="vozzoctl status --id ID…")
        client = make_client(s)
        rows = run_async(lambda: _by_id(client, lock, campaign_ids))
        _show(rows, fmt, s, live=None)
        return 0
    chosen = chosen_keys(lock, keys, s.lockfile)
    if not chosen:
        if fmt == "json":
            click.echo(json.dumps(status_json([]), indent=2))
        else:
            click.echo(
                f"No managed campaigns in {s.lockfile}: `vozzoctl apply` creates them, "
                "`vozzoctl import` takes over existing ones."
            )
        return 0
    client = make_client(s)
    if watch is None:
        rows = run_async(lambda: _once(client, lock, chosen))
        _show(rows, fmt, s, live=None)
        return 0
    try:
        run_async(lambda: _watch(client, lock, chosen, fmt, s, watch, times))
    except KeyboardInterrupt:
        click.echo("Stopped watching.", err=True)
    return 0


async def _by_id(client: Any, lock: lockfile.Lockfile, ids: tuple[str, ...]) -> list[KeyStatus]:
    async with client:
        return await read_status_by_id(client, lock, ids)


async def _once(client: Any, lock: lockfile.Lockfile, keys: list[str]) -> list[KeyStatus]:
    async with client:
        return await read_status(client, lock, keys)


async def _watch(
    client: Any,
    lock: lockfile.Lockfile,
    keys: list[str],
    fmt: str,
    s: Settings,
    every: float,
    times: int,
) -> None:
    rich_live = _rich_live(s) if fmt == "text" and _terminal() else None
    async with client:
        try:
            for n in range(times):
                rows = await read_status(client, lock, keys)
                _show(rows, fmt, s, live=rich_live, every=every)
                if all(r.finished for r in rows) or n == times - 1:
                    break
                await _sleep(every)
        finally:
            if rich_live is not None:
                rich_live.stop()


def _terminal() -> bool:
    """Bars and a refreshing table on a terminal only; plain lines for pipes and logs."""
    return bool(getattr(sys.stdout, "isatty", lambda: False)())


def _rich_live(s: Settings) -> Any:
    from rich.console import Console
    from rich.live import Live

    console = Console(file=sys.stdout, no_color=not use_color(s))
    live = Live(console=console, auto_refresh=False, transient=False)
    live.start()
    return live


def _show(
    rows: list[KeyStatus], fmt: str, s: Settings, *, live: Any, every: float | None = None
) -> None:
    at = now_ist()
    if fmt == "json":
        doc = status_json(rows, at=at if every is not None else None)
        # --watch: one document per line (JSON lines), so a reader can follow it
        click.echo(json.dumps(doc) if every is not None else json.dumps(doc, indent=2))
        return
    from vozzoctl.render.status import analytics_lines, status_rich, status_text

    caption = (
        f"{at:%Y-%m-%d %H:%M:%S} IST · every {every:g}s · Ctrl-C to stop"
        if every is not None
        else None
    )
    if live is not None:
        live.update(status_rich(rows, caption=caption), refresh=True)
    elif _terminal():
        from rich.console import Console

        console = Console(file=sys.stdout, no_color=not use_color(s))
        console.print(status_rich(rows))
        for line in analytics_lines(rows):
            console.print(line, markup=False, highlight=False)
    else:
        if caption:
            click.echo(f"-- {caption}")
        click.echo(status_text(rows))
        for line in analytics_lines(rows):
            click.echo(line)
