"""`vozzoctl doctor`: read-only first contact with an account; every read endpoint checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vozzoctl.cli.common import common_options, settings
from vozzoctl.cli.runtime import make_client, run_async


@click.command()
@click.option(
    "--record",
    "record",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write redacted samples of every answer to DIR (files 0600), for test fixtures.",
)
@common_options
def doctor(record: str | None) -> int:
    """Check that the account answers as vozzoctl relies on, before the first plan.

    Calls every read endpoint on the account's own data (who the key is, the campaign list
    at a small and a full page size, a few campaigns' details and analytics, campaigns by
    agent and their count, one campaign's scheduled calls and one call) and checks each
    answer with the same strict readers plan and apply use. Nothing is written. Prints one
    line per endpoint: ok, or what differs (keys and types, never values). Exit 1 on any
    difference.

    \b
    Example:
      vozzoctl doctor
      vozzoctl doctor --record doctor-samples    # redacted answers, to report a difference
    """
    from vozzoctl.api.auth import api_key_from_env
    from vozzoctl.doctor import examine
    from vozzoctl.doctor.record import RecordingTransport, write_samples

    s = settings()
    recorder: list[RecordingTransport] = []

    def wrap(transport: Any) -> Any:
        recorder.append(RecordingTransport(transport))
        return recorder[0]

    client = make_client(s, wrap=wrap if record else None)

    async def work() -> Any:
        async with client:
            return await examine(client)

    report = run_async(work)
    width = max(len(r.endpoint) for r in report.results)
    click.echo(f"{'endpoint'.ljust(width)}  result")
    for r in report.results:
        click.echo(f"{r.endpoint.ljust(width)}  {r.said if r.ok else 'DIFFERS: ' + r.said}")
    if record:
        written = write_samples(Path(record), recorder[0].samples, api_key_from_env().redact)
        click.echo(f"Wrote {len(written)} redacted sample(s) to {record} (mode 0600).", err=True)
    n = len(report.differences)
    if n:
        click.echo(
            f"{n} endpoint(s) answer unlike what vozzoctl relies on: plan and apply would stop "
            "before their first write. Report it with the samples of --record DIR.",
        )
        return 1
    click.echo(f"Every answer is as vozzoctl relies on, at {s.api_url}.")
    return 0
