"""`vozzoctl campaigns`: the live account's campaigns, managed or not."""

from __future__ import annotations

import json
from pathlib import Path

import click

from vozzoctl import lockfile
from vozzoctl.cli.common import common_options, settings
from vozzoctl.cli.runtime import make_client, run_async
from vozzoctl.listing import Listed, list_account
from vozzoctl.model import State
from vozzoctl.render.status import shown_name, table_lines


@click.command()
@click.option("--agent", metavar="UUID", help="Only this agent's campaigns.")
@click.option("--state", type=click.Choice([s.value for s in State]), help="Only this state.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: stdout holds only the JSON document.")  # fmt: skip
@common_options
def campaigns(agent: str | None, state: str | None, fmt: str) -> int:
    """List the campaigns of the live account, managed by vozzoctl or not.

    Every page is read (the list endpoint's limit/offset pages, or the agent's page/page_size
    pages with --agent). Each row names the key that manages it in the lockfile, or `-`:
    what `vozzoctl import` would take over. Names are shown with phone-like text masked.

    \b
    Example:
      vozzoctl campaigns
      vozzoctl campaigns --agent 619ec26c-4957-4926-70f8-fe7391b3527e --state RUNNING
      vozzoctl campaigns --format json | jq '.campaigns[] | select(.key == null)'
    """
    s = settings()
    lock = lockfile.load(Path(s.lockfile), s.api_url)
    client = make_client(s)
    wanted = State(state) if state else None

    async def work() -> list[Listed]:
        async with client:
            return await list_account(client, lock, agent=agent, state=wanted)

    rows = run_async(work)
    if fmt == "json":
        doc = {"format_version": 1, "campaigns": [_masked(r) for r in rows]}
        click.echo(json.dumps(doc, indent=2))
        return 0
    if not rows:
        click.echo("No campaigns" + (f" of agent {agent}" if agent else "") + ".")
        return 0
    headers = ("KEY", "CAMPAIGN ID", "NAME", "STATE", "PROGRESS", "AGENT", "CREATED")
    click.echo("\n".join(table_lines(headers, [_cells(r) for r in rows])))
    unmanaged = sum(1 for r in rows if r.key is None)
    click.echo(f"{len(rows)} campaign(s), {unmanaged} not managed here (`vozzoctl import`).")
    return 0


def _masked(r: Listed) -> dict[str, object]:
    doc = r.as_json()
    doc["name"] = shown_name(r.name, limit=200)
    return doc


def _cells(r: Listed) -> tuple[str, ...]:
    progress = f"{r.processed or 0:,}/{r.total:,}" if r.total is not None else "-"
    created = f"{r.created_at:%Y-%m-%d}" if r.created_at else "-"
    return (r.key or "-", r.campaign_id, shown_name(r.name), r.state, progress,
            r.agent_id or "-", created)  # fmt: skip
