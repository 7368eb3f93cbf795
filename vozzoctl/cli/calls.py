"""`vozzoctl calls`: a key's scheduled calls, paged, or one call with its logs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vozzoctl import lockfile
from vozzoctl.cli.common import common_options, settings
from vozzoctl.cli.runtime import make_client, run_async
from vozzoctl.cli.status import complete_keys
from vozzoctl.errors import UsageError
from vozzoctl.lockfile import Batch
from vozzoctl.render.calls import call_json, call_text, page_json, page_text
from vozzoctl.status import batches_for, chosen_keys, find_call, read_calls_page

_USAGE = "vozzoctl calls KEY [ITEM_ID], or vozzoctl calls --id CAMPAIGN_ID [ITEM_ID]"


@click.command()
@click.argument("key", required=False, shell_complete=complete_keys)
@click.argument("item_id", required=False)
@click.option("--id", "campaign_id", metavar="CAMPAIGN_ID",
              help="One campaign by its id (managed or not) instead of a key's batches; "
                   "a call's ITEM_ID may follow.")  # fmt: skip
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--page-size", type=click.IntRange(1, 100), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: stdout holds only the JSON document.")  # fmt: skip
@click.option("--show-pii", is_flag=True, help="Show phone numbers in full (masked otherwise).")
@common_options
def calls(
    key: str | None,
    item_id: str | None,
    campaign_id: str | None,
    page: int,
    page_size: int,
    fmt: str,
    show_pii: bool,
) -> int:
    """List the scheduled calls of KEY's campaigns, or show one call and its call logs.

    Calls of every batch of the key (`<name>`, `<name> #2`, …), in order, with their
    status and attempts. Phone numbers are masked (+91******7890) unless --show-pii.

    \b
    Example:
      vozzoctl calls winter-promo-2026
      vozzoctl calls winter-promo-2026 --page 3 --page-size 100
      vozzoctl calls winter-promo-2026 3b0f6a1e-…      # one call, with its call logs
      vozzoctl calls --id 6f1c2e4a-…                    # any campaign of the account
    """
    s = settings()
    lock = lockfile.load(Path(s.lockfile), s.api_url)
    if campaign_id is not None:
        if item_id is not None:
            raise UsageError("with --id, give at most the call's ITEM_ID", hint=_USAGE)
        item_id, label = key, lock.owner_of(campaign_id) or "-"
        listing = f"vozzoctl calls --id {campaign_id}"
    elif key is None:
        raise UsageError("name a KEY, or a campaign with --id", hint=_USAGE)
    else:
        chosen_keys(lock, (key,), s.lockfile)
        label, listing = key, f"vozzoctl calls {key}"
    batches = batches_for(lock, key, campaign_id)
    client = make_client(s)

    async def work() -> Any:
        nonlocal batches
        async with client:
            if campaign_id is not None and label == "-":  # not managed: its name from the API
                live = await client.live_campaign(campaign_id)
                batches = (Batch(campaign_id, live.name, live.total_records or 0, ""),)
            if item_id:
                return await find_call(client, batches, label, item_id, listing)
            return await read_calls_page(client, batches, label, page, page_size, listing)

    got = run_async(work)
    if item_id:
        row, detail = got
        render = call_json if fmt == "json" else call_text
        click.echo(render(label, row, detail, show_pii=show_pii))
    else:
        render_page = page_json if fmt == "json" else page_text
        click.echo(render_page(got, show_pii=show_pii))
    return 0
