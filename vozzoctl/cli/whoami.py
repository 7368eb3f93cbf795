"""`vozzoctl whoami`: check the key and say whom it belongs to."""

from __future__ import annotations

import json
from typing import Any

import click

from vozzoctl.cli.common import common_options, settings
from vozzoctl.cli.runtime import make_client, run_async


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: stdout holds only the JSON document.")  # fmt: skip
@common_options
def whoami(fmt: str) -> int:
    """Check the API key (VOZZO_API_KEY) and print the user and organisation it belongs to.

    Where the API has no identity endpoint, a one-campaign read proves the key works and
    the identity is reported as unknown. Exit 1 when the key is rejected.

    \b
    Example:
      export VOZZO_API_KEY=...        # from the Vozzo platform; the `Token ` prefix is optional
      vozzoctl whoami
      vozzoctl whoami --format json | jq -r .organization.name
    """
    s = settings()
    client = make_client(s)

    async def work() -> Any:
        async with client:
            return await client.whoami()

    me = run_async(work)
    if fmt == "json":
        doc = {
            "format_version": 1,
            "api_url": s.api_url,
            "key_valid": True,
            "identity_known": me.known,
            "user": {"id": me.user_id, "name": me.name, "email": me.email} if me.known else None,
            "organization": (
                {"id": me.organization_id, "name": me.organization_name} if me.known else None
            ),
            "permissions": list(me.permissions),
            "can_write": me.can_write,
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    if not me.known:
        click.echo(f"The key works: {s.api_url} accepted it.")
        click.echo("Identity unknown: this API has no /v1alpha/auth/me to say whom it belongs to.")
        return 0
    who = " ".join(p for p in (me.name, f"<{me.email}>" if me.email else None) if p)
    click.echo(f"User:          {who or me.user_id or 'unknown'}")
    org = me.organization_name or "unknown"
    if me.organization_id is not None:
        org += f" (id {me.organization_id})"
    click.echo(f"Organisation:  {org}")
    if me.permissions:
        click.echo(f"Permissions:   {', '.join(me.permissions)}")
    if me.can_write is False:
        click.echo("This key is read-only: plan works, apply will be refused (403).")
    click.echo(f"API:           {s.api_url}")
    return 0
