"""The JSON Schema of manifests is generated from the models; the committed copies must match."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

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
    # what a folder's Defaults may supply is left to validate, which sees the Defaults
    assert spec["required"] == ["name"]
    assert "required" not in doc["$defs"]["Schedule"] and "required" not in doc["$defs"]["Retry"]
    assert "required" not in doc["$defs"]["DefaultsSpec"]


def test_schema_command_prints_it(vozzo) -> None:  # type: ignore[no-untyped-def]
    result = vozzo.run("schema")
    assert result.code == 0
    assert json.loads(result.out) == json_schema()


class EditorLoader(yaml.SafeLoader):
    """YAML as an editor's language server reads it: dates stay text (YAML 1.2 has no
    timestamps), so they meet the schema's string patterns as they would in the editor."""


EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

EXAMPLES = sorted(
    p
    for root in (ROOT / "campaigns.example", ROOT / "vozzoctl/data/example")
    for p in root.rglob("*.yaml")
    if "campaigns" in p.relative_to(root).parts
)


def schema_validator() -> Any:
    doc = json.loads((ROOT / "schemas/campaign.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(doc)
    return jsonschema.Draft202012Validator(doc)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_manifest_is_valid_against_the_committed_schema(path: Path) -> None:
    validator = schema_validator()
    docs = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=EditorLoader))
    assert docs
    for doc in docs:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
        assert errors == []


def test_the_examples_cover_both_kinds_and_the_schema_still_refuses() -> None:
    kinds = {
        doc["kind"]
        for p in EXAMPLES
        for doc in yaml.load_all(p.read_text(encoding="utf-8"), Loader=EditorLoader)
    }
    assert kinds == {"Campaign", "Defaults"}
    validator = schema_validator()
    campaign = {
        "apiVersion": "vozzoctl/v1",
        "kind": "Campaign",
        "metadata": {"name": "promo"},
        "spec": {"name": "Promo", "schedule": {"start_hour": 9}},
    }
    assert validator.is_valid(campaign)  # the rest may come from Defaults
    assert not validator.is_valid({**campaign, "spec": {"schedule": {}}})  # no name
    assert not validator.is_valid({**campaign, "spec": {"name": "P", "schedul": {}}})
    assert not validator.is_valid({**campaign, "spec": {"name": "P", "agent": "x"}})
    hours = {"name": "P", "schedule": {"start_hour": 24}}
    assert not validator.is_valid({**campaign, "spec": hours})
    defaults = {"apiVersion": "vozzoctl/v1", "kind": "Defaults", "spec": {"name": "P"}}
    assert not validator.is_valid(defaults)  # a Defaults document sets no campaign name
