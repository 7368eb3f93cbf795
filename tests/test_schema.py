"""The JSON Schema of manifests is generated from the models; the committed copies must match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vozzoctl.cli.schema import schema_text
from vozzoctl.manifest.models import json_schema

ROOT = Path(__file__).resolve().parent.parent
COPIES = [
    ROOT / "schemas/campaign.schema.json",
    ROOT / "campaigns.example/schema/campaign.schema.json",
]


@pytest.mark.parametrize("path", COPIES, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_schema_matches_the_models(path: Path) -> None:
    assert path.read_text(encoding="utf-8") == schema_text(), (
        f"{path.relative_to(ROOT)} drifted from the models; regenerate it with "
        f"`vozzoctl schema > {path.relative_to(ROOT)}`"
    )


def test_schema_is_2020_12_and_covers_both_kinds() -> None:
    doc = json_schema()
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    kinds = {
        v["properties"]["kind"]["const"]
        for v in doc["$defs"].values()
        if "kind" in v.get("properties", {})
    }
    assert kinds == {"Campaign", "Defaults"}
    spec = doc["$defs"]["CampaignSpec"]
    assert spec["additionalProperties"] is False
    assert set(spec["required"]) == {"name", "agent", "schedule", "retry"}


def test_schema_command_prints_it(vozzo) -> None:  # type: ignore[no-untyped-def]
    result = vozzo.run("schema")
    assert result.code == 0
    assert json.loads(result.out) == json_schema()
