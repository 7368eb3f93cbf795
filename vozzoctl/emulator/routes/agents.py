"""Agents: their campaigns (page/page_size), and how many they have."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse

from vozzoctl.emulator import responses as doc
from vozzoctl.emulator.emulator import Emulator
from vozzoctl.emulator.records import campaign_object
from vozzoctl.emulator.routes.deps import Deps, Principal
from vozzoctl.model import State


def router(emu: Emulator, deps: Deps) -> APIRouter:
    router = APIRouter()
    reader, agent_or_404 = deps.reader, deps.agent_or_404

    @router.get(
        "/v1alpha/campaigns/agent/{agent_uuid}",
        tags=["agents"],
        responses=doc.responses(
            doc.AgentCampaigns, 404, not_found="Agent not found, or no campaigns."
        ),
    )
    async def campaigns_by_agent(
        agent_uuid: uuid.UUID,
        who: Principal = reader,
        page: Annotated[int, Query(ge=1)] = 1,
        page_size: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> JSONResponse:
        """The agent's campaigns (full objects), newest first, paged by page and page_size."""
        agent = agent_or_404(agent_uuid)
        now = emu.now()

        def render() -> dict[str, Any]:
            rows = emu.listed(emu.store.campaigns(who.org_id, now, agent_id=agent), now)
            if not rows:
                raise HTTPException(404, "No campaigns found for this agent.")
            start = (page - 1) * page_size
            return {
                "campaigns": [campaign_object(c, now) for c in rows[start : start + page_size]],
                "page": page,
                "page_size": page_size,
                "total": len(rows),
            }

        return JSONResponse(emu.store.read(render))

    @router.get(
        "/v1alpha/campaigns/agent/{agent_uuid}/count",
        tags=["agents"],
        responses=doc.responses(doc.AgentCount, 404, not_found="Agent not found."),
    )
    async def campaign_count_by_agent(
        agent_uuid: uuid.UUID, who: Principal = reader
    ) -> JSONResponse:
        """How many campaigns the agent has: all, active, finished."""
        agent = agent_or_404(agent_uuid)
        now = emu.now()
        active = (State.TO_START, State.RUNNING, State.SUSPENDED)

        def render() -> dict[str, Any]:
            rows = emu.store.campaigns(who.org_id, now, agent_id=agent)
            return {
                "agent_uuid": agent,
                "total_campaigns": len(rows),
                "active_campaigns": sum(1 for c in rows if c.state in active),
                "completed_campaigns": sum(1 for c in rows if c.state.final),
            }

        return JSONResponse(emu.store.read(render))

    return router
