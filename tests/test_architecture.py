"""The shape STYLE.md promises: the pure packages import neither httpx nor click."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent / "campaigns.example" / "campaigns"

PURE = [
    "vozzoctl.manifest",
    "vozzoctl.manifest.loader",
    "vozzoctl.plan.planner",
    "vozzoctl.plan.model",
    "vozzoctl.render.plan",
    "vozzoctl.render.diagnostics",
    "vozzoctl.lockfile",
    "vozzoctl.model",
    "vozzoctl.pii",
]


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_not_import_the_network_or_the_cli(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "bad = sorted(m for m in ('httpx', 'click', 'fastapi', 'uvicorn') if m in sys.modules); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"


def test_validate_does_not_load_the_api_client_or_the_emulator() -> None:
    code = (
        "import sys; from vozzoctl.cli.main import run; "
        f"rc = run(['validate', '-f', {str(EXAMPLE)!r}]); "
        "print(rc, sorted(m for m in ('httpx', 'fastapi') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0 []"
