"""Flags mean what they say: --api-url wherever it is given beats VOZZO_BASE_URL; a saved plan
is applied as it was made, never reshaped by flags; a damaged plan file is one clear error."""

from __future__ import annotations

import json

import pytest

from tests.conftest import API_URL, Vozzo

ELSEWHERE = "http://10.0.0.5:8000"  # plain http to another machine: refused if ever used


@pytest.mark.parametrize(
    "argv",
    [
        ["--api-url", API_URL, "whoami"],
        ["whoami", "--api-url", API_URL],
        ["--api-url", ELSEWHERE, "whoami", "--api-url", API_URL],
    ],
    ids=["before", "after", "both"],
)
def test_api_url_beats_the_environment_before_or_after_the_command(
    vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.setenv("VOZZO_BASE_URL", ELSEWHERE)
    r = vozzo.run(*argv)
    assert r.code == 0, r.all
    assert "10.0.0.5" not in r.all


def test_the_environment_is_used_without_the_flag(
    vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOZZO_BASE_URL", ELSEWHERE)
    r = vozzo.run("whoami")
    assert r.code == 1
    assert "refusing to send the API key over plain http:// to 10.0.0.5" in r.err


def test_a_saved_plan_records_the_flag_not_the_environment(
    vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch
) -> None:
    vozzo.campaign("promo")
    monkeypatch.setenv("VOZZO_BASE_URL", ELSEWHERE)
    assert vozzo.run("--api-url", API_URL, "plan", "--out", "plan.json").code == 0
    assert json.loads((vozzo.root / "plan.json").read_text())["api_url"] == API_URL


PLAN_FLAGS = {
    "file": (["-f", "campaigns"], "-f/--file"),
    "target": (["--target", "promo"], "--target"),
    "selector": (["--selector", "team=growth"], "--selector"),
    "prune": (["--prune"], "--prune"),
    "allow-replace": (["--allow-replace"], "--allow-replace"),
    "max-new": (["--max-new-recipients", "5"], "--max-new-recipients"),
    "exclude": (["--exclude-noncompliant"], "--exclude-noncompliant"),
    "pending-wait": (["--pending-wait", "60"], "--pending-wait"),
}


@pytest.mark.parametrize(("extra", "flag"), PLAN_FLAGS.values(), ids=PLAN_FLAGS.keys())
def test_apply_of_a_saved_plan_refuses_plan_shaping_flags(
    vozzo: Vozzo, extra: list[str], flag: str
) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("plan", "--out", "plan.json").code == 0
    r = vozzo.run("apply", "plan.json", *extra)
    assert r.code == 1
    assert r.err.splitlines()[0] == (
        f"error: apply plan.json does the saved plan as it was made: {flag} cannot change it"
    )
    assert r.err.splitlines()[1].startswith("hint: ")
    assert vozzo.live() == []
    assert vozzo.run("apply", "plan.json", "--auto-approve").code == 0  # not plan-shaping
    assert len(vozzo.live()) == 1


def _damage(doc: dict[str, object], what: str) -> str:
    if what == "not json":
        return "{not json"
    if what == "no targets":
        del doc["options"]["targets"]  # type: ignore[attr-defined]
    elif what == "targets not a list":
        doc["options"]["targets"] = "promo"  # type: ignore[index]
    elif what == "version 2":
        doc["format_version"] = 2
    elif what == "no options":
        del doc["options"]
    elif what == "no plan":
        del doc["plan"]
    elif what == "no inputs":
        del doc["inputs"]
    elif what == "a list":
        return "[1, 2]"
    return json.dumps(doc)


DAMAGED = {
    "not json": "plan.json: is not a plan file",
    "a list": "plan.json: is not a vozzoctl plan",
    "version 2": "plan.json: plan format_version 2; this vozzoctl reads version 1",
    "no options": "plan.json: is not a complete vozzoctl plan: options is missing",
    "no targets": "plan.json: is not a complete vozzoctl plan: options.targets is missing",
    "targets not a list": "plan.json: is not a complete vozzoctl plan: options.targets is",
    "no inputs": "plan.json: is not a complete vozzoctl plan: inputs is missing",
    "no plan": "plan.json: is not a complete vozzoctl plan: plan is missing",
}


@pytest.mark.parametrize(("what", "says"), DAMAGED.items(), ids=DAMAGED.keys())
def test_a_damaged_plan_file_is_one_clear_error(vozzo: Vozzo, what: str, says: str) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("plan", "--out", "plan.json").code == 0
    path = vozzo.root / "plan.json"
    path.write_text(_damage(json.loads(path.read_text()), what))
    r = vozzo.run("apply", "plan.json")
    assert r.code == 1
    lines = r.err.splitlines()
    assert lines[0].startswith(f"error: {says}"), r.err
    assert len(lines) == 2 and lines[1].startswith("hint: ")
    assert vozzo.live() == []
