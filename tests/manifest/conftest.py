"""Shared pieces of the manifest tests: a fixed today, a valid manifest, and a loader call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from vozzoctl.manifest import LoadResult, load_desired_state

FIXED_TODAY = dt.date(2026, 11, 1)  # every date in the fixtures is relative to this one
AGENT = "619ec26c-4957-4926-70f8-fe7391b3527e"


def campaign_yaml(
    key: str = "winter-promo",
    *,
    phones: tuple[str, ...] = ("+919812345678",),
    extra_spec: str = "",
    schedule: str = "    start_date: 2026-12-01\n    start_hour: 9\n    end_hour: 18\n",
    retry: str = "    max_attempts: 3\n",
) -> str:
    """A valid Campaign document; `extra_spec` lines go into `spec` (indented two spaces)."""
    recipients = "".join(f'    - phone: "{p}"\n' for p in phones)
    return (
        "apiVersion: vozzoctl/v1\n"
        "kind: Campaign\n"
        "metadata:\n"
        f"  name: {key}\n"
        "spec:\n"
        f"  name: Winter Promotion {key}\n"
        f"  agent: {AGENT}\n"
        "  schedule:\n"
        f"{schedule}"
        "  retry:\n"
        f"{retry}"
        f"{extra_spec}" + ("  recipients:\n" + recipients if phones else "")
    )


Load = Callable[..., LoadResult]


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Load:
    """Load manifests under `tmp_path` (run from there, so messages name relative paths)."""
    monkeypatch.chdir(tmp_path)

    def run(*paths: str, env: dict[str, str] | None = None) -> LoadResult:
        return load_desired_state(list(paths) or ["."], today=FIXED_TODAY, env=env or {})

    return run


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


@pytest.fixture
def files(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    def make(content: dict[str, str | bytes]) -> Path:
        write(tmp_path, content)
        return tmp_path

    return make
