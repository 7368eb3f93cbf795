"""`vozzoctl demo`: the quick start end to end on an in-process emulator."""

from __future__ import annotations

import click

from vozzoctl.cli.common import offline_options, settings


@click.command()
@click.option("--keep", metavar="DIR", type=click.Path(file_okay=False),
              help="Run in DIR (new or empty) and leave it there for inspection.")  # fmt: skip
@offline_options
def demo(keep: str | None) -> int:
    """Run the quick start end to end, with no key, no network and no set-up.

    Copies the example campaigns into a temporary folder (dates moved so the first starts
    tomorrow) and runs validate, plan, apply, status, an edit, plan, apply and plan again
    against a Vozzo emulator inside this process. Takes a few seconds.

    \b
    Example:
      vozzoctl demo
      vozzoctl demo --keep /tmp/vozzo-demo     # then serve its state: the demo says how
    """
    from vozzoctl.cli.main import run
    from vozzoctl.demo import run_demo

    s = settings()
    flags = (["--no-color"] if not s.color else []) + (["-v"] if s.verbose else [])
    run_demo(keep, say=click.echo, run=run, flags=flags)
    return 0
