"""The live account's campaigns, managed or not: for people who browse before they import.

Without an agent, `GET /v1alpha/campaigns` (limit/offset pages, newest first); with one, the
by-agent endpoint (page/page_size pages). Each campaign is shown with the key that manages it,
when the lockfile has one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from vozzoctl.api import VozzoClient
from vozzoctl.errors import NotFoundError
from vozzoctl.lockfile import Lockfile
from vozzoctl.model import State


@dataclass(frozen=True)
class Listed:
    campaign_id: str
    name: str
    state: str
    agent_id: str | None
    created_at: dt.datetime | None
    processed: int | None
    total: int | None
    key: str | None  # the lockfile key that manages it

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "name": self.name,
            "state": self.state,
            "agent_id": self.agent_id,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "processed": self.processed,
            "total": self.total,
            "key": self.key,
        }


async def list_account(
    client: VozzoClient, lock: Lockfile, *, agent: str | None, state: State | None
) -> list[Listed]:
    """Every campaign of the account (or of `agent`), in the API's order, each once."""
    out: list[Listed] = []
    if agent is None:
        async for row in client.list_campaigns(state=state):
            out.append(Listed(row.campaign_id, row.campaign_name or "", row.campaign_state.value,
                              row.agent_id, row.created_at, row.processed_records,
                              row.total_records, lock.owner_of(row.campaign_id)))  # fmt: skip
        return out
    async for c in client.campaigns_by_agent(agent):
        if state is not None and c.campaign_state is not state:
            continue
        name = c.campaign_config.campaign_name or c.campaign_name or ""
        out.append(Listed(c.campaign_id, name, c.campaign_state.value, c.agent_id or agent,
                          c.created_at, c.processed_records, c.total_records,
                          lock.owner_of(c.campaign_id)))  # fmt: skip
    if not out and not await client.agent_exists(agent):
        raise NotFoundError(
            f"agent {agent} does not exist in this organisation",
            hint="check the agent's UUID in the Vozzo platform",
        )
    return out
