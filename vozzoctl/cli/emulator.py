"""`vozzoctl emulator serve`: a local Vozzo API for demos, CI and tests.

Cheap to import: FastAPI and uvicorn load only when the command runs.
"""

from __future__ import annotations

import errno
from pathlib import Path

import click


@click.group()
def emulator() -> None:
    """A local Vozzo Campaign API that follows the reference (vozzo-api.md)."""


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False),
    help="SQLite file that keeps campaigns across restarts (default: in memory).",
)
@click.option("--token", "tokens", multiple=True, help="An API key that may read and write.")
@click.option("--read-only-token", "read_only_tokens", multiple=True, help="A read-only key.")
@click.option("--agent", "agents", multiple=True, help="An agent UUID of the org.")
@click.option("--latency-ms", default=0, type=click.IntRange(0, 60_000), help="Added per request.")
@click.option("--fail-rate", default=0.0, type=click.FloatRange(0, 1), help="Share answered 503.")
@click.option("--seed", default=0, type=int, help="Seed for call outcomes and --fail-rate.")
@click.option(
    "--speed", default=1.0, type=click.FloatRange(min=0, min_open=True),
    help="Emulated seconds per real second (60: a minute a second).",
)  # fmt: skip
@click.option(
    "--fault-plan", type=click.Path(exists=True, dir_okay=False), help="JSON fault plan file."
)
@click.option(
    "--variant",
    type=click.Choice(["current", "legacy"]),
    default="current",
    show_default=True,
    help="legacy: the older draft's response shapes.",
)
@click.option(
    "--shape",
    "shapes",
    multiple=True,
    metavar="NAME",
    help="Answer as the real service might differ from the docs (repeatable): rows-under-data, "
    "by-agent-missing, capped-pages, count-off, item-rows-renamed. See README.",
)
@click.option(
    "--list-lag",
    default=0.0,
    type=click.FloatRange(0, 86_400),
    metavar="SECONDS",
    help="New campaigns show in the list answers only this long after they were created.",
)
def serve(
    *,
    host: str,
    port: int,
    state_file: str | None,
    tokens: tuple[str, ...],
    read_only_tokens: tuple[str, ...],
    agents: tuple[str, ...],
    latency_ms: int,
    fail_rate: float,
    seed: int,
    speed: float,
    fault_plan: str | None,
    variant: str,
    shapes: tuple[str, ...],
    list_lag: float,
) -> int:
    """Serve the emulator until interrupted.

    \b
    Example:
      vozzoctl emulator serve --port 8765 --speed 60 --state-file emu.db
      export VOZZO_BASE_URL=http://127.0.0.1:8765 VOZZO_API_KEY=emulator-token
      vozzoctl plan -f campaigns

    With no --token, the key is `emulator-token`; with no --agent, the one agent is the
    vendor's example, 619ec26c-4957-4926-70f8-fe7391b3527e.
    """
    import sqlite3

    from vozzoctl.api.auth import is_loopback
    from vozzoctl.emulator.app import create_app
    from vozzoctl.emulator.emulator import DEFAULT_TOKEN
    from vozzoctl.emulator.faults import FaultPlanError
    from vozzoctl.emulator.server import listen
    from vozzoctl.emulator.server import serve as serve_app
    from vozzoctl.errors import UsageError

    if not is_loopback(host) and not tokens and not read_only_tokens:
        raise UsageError(
            f"refusing to serve on {host} with the default token: anyone who can reach "
            "this machine could use it",
            hint="pass --token with a secret of your own, or keep the default --host 127.0.0.1",
        )
    if state_file is not None:
        _check_state_file(Path(state_file))
    try:
        sock = listen(host, port)
    except OSError as e:
        busy = e.errno == errno.EADDRINUSE
        raise UsageError(
            f"cannot listen on {host}:{port}: "
            + ("the port is in use (another emulator?)" if busy else (e.strerror or str(e))),
            hint="pick another --port (0: any free one)" if busy else "check --host and --port",
        ) from None
    port = sock.getsockname()[1]
    try:
        app = create_app(
            tokens=list(tokens) if tokens else None,
            read_only_tokens=list(read_only_tokens),
            agents=list(agents) if agents else None,
            state_file=state_file,
            speed=speed,
            seed=seed,
            latency_ms=latency_ms,
            fail_rate=fail_rate,
            fault_plan=fault_plan,
            variant=variant,
            shapes=shapes,
            list_lag=list_lag,
        )
    except (FaultPlanError, ValueError) as e:
        sock.close()
        raise UsageError(str(e)) from e
    except sqlite3.DatabaseError:
        sock.close()
        raise UsageError(
            f"--state-file {state_file}: is not an emulator state file (an SQLite database)",
            hint="give a new file name, or one an earlier `emulator serve` wrote",
        ) from None
    emu = app.emulator
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Vozzo API emulator ({variant}) on http://{shown}:{port}")
    if not tokens and not read_only_tokens:
        click.echo(f"  token: {DEFAULT_TOKEN}   (Authorization: Token {DEFAULT_TOKEN})")
    else:
        click.echo(f"  tokens: {len(emu.tokens)} read-write, {len(emu.read_only_tokens)} read-only")
    click.echo(f"  agents: {', '.join(emu.agents)}")
    click.echo(f"  state: {state_file or 'in memory'}; speed x{speed:g}; seed {seed}")
    if emu.shapes or emu.list_lag:
        lag = [f"list lag {emu.list_lag:g} s"] if emu.list_lag else []
        click.echo(f"  answers unlike the docs: {', '.join([*sorted(emu.shapes), *lag])}")
    if not is_loopback(host):
        click.echo(f"  warning: bound to {host}, reachable from other machines", err=True)
    try:
        serve_app(app, host=host, port=port, sock=sock)
    finally:
        emu.close()
    return 0


def _check_state_file(path: Path) -> None:
    from vozzoctl.errors import UsageError

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(
            f"--state-file {path}: the folder {folder} does not exist",
            hint=f"create it first (mkdir -p {folder}), or give a file in an existing folder",
        )
