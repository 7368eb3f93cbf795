from __future__ import annotations

import json
from pathlib import Path

from vozzoctl.emulator.openapi import render

COMMITTED = Path(__file__).resolve().parents[2] / "schemas" / "vozzo-openapi.json"
REGENERATE = "python -m vozzoctl.emulator.openapi > schemas/vozzo-openapi.json"


def test_committed_openapi_document_matches_the_emulator() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(), (
        f"schemas/vozzo-openapi.json is stale; regenerate it with: {REGENERATE}"
    )


def test_openapi_document_has_no_emulator_only_paths() -> None:
    paths = json.loads(render())["paths"]
    assert not [p for p in paths if p.startswith("/_")]
    assert len(paths) == 10
