"""The `vozzoctl` command: builds the group and dispatches; each command lives in its own module."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import sys
import traceback
from typing import NoReturn

import click

from vozzoctl import __version__, cycles
from vozzoctl.cli.common import common_options
from vozzoctl.errors import VozzoctlError
from vozzoctl.redact import redacting_output

# command name -> "module:attribute"; imported only when that command runs, so `--help`
# and `validate` stay fast and do not load httpx or the emulator.
COMMANDS: dict[str, str] = {
    "validate": "vozzoctl.cli.validate:validate",
    "plan": "vozzoctl.cli.plan:plan",
    "apply": "vozzoctl.cli.apply:apply",
    "schema": "vozzoctl.cli.schema:schema",
    "emulator": "vozzoctl.cli.emulator:emulator",
    "whoami": "vozzoctl.cli.whoami:whoami",
    "doctor": "vozzoctl.cli.doctor:doctor",
    "status": "vozzoctl.cli.status:status",
    "calls": "vozzoctl.cli.calls:calls",
    "campaigns": "vozzoctl.cli.campaigns:campaigns",
    "import": "vozzoctl.cli.importer:import_",
    "demo": "vozzoctl.cli.demo:demo",
    "completion": "vozzoctl.cli.completion:completion",
    "stop": "vozzoctl.cli.stop:stop",
    "resume": "vozzoctl.cli.resume:resume",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        with cycles.paused():  # classes and functions, kept to the end: nothing to collect
            cmd = getattr(importlib.import_module(module), attr)
        assert isinstance(cmd, click.Command)
        return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@common_options
@click.version_option(__version__, prog_name="vozzoctl")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Campaigns-as-code for the Vozzo voice-AI platform.

    \b
    Example:
      vozzoctl validate -f campaigns
      vozzoctl plan -f campaigns --out plan.json
      vozzoctl apply plan.json
    """
    ctx.ensure_object(dict)


def run(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code; the single place errors become messages.

    0 success; 1 any error, usage errors included (click's own 2 is reserved for
    `--detailed-exitcode`'s "changes present"); commands return their own code.
    """
    args = sys.argv[1:] if argv is None else argv
    # Everything printed, logs and tracebacks included, passes the key's redactor.
    with redacting_output():
        try:
            return _run(args)
        except Exception:  # a bug: its traceback is printed here, so it passes the redactor
            traceback.print_exc(file=sys.stderr)
            click.echo("error: an internal error in vozzoctl (a bug); please report it", err=True)
            return 1


def _run(args: list[str]) -> int:
    verbose = "-v" in args or "--verbose" in args
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr, force=True)
    # -v shows vozzoctl's own lines (each request, masked), not httpcore's wire-level trace.
    logging.getLogger("vozzoctl").setLevel(logging.DEBUG if verbose else logging.WARNING)
    try:
        rv = cli.main(args=args, prog_name="vozzoctl", standalone_mode=False)
    except VozzoctlError as e:
        if verbose:
            traceback.print_exc(file=sys.stderr)
        click.echo(f"error: {e.message}", err=True)
        if e.hint:
            click.echo(f"hint: {e.hint}", err=True)
        return e.exit_code
    except click.exceptions.Abort as e:
        if isinstance(e.__cause__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            click.echo("Interrupted.", err=True)
            return 130
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as e:
        e.show()
        return 1
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    return rv if isinstance(rv, int) else 0


def main() -> None:
    cycles.one_command_per_process()
    end(run())


def end(code: int) -> NoReturn:
    """End the process once its output is out, without freeing what the command built.

    A plan of 10,000 campaigns leaves a million objects, and an interpreter's normal exit frees
    them one by one: a twentieth of the command's time, spent after its last line (mypy ends
    the same way). Nothing else is left to do by then: every command closes its own files,
    clients and locks, and logging is flushed here.
    """
    logging.shutdown()
    try:
        sys.stdout.flush()
    except OSError:  # the reader went away (`| head`): the status Python's own exit gives
        code = code or 120
    with contextlib.suppress(OSError):  # nowhere left to say anything
        sys.stderr.flush()
    os._exit(code)
