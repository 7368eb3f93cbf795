"""The emulator's HTTP surface: the Vozzo Campaign API of vozzo-api.md as a FastAPI app.

The app holds the emulator (`app.emulator`), the error shapes and the OpenAPI document; the
routes live in `vozzoctl.emulator.routes`, one APIRouter per resource. Handlers are async and
render plain dicts into JSONResponse (no response-model validation on the hot path); the models
of `vozzoctl.emulator.responses` exist for the OpenAPI document only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from vozzoctl.emulator import responses as doc
from vozzoctl.emulator.clock import Clock
from vozzoctl.emulator.emulator import Emulator, Receive, Scope, Send
from vozzoctl.emulator.faults import FaultPlan
from vozzoctl.emulator.routes import agents as agent_routes
from vozzoctl.emulator.routes import auth as auth_routes
from vozzoctl.emulator.routes import campaigns as campaign_routes
from vozzoctl.emulator.routes import items as item_routes
from vozzoctl.emulator.routes.deps import make_deps

API_TITLE = "Vozzo Campaign API (vozzoctl emulator)"
API_VERSION = "v1alpha"


class EmulatorApp(FastAPI):
    """A FastAPI app whose outermost layer is the emulator's (faults, body limit, request log)."""

    emulator: Emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.emulator.handle(scope, receive, send, super().__call__)
        else:
            await super().__call__(scope, receive, send)


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
    deps = make_deps(emu)
    for routes in (auth_routes, campaign_routes, agent_routes, item_routes):
        app.include_router(routes.router(emu, deps))
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
