"""Campaigns: create, update (every input a query parameter), list, detail, analytics."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from vozzoctl.emulator import responses as doc
from vozzoctl.emulator import simulation
from vozzoctl.emulator.emulator import Emulator
from vozzoctl.emulator.records import Campaign, Item, analytics, campaign_object, campaign_row
from vozzoctl.emulator.routes.deps import Deps, Principal
from vozzoctl.emulator.routes.deps import bad_request as _bad_request
from vozzoctl.emulator.routes.deps import json_invalid as _json_invalid
from vozzoctl.emulator.routes.deps import not_found as _not_found
from vozzoctl.emulator.validation import check_update, parse_update, validate_create
from vozzoctl.model import State

_CREATE_BODY: dict[str, Any] = {
    "type": "object",
    "required": [
        "agent_uuid",
        "campaign_name",
        "campaign_start_date",
        "campaign_start_time",
        "campaign_end_time",
        "campaign_allow_weekends",
        "campaign_max_retry",
        "campaign_data",
    ],
    "properties": {
        "agent_uuid": {"type": "string", "format": "uuid"},
        "campaign_name": {"type": "string", "minLength": 1},
        "campaign_start_date": {"type": "string", "format": "date"},
        "campaign_end_date": {"type": ["string", "null"], "format": "date"},
        "campaign_start_time": {"type": "string", "pattern": "^([01][0-9]|2[0-3])$"},
        "campaign_end_time": {"type": "string", "pattern": "^([01][0-9]|2[0-3])$"},
        "campaign_allow_weekends": {"type": "boolean"},
        "campaign_max_retry": {"type": "integer", "minimum": 1, "maximum": 5},
        "campaign_max_retry_per_day": {"type": "integer", "minimum": 1, "maximum": 5},
        "campaign_data": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["to_phone_number", "agent_language"],
                "properties": {
                    "to_phone_number": {"type": "string", "pattern": r"^\+[1-9]\d{6,14}$"},
                    "agent_language": {"type": "string"},
                    "metadata": {"type": "string", "description": "A JSON object, as a string."},
                },
            },
        },
    },
}


def router(emu: Emulator, deps: Deps) -> APIRouter:
    router = APIRouter()
    legacy, reader, write = deps.legacy, deps.reader, deps.write
    campaign_or_404 = deps.campaign_or_404

    @router.post(
        "/v1alpha/campaign",
        tags=["campaigns"],
        status_code=200 if legacy else 201,
        responses=doc.responses(
            doc.Created, 400, 403, 404, 413, status=201, not_found="Agent not found."
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _CREATE_BODY}},
            }
        },
    )
    async def create_campaign(request: Request, who: Principal = write) -> JSONResponse:
        """Create a campaign in TO_START. No idempotency: the same body twice makes two."""
        raw = await request.body()
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError) as e:
            return _json_invalid(e)
        now = emu.now()
        new, errors = validate_create(body, emu.today())
        if new is None:
            return _bad_request(errors)
        if new.agent_id not in emu.agents:
            raise _not_found("Agent")
        c = emu.store.create(who.org_id, new, now)
        if legacy:
            return JSONResponse({"campaign_id": c.id, "records": len(c.items), "org_id": c.org_id})
        return JSONResponse(
            {
                "success": True,
                "message": "Campaign created successfully",
                "data": {
                    "campaign_id": c.id,
                    "campaign_state": c.state.value,
                    "total_records": len(c.items),
                },
            },
            status_code=201,
        )

    async def update_campaign(
        *,
        request: Request,
        campaign_id: uuid.UUID,
        who: Principal = write,
        campaign_allow_weekends: Annotated[
            str | None, Query(description="Required: true or false.")
        ] = None,
        campaign_status: Annotated[
            str | None, Query(description="TO_START|RUNNING|SUSPENDED|ENDED")
        ] = None,
        campaign_start_date: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
        campaign_end_date: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
        campaign_max_retry: Annotated[str | None, Query(description="1-5")] = None,
        campaign_max_retry_per_day: Annotated[str | None, Query(description="1-5")] = None,
        campaign_start_time: Annotated[str | None, Query(description='"00".."23"')] = None,
        campaign_end_time: Annotated[str | None, Query(description='"00".."23"')] = None,
    ) -> JSONResponse:
        """Change schedule, retries or state; every input is a query parameter."""
        now = emu.now()
        c = campaign_or_404(who, campaign_id, now)
        changes, errors = parse_update(dict(request.query_params))
        if changes is None:
            return _bad_request(errors)

        def apply() -> JSONResponse:
            errors = check_update(
                changes,
                state=c.state,
                start_date=c.start_date,
                end_date=c.end_date,
                start_hour=c.start_hour,
                end_hour=c.end_hour,
                max_total=c.max_total,
                max_per_day=c.max_per_day,
                today=emu.today(),
            )
            if errors:
                return _bad_request(errors)
            before = campaign_object(c, now)
            after = campaign_object(c, now)
            _preview(c, changes, after)
            if after == before:  # the same values again: accepted, nothing changes
                return _updated(before)
            if c.state.final:
                return _bad_request(
                    {
                        "campaign_status": [
                            f"The campaign is {c.state}; it can no longer be changed."
                        ]
                    }
                )

            def change(c: Campaign) -> list[Item]:
                updated: list[Item] = []
                c.allow_weekends = changes.allow_weekends
                c.start_date = changes.start_date or c.start_date
                c.end_date = changes.end_date or c.end_date
                c.start_hour = c.start_hour if changes.start_hour is None else changes.start_hour
                c.end_hour = c.end_hour if changes.end_hour is None else changes.end_hour
                c.max_total = changes.max_total or c.max_total
                c.max_per_day = changes.max_per_day or c.max_per_day
                if changes.state is not None and changes.state != c.state:
                    c.state = changes.state
                    if c.state is State.RUNNING:
                        simulation.start_running(c, now)
                        updated.extend(c.items)
                    elif c.state is State.ENDED:
                        updated.extend(simulation.cancel_pending(c))
                c.wake_at = None  # the window may have moved: look again on the next read
                c.updated_at = now
                return updated

            emu.store.update(c, change)
            return _updated(campaign_object(c, now))

        return emu.store.read(apply)

    for path, in_schema in (
        ("/v1alpha/campaign/update-campaign/{campaign_id}/", True),
        ("/v1alpha/campaign/update-campaign/{campaign_id}", False),
    ):
        router.post(
            path,
            tags=["campaigns"],
            include_in_schema=in_schema,
            responses=doc.responses(doc.Updated, 400, 403, 404, not_found="Campaign not found."),
            operation_id=None if in_schema else "update_campaign_no_slash",
        )(update_campaign)

    @router.get("/v1alpha/campaigns", tags=["campaigns"], responses=doc.responses(doc.CampaignList))
    async def list_campaigns(
        who: Principal = reader,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
        state: Annotated[State | None, Query()] = None,
    ) -> JSONResponse:
        """The org's campaigns, newest first, paged by limit and offset."""
        now = emu.now()

        def render() -> dict[str, Any]:
            rows = emu.listed(emu.store.campaigns(who.org_id, now), now)
            if state is not None:
                rows = [c for c in rows if c.state is state]
            page = [campaign_row(c, now) for c in rows[offset : offset + limit]]
            return {"campaigns": page, "total": len(rows), "limit": limit, "offset": offset}

        return JSONResponse(emu.store.read(render))

    @router.get(
        "/v1alpha/campaign/{campaign_id}",
        tags=["campaigns"],
        responses=doc.responses(doc.CampaignObject, 404, not_found="Campaign not found."),
    )
    async def campaign_detail(campaign_id: uuid.UUID, who: Principal = reader) -> JSONResponse:
        """One campaign: configuration, state and progress."""
        now = emu.now()

        def render() -> dict[str, Any]:
            return campaign_object(campaign_or_404(who, campaign_id, now), now)

        return JSONResponse(emu.store.read(render))

    @router.get(
        "/v1alpha/campaigns/analytics/{campaign_id}",
        tags=["campaigns"],
        responses=doc.responses(doc.Analytics, 404, not_found="Campaign not found."),
    )
    async def campaign_analytics(campaign_id: uuid.UUID, who: Principal = reader) -> JSONResponse:
        """Figures derived from the campaign's finished calls."""
        now = emu.now()

        def render() -> dict[str, Any]:
            return analytics(campaign_or_404(who, campaign_id, now), now)

        return JSONResponse(emu.store.read(render))

    return router


def _preview(c: Campaign, changes: Any, probe: dict[str, Any]) -> None:
    """What the campaign object would be after `changes`, without touching the campaign."""
    probe["campaign_state"] = (changes.state or c.state).value
    if changes.start_date:
        probe["campaign_start_date"] = changes.start_date.isoformat()
    if changes.end_date:
        probe["campaign_end_date"] = changes.end_date.isoformat()
    cfg = probe["campaign_config"]
    cfg["timeslot_settings"]["allow_on_weekends"] = changes.allow_weekends
    if changes.start_hour is not None:
        cfg["timeslot_settings"]["start_time"] = f"{changes.start_hour:02d}"
    if changes.end_hour is not None:
        cfg["timeslot_settings"]["end_time"] = f"{changes.end_hour:02d}"
    if changes.max_total:
        cfg["retry_options"]["max_calls_total"] = changes.max_total
        if c.max_per_day is None and not changes.max_per_day:
            cfg["retry_options"]["max_calls_in_a_day"] = changes.max_total
    if changes.max_per_day:
        cfg["retry_options"]["max_calls_in_a_day"] = changes.max_per_day


def _updated(campaign: dict[str, Any]) -> JSONResponse:
    return JSONResponse(
        {"success": True, "message": "Campaign updated successfully", "data": campaign}
    )
