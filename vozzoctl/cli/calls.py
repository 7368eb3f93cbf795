"""`vozzoctl calls`: a key's scheduled calls, paged, or one call with its logs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vozzoctl import lockfile
from vozzoctl.cli.common import common_options, settings
from vozzoctl.cli.runtime import make_client, run_async
from vozzoctl.cli.status import complete_keys
from vozzoctl.render.calls import call_json, call_text, page_json, page_text
from vozzoctl.status import chosen_keys, find_call, read_calls_page


@click.command()
@click.argument("key", shell_complete=complete_keys)
@click.argument("item_id", required=False)
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--page-size", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: stdout holds only the JSON document.")  # fmt: skip
@click.option("--show-pii", is_flag=True, help="Show phone numbers in full (masked otherwise).")
@common_options
def calls(
    key: str, item_id: str | None, page: int, page_size: int, fmt: str, show_pii: bool
) -> int:
    """List the scheduled calls of KEY's campaigns, or show one call and its call logs.

    Calls of every batch of the key (`<name>`, `<name> #2`, …), in order, with their
    status and attempts. Phone numbers are masked (+91******7890) unless --show-pii.

    \b
    Example:
      vozzoctl calls winter-promo-2026
      vozzoctl calls winter-promo-2026 --page 3 --page-size 100
      vozzoctl calls winter-promo-2026 3b0f6a1e-…      # one call, with its call logs
    """
    s = settings()
    lock = lockfile.load(Path(s.lockfile), s.api_url)
    chosen_keys(lock, (key,), s.lockfile)
    client = make_client(s)

    async def work() -> Any:
        async with client:
            if item_id:
                return await find_call(client, lock, key, item_id)
            return await read_calls_page(client, lock, key, page, page_size)

    got = run_async(work)
    if item_id:
        row, detail = got
        render = call_json if fmt == "json" else call_text
        click.echo(render(key, row, detail, show_pii=show_pii))
    else:
        render_page = page_json if fmt == "json" else page_text
        click.echo(render_page(got, show_pii=show_pii))
    return 0
