"""The emulator's HTTP surface: the Vozzo Campaign API of vozzo-api.md as a FastAPI app.

Handlers are async and render plain dicts into JSONResponse (no response-model validation on the
hot path); the models and examples below exist for the OpenAPI document only.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from vozzoctl.emulator import responses as doc
from vozzoctl.emulator import simulation
from vozzoctl.emulator.clock import Clock
from vozzoctl.emulator.emulator import ORG_ID, ORG_NAME, Emulator, Receive, Scope, Send
from vozzoctl.emulator.faults import FaultPlan
from vozzoctl.emulator.records import (
    Campaign,
    Item,
    analytics,
    campaign_object,
    campaign_row,
    item_detail,
    item_row,
)
from vozzoctl.emulator.validation import (
    Errors,
    check_update,
    parse_update,
    validate_create,
)
from vozzoctl.model import State

API_TITLE = "Vozzo Campaign API (vozzoctl emulator)"
API_VERSION = "v1alpha"
_TOKEN_RE = re.compile(r"^Token ([^\s]+)$")
NOT_PROVIDED = "Authentication credentials were not provided."
INVALID_TOKEN = "Invalid token."
READ_ONLY = "You do not have permission to perform this action."


class EmulatorApp(FastAPI):
    """A FastAPI app whose outermost layer is the emulator's (faults, body limit, request log)."""

    emulator: Emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.emulator.handle(scope, receive, send, super().__call__)
        else:
            await super().__call__(scope, receive, send)


class Principal:
    __slots__ = ("can_write", "org_id", "token")

    def __init__(self, token: str, org_id: int, can_write: bool) -> None:
        self.token = token
        self.org_id = org_id
        self.can_write = can_write


def create_app(
    *,
    tokens: list[str] | tuple[str, ...] | None = None,
    read_only_tokens: list[str] | tuple[str, ...] = (),
    agents: list[str] | tuple[str, ...] | None = None,
    state_file: str | Path | None = None,
    clock: Clock | None = None,
    speed: float = 1.0,
    seed: int = 0,
    latency_ms: int = 0,
    fail_rate: float = 0.0,
    fault_plan: FaultPlan | dict[str, Any] | list[Any] | str | Path | None = None,
    variant: str = "current",
    shapes: list[str] | tuple[str, ...] | frozenset[str] = (),
    list_lag: float = 0.0,
) -> EmulatorApp:
    """A Vozzo API emulator as an ASGI app; its controls are `app.emulator`.

    tokens: keys that may read and write (default: `emulator-token`, unless only read-only keys
    are given); read_only_tokens: keys answered 403 on writes; agents: the org's agent ids
    (default: the vendor's example agent); state_file: SQLite file (None: in memory); clock: a
    callable returning an aware datetime (default: the real clock); speed: emulated seconds per
    clock second; seed: makes call outcomes and `fail_rate` deterministic; latency_ms: added to
    every request; fail_rate: share of requests answered 503; fault_plan: see
    `vozzoctl.emulator.faults`; variant: "current" or "legacy" (the older draft's shapes);
    shapes: answer shapes that differ from the docs (`vozzoctl.emulator.shapes.SHAPES`);
    list_lag: seconds before a new campaign shows in the list answers.
    """
    emu = Emulator(
        tokens=tokens,
        read_only_tokens=read_only_tokens,
        agents=agents,
        state_file=state_file,
        clock=clock,
        speed=speed,
        seed=seed,
        latency_ms=latency_ms,
        fail_rate=fail_rate,
        fault_plan=fault_plan,
        variant=variant,
        shapes=shapes,
        list_lag=list_lag,
    )
    app = EmulatorApp(
        title=API_TITLE,
        version=API_VERSION,
        description="The Vozzo Campaign API as vozzoctl's emulator serves it (see vozzo-api.md).",
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    app.emulator = emu
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    _routes(app, emu)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = doc.finish(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


# ---- error shapes ------------------------------------------------------------------------------


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type"))}
        for e in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(
        {"detail": exc.detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


def _bad_request(errors: Errors) -> JSONResponse:
    first = next(iter(errors.values()))[0]
    field = next(iter(errors))
    message = first if len(errors) == 1 else f"{field}: {first} (and {len(errors) - 1} more)"
    return JSONResponse({"success": False, "message": message, "errors": errors}, status_code=400)


def _not_found(what: str) -> HTTPException:
    return HTTPException(404, f"{what} not found.")


def _json_invalid(e: ValueError | RecursionError) -> JSONResponse:
    pos = getattr(e, "pos", 0)
    return JSONResponse(
        {"detail": [{"loc": ["body", pos], "msg": "JSON decode error", "type": "json_invalid"}]},
        status_code=422,
    )


# ---- routes -----------------------------------------------------------------------------------

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


def _routes(app: EmulatorApp, emu: Emulator) -> None:
    legacy = emu.variant == "legacy"

    async def principal(request: Request) -> Principal:
        header = request.headers.get("authorization")
        if not header:
            raise HTTPException(401, NOT_PROVIDED, headers={"WWW-Authenticate": "Token"})
        m = _TOKEN_RE.match(header)
        token = m.group(1) if m else None
        if token is not None and token in emu.tokens:
            return Principal(token, ORG_ID, True)
        if token is not None and token in emu.read_only_tokens:
            return Principal(token, ORG_ID, False)
        raise HTTPException(401, INVALID_TOKEN, headers={"WWW-Authenticate": "Token"})

    async def writer(who: Principal = Depends(principal)) -> Principal:  # noqa: B008
        if not who.can_write:
            raise HTTPException(403, READ_ONLY)
        return who

    def campaign_or_404(who: Principal, campaign_id: uuid.UUID, now: datetime) -> Campaign:
        c = emu.store.get(who.org_id, str(campaign_id), now)
        if c is None:
            raise _not_found("Campaign")
        return c

    def agent_or_404(agent_uuid: uuid.UUID) -> str:
        agent = str(agent_uuid)
        if agent not in emu.agents:
            raise _not_found("Agent")
        return agent

    reader = Depends(principal)
    write = Depends(writer)

    if not legacy:

        @app.get("/v1alpha/auth/me", tags=["auth"], responses=doc.responses(doc.Me))
        async def auth_me(who: Principal = reader) -> JSONResponse:
            """Who the key belongs to (the older draft's path; a client falls back to a list)."""
            started = emu.now().replace(microsecond=0)
            perms = ["campaign:read", "campaign:write"] if who.can_write else ["campaign:read"]
            return JSONResponse(
                {
                    "user_id": str(uuid.uuid5(uuid.NAMESPACE_URL, "vozzo-emulator:" + who.token)),
                    "email": "emulator@vozzo.invalid",
                    "name": "Vozzo Emulator",
                    "organization_id": who.org_id,
                    "organization_name": ORG_NAME,
                    "permissions": perms,
                    "created_at": datetime(2025, 1, 1, tzinfo=UTC).isoformat(),
                    "last_login": started.isoformat(),
                }
            )

    @app.post(
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
        app.post(
            path,
            tags=["campaigns"],
            include_in_schema=in_schema,
            responses=doc.responses(doc.Updated, 400, 403, 404, not_found="Campaign not found."),
            operation_id=None if in_schema else "update_campaign_no_slash",
        )(update_campaign)

    @app.get("/v1alpha/campaigns", tags=["campaigns"], responses=doc.responses(doc.CampaignList))
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

    @app.get(
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

    @app.get(
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

    @app.get(
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

    @app.get(
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

    if legacy:

        @app.get(
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

        @app.get(
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

    @app.get(
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
