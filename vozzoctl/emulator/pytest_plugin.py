"""Pytest fixtures for testing against the Vozzo API emulator.

Use from a conftest with `from vozzoctl.emulator.pytest_plugin import *  # noqa: F403`
(or list it in the root conftest's `pytest_plugins`). Fixtures:

- `emulator_now`: the fixed instant the emulated clock starts at (Monday 2026-03-02 10:00 IST);
  override it to start elsewhere.
- `emulator_variant`: "current" (default) or "legacy"; parametrize it to run a test on both.
- `emulator_options`: a dict of extra `create_app` arguments; override it per module.
- `emulator_app`: a fresh in-process app with a ManualClock at `emulator_now`, token
  `emulator-token` and agent `DEFAULT_AGENT`; its controls are `emulator_app.emulator`.
- `emulator`: `emulator_app.emulator` (advance the clock, fault plans, request log, campaigns).
- `emulator_client`: a sync `httpx.Client` into the app in-process, authorised with the
  default token, base URL `http://vozzo.test`.
- `emulator_transport`: an `httpx.ASGITransport` into the app, for an `httpx.AsyncClient`
  (base URL `http://vozzo.test`) in async tests.
- `emulator_server`: the same app over a real loopback socket; yields its base URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from vozzoctl.emulator.app import EmulatorApp, create_app
from vozzoctl.emulator.clock import ManualClock
from vozzoctl.emulator.emulator import DEFAULT_TOKEN, Emulator
from vozzoctl.emulator.server import running_emulator
from vozzoctl.emulator.transport import SyncASGITransport

EMULATOR_NOW = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # Monday, 10:00 IST
IN_PROCESS_URL = "http://vozzo.test"

__all__ = [
    "emulator",
    "emulator_app",
    "emulator_client",
    "emulator_now",
    "emulator_options",
    "emulator_server",
    "emulator_transport",
    "emulator_variant",
]


@pytest.fixture
def emulator_now() -> datetime:
    return EMULATOR_NOW


@pytest.fixture
def emulator_variant() -> str:
    return "current"


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {}


@pytest.fixture
def emulator_app(
    emulator_now: datetime, emulator_variant: str, emulator_options: dict[str, Any]
) -> Iterator[EmulatorApp]:
    options: dict[str, Any] = {"clock": ManualClock(emulator_now), "variant": emulator_variant}
    options.update(emulator_options)
    app = create_app(**options)
    yield app
    app.emulator.close()


@pytest.fixture
def emulator(emulator_app: EmulatorApp) -> Emulator:
    return emulator_app.emulator


@pytest.fixture
def emulator_client(emulator_app: EmulatorApp) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=SyncASGITransport(emulator_app),
        base_url=IN_PROCESS_URL,
        headers={"Authorization": f"Token {DEFAULT_TOKEN}"},
    ) as client:
        yield client


@pytest.fixture
def emulator_transport(emulator_app: EmulatorApp) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=emulator_app)


@pytest.fixture
def emulator_server(emulator_app: EmulatorApp) -> Iterator[str]:
    with running_emulator(emulator_app) as base_url:
        yield base_url
