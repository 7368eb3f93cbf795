"""Agents: their campaigns (page/page_size), and how many they have."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, Response

from vozzoctl.emulator import responses as doc
from vozzoctl.emulator.emulator import Emulator
from vozzoctl.emulator.records import campaign_json
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
    ) -> Response:
        """The agent's campaigns (full objects), newest first, paged by page and page_size."""
        agent = agent_or_404(agent_uuid)
        now = emu.now()

        def render() -> str:
            start = (page - 1) * page_size
            if emu.list_lag:  # which campaigns show depends on when each was made: all of them
                rows = emu.listed(emu.store.campaigns(who.org_id, now, agent_id=agent), now)
                shown, total = rows[start : start + page_size], len(rows)
            else:
                shown, total = emu.store.agent_page(who.org_id, agent, now, start, page_size)
            if not total:
                raise HTTPException(404, "No campaigns found for this agent.")
            # {"campaigns": [campaign_object, ...], "page", "page_size", "total"}, joined from
            # each campaign's JSON text (`campaign_json`)
            rows_json = ",".join(campaign_json(c, now) for c in shown)
            paging = f'"page":{page},"page_size":{page_size},"total":{total}'
            return f'{{"campaigns":[{rows_json}],{paging}}}'

        return Response(emu.store.read(render), media_type="application/json")

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
