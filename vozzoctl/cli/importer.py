"""`vozzoctl import`: take over live campaigns that no manifest manages yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vozzoctl import importer, lockfile
from vozzoctl.cli.common import common_options, settings
from vozzoctl.cli.runtime import make_client, run_async
from vozzoctl.clock import today_ist
from vozzoctl.model import State
from vozzoctl.pii import mask_phones_in
from vozzoctl.render.plan import one_line


@click.command("import")
@click.option("--state", type=click.Choice([s.value for s in State]),
              help="Only campaigns (and their sibling batches) in this state.")  # fmt: skip
@click.option("--agent", metavar="UUID", help="Only campaigns of this agent.")
@click.option("--out", type=click.Path(file_okay=False), default="campaigns/imported",
              show_default=True, help="Folder for the manifests and CSVs.")  # fmt: skip
@common_options
def import_(state: str | None, agent: str | None, out: str) -> int:
    """Write manifests and lockfile entries for live campaigns not yet managed.

    Each campaign the lockfile does not know becomes `<out>/<key>.yaml`, its recipients
    (read from its scheduled calls) `<out>/<key>.csv`; campaigns named `<name>`,
    `<name> #2`, … with one agent become the batches of one key. The lockfile records
    them as apply would, so `vozzoctl plan` right after reports no changes. Existing files
    are never overwritten. The CSVs hold phone numbers: keep them private.

    \b
    Example:
      vozzoctl import
      vozzoctl import --state RUNNING --agent 619ec26c-4957-4926-70f8-fe7391b3527e
      vozzoctl import --out campaigns/legacy && vozzoctl plan --detailed-exitcode
    """
    s = settings()
    path = Path(s.lockfile)
    lock = lockfile.load(path, s.api_url)
    today = today_ist()
    client = make_client(s)

    async def work() -> Any:
        async with client:
            return await importer.read_groups(
                client, lock, state=State(state) if state else None, agent=agent
            )

    groups, skipped = run_async(work)
    target = Path(out)
    imported, refused, files = importer.prepare(groups, lock, target, today)
    skipped += refused
    for sk in skipped:
        names = ", ".join(mask_phones_in(one_line(n)) for n in sk.names)  # the account's
        click.echo(f"skipped: {names}: {sk.reason}", err=True)
    if not imported:
        scope = f" in state {state}" if state else ""
        scope += f" of agent {agent}" if agent else ""
        click.echo(f"Nothing to import: no unmanaged live campaign{scope} can be imported.")
        return 1 if refused else 0
    importer.write_files(files)
    new_lock = importer.record(path, s.api_url, imported)
    n = sum(len(i.group.campaigns) for i in imported)
    click.echo(f"Imported {n} live campaign(s) as {len(imported)} key(s) into {target}:")
    for imp in imported:
        c = imp.group.campaigns
        click.echo(
            f"  + {imp.key} ← {', '.join(repr(x.name) for x in c)} "
            f"({imp.settings.state.value}, {len(imp.recipients):,} recipient(s))"
        )
        click.echo(f"      {imp.manifest}")
        if imp.csv is not None:
            held = len(imp.recipients) - imp.inline
            click.echo(f"      {imp.csv}  ({held:,} phone numbers: keep it private)")
        for note in imp.notes:
            click.echo(f"warning: {imp.key}: {note}", err=True)
    for problem in importer.check_round_trip(imported, target, today):
        click.echo(f"warning: {problem}", err=True)
    click.echo(f"Recorded in {s.lockfile} (serial {new_lock.serial}).")
    root = importer.manifest_root(target)
    flag = "" if root == Path("campaigns") else f" -f {root}"
    click.echo(f"Next: vozzoctl plan{flag} --detailed-exitcode   # reports no changes")
    return 0
