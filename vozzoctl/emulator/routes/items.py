"""Scheduled calls: a campaign's, paged (limit/offset in the older draft), and one with its logs."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from vozzoctl.emulator import responses as doc
from vozzoctl.emulator.emulator import Emulator
from vozzoctl.emulator.records import item_detail, item_row
from vozzoctl.emulator.routes.deps import Deps, Principal
from vozzoctl.emulator.routes.deps import not_found as _not_found


def router(emu: Emulator, deps: Deps) -> APIRouter:
    router = APIRouter()
    legacy, reader, campaign_or_404 = deps.legacy, deps.reader, deps.campaign_or_404

    if legacy:

        @router.get(
            "/v1alpha/campaign/{campaign_id}/items",
            tags=["items"],
            responses={404: {"description": "Campaign not found."}},  # legacy: not documented
        )
        async def legacy_items(
            campaign_id: uuid.UUID,
            who: Principal = reader,
            limit: Annotated[int, Query(ge=1, le=100)] = 20,
            offset: Annotated[int, Query(ge=0)] = 0,
        ) -> JSONResponse:
            """The older draft: scheduled calls paged by limit and offset."""
            now = emu.now()

            def render() -> dict[str, Any]:
                c = campaign_or_404(who, campaign_id, now)
                rows = c.items[offset : offset + limit]
                return {
                    "scheduled_calls": [item_row(it, now, legacy=True) for it in rows],
                    "total": len(c.items),
                    "limit": limit,
                    "offset": offset,
                }

            return JSONResponse(emu.store.read(render))

    else:

        @router.get(
            "/v1alpha/campaign/{campaign_id}/items",
            tags=["items"],
            responses=doc.responses(doc.ItemPage, 404, not_found="Campaign not found."),
        )
        async def campaign_items(
            campaign_id: uuid.UUID,
            who: Principal = reader,
            page: Annotated[int, Query(ge=1)] = 1,
            page_size: Annotated[int, Query(ge=1, le=100)] = 20,
        ) -> JSONResponse:
            """The campaign's scheduled calls in `campaign_data` order, paged by page."""
            now = emu.now()

            def render() -> dict[str, Any]:
                c = campaign_or_404(who, campaign_id, now)
                start = (page - 1) * page_size
                return {
                    "items": [item_row(it, now) for it in c.items[start : start + page_size]],
                    "page": page,
                    "page_size": page_size,
                    "total": len(c.items),
                }

            return JSONResponse(emu.store.read(render))

    @router.get(
        "/v1alpha/campaign/{campaign_id}/item/{scheduled_item_id}",
        tags=["items"],
        responses=doc.responses(doc.ItemDetail, 404, not_found="Campaign or item not found."),
    )
    async def campaign_item(
        campaign_id: uuid.UUID, scheduled_item_id: uuid.UUID, who: Principal = reader
    ) -> JSONResponse:
        """One scheduled call with its call logs."""
        now = emu.now()
        wanted = str(scheduled_item_id)

        def render() -> dict[str, Any]:
            c = campaign_or_404(who, campaign_id, now)
            for it in c.items:
                if it.id == wanted:
                    return item_detail(it, now, legacy=legacy)
            raise _not_found("Scheduled item")

        return JSONResponse(emu.store.read(render))

    return router
