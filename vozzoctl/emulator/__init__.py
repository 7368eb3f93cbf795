"""A local Vozzo Campaign API: the contract of vozzo-api.md as a real ASGI app.

    from vozzoctl.emulator import create_app
    app = create_app(tokens=["t"], agents=["619ec26c-4957-4926-70f8-fe7391b3527e"])
    httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vozzo.test")
    app.emulator.advance(minutes=30); app.emulator.requests; app.emulator.campaigns()

Served by `vozzoctl emulator serve`, or over a loopback socket from Python with
`vozzoctl.emulator.server.running_emulator(app)`. Importing this package imports FastAPI.
"""

from __future__ import annotations

from vozzoctl.emulator.app import EmulatorApp, create_app
from vozzoctl.emulator.clock import IST, EmulatedClock, ManualClock
from vozzoctl.emulator.emulator import DEFAULT_AGENT, DEFAULT_TOKEN, Emulator, RequestRecord
from vozzoctl.emulator.faults import FaultPlan, FaultPlanError
from vozzoctl.emulator.transport import SyncASGITransport

__all__ = [
    "DEFAULT_AGENT",
    "DEFAULT_TOKEN",
    "IST",
    "EmulatedClock",
    "Emulator",
    "EmulatorApp",
    "FaultPlan",
    "FaultPlanError",
    "ManualClock",
    "RequestRecord",
    "SyncASGITransport",
    "create_app",
]
