"""Shared test scaffolding: a user at a terminal, with an in-process Vozzo emulator behind it.

`vozzo` runs `vozzoctl …` exactly as a user would (the same entry point, the same exit codes,
stdout and stderr apart) in a temporary campaigns folder, against the emulator through httpx's
ASGI transport, with vozzoctl's clock and the emulator's on the same fixed instant.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import settings

from vozzoctl import clock
from vozzoctl.cli import runtime
from vozzoctl.cli.main import run
from vozzoctl.emulator import DEFAULT_AGENT, EmulatorApp

pytest_plugins = ["vozzoctl.emulator.pytest_plugin"]

# CI draws the same examples on every run (derandomize): a landing is never blocked by an example
# that an unrelated change happened to draw. Hunting for new failures is what `dev` (random
# examples on every run) and `thorough` are for; a failure they find becomes an @example.
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)  # by hand, to hunt bugs
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

TOKEN = "test-token-5f1c9e"
READ_ONLY_TOKEN = "read-only-token-77d2"
AGENT = DEFAULT_AGENT
AGENT2 = "3f0c9a52-7d1e-4b8a-9c2f-5e6d7a8b9c01"
UNKNOWN_AGENT = "00000000-0000-4000-8000-000000000000"
API_URL = "http://127.0.0.1:9"  # never dialled: the ASGI transport answers


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {"tokens": [TOKEN], "read_only_tokens": [READ_ONLY_TOKEN], "agents": [AGENT, AGENT2]}


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def all(self) -> str:
        return self.out + self.err


@dataclass
class Vozzo:
    """A user's terminal: a campaigns folder, vozzoctl, and the emulator it talks to."""

    app: EmulatorApp
    root: Path
    capsys: pytest.CaptureFixture[str]

    @property
    def today(self) -> date:
        return clock.today_ist()

    def day(self, offset: int) -> str:
        return (self.today + timedelta(days=offset)).isoformat()

    def run(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = run(list(args))
        out, err = self.capsys.readouterr()
        return Result(code, out, err)

    def write(self, relpath: str, text: str) -> Path:
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def campaign(
        self,
        key: str,
        *,
        phones: list[str] | None = None,
        folder: str = "campaigns",
        **spec: Any,
    ) -> Path:
        """Write `campaigns/<key>.yaml`; `spec` overrides the defaults below, field by field."""
        doc: dict[str, Any] = {
            "apiVersion": "vozzoctl/v1",
            "kind": "Campaign",
            "metadata": {"name": key},
            "spec": {
                "name": key.replace("-", " ").title(),
                "agent": AGENT,
                "schedule": {"start_date": self.day(1), "start_hour": 9, "end_hour": 18},
                "retry": {"max_attempts": 3},
                "recipients": [
                    {"phone": p, "metadata": {"n": i}}
                    for i, p in enumerate(phones or ["+919820012345", "+919845023456"])
                ],
            },
        }
        for k, v in spec.items():
            if isinstance(v, dict) and isinstance(doc["spec"].get(k), dict):
                doc["spec"][k].update(v)
            else:
                doc["spec"][k] = v
        return self.write(f"{folder}/{key}.yaml", yaml.safe_dump(doc, sort_keys=False))

    def live(self) -> list[dict[str, Any]]:
        """Every campaign the emulator holds, as the API would show them."""
        return list(self.app.emulator.campaigns())

    def lockfile(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.root / "vozzo.lock").read_text())
        return data


@pytest.fixture
def vozzo(
    emulator_app: EmulatorApp,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Vozzo]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOZZO_API_KEY", TOKEN)
    monkeypatch.setenv("VOZZO_BASE_URL", API_URL)
    monkeypatch.delenv("NO_COLOR", raising=False)
    runtime.set_transport_factory(lambda: httpx.ASGITransport(app=emulator_app))
    clock.set_clock(emulator_app.emulator.now)
    try:
        yield Vozzo(emulator_app, tmp_path, capsys)
    finally:
        runtime.set_transport_factory(None)
        clock.set_clock(None)
