"""A plan says "the live account matches the manifests" only when that is so.

Whatever apply will not do — an unknown agent, a key no manifest declares whose campaigns still
run, a new key declared ENDED, a removed end date — is reported as such in every format, and a
--target or --selector that names nothing is an error, not an empty plan.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import API_URL, UNKNOWN_AGENT, Result, Vozzo
from vozzoctl.cli import runtime
from vozzoctl.emulator.server import running_emulator

MATCHES = "the live account matches the manifests"
DIFFERS = "No changes apply can make, but the live account does not match the manifests."


def every_format(vozzo: Vozzo, *flags: str) -> tuple[Result, dict[str, object], str]:
    text = vozzo.run("plan", "--detailed-exitcode", *flags)
    js = vozzo.run("plan", "--format", "json", *flags)
    md = vozzo.run("plan", "--format", "markdown", *flags)
    assert MATCHES not in text.out + js.out + md.out
    doc = json.loads(js.out)
    assert isinstance(doc, dict)
    return text, doc, md.out


def test_an_unknown_agent_is_an_error_not_no_changes(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", agent=UNKNOWN_AGENT)
    text, doc, md = every_format(vozzo)
    assert text.code == 1
    assert f"agent {UNKNOWN_AGENT} does not exist" in text.out
    assert text.out.rstrip().endswith("No plan. 1 error: this plan cannot be applied.")
    assert doc["errors"] and f"agent {UNKNOWN_AGENT}" in md


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (("--target", "promo", "--target", "promoo"), "--target 'promoo' names no key"),
        (("--selector", "team=nobody"), "--selector 'team=nobody' matches no manifest"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_target_or_selector_naming_nothing_is_an_error(
    vozzo: Vozzo, command: str, flags: tuple[str, ...], said: str
) -> None:
    vozzo.campaign("promo")
    extra = ("--auto-approve",) if command == "apply" else ("--detailed-exitcode",)
    r = vozzo.run(command, *flags, *extra)
    assert r.code == 1
    assert r.err.startswith(f"error: {said}"), r.err
    assert "hint: check the keys (metadata.name)" in r.err
    assert r.out == ""
    assert vozzo.app.emulator.requests == []  # refused before the account is read


def gone_from_the_manifests(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", state="RUNNING")
    vozzo.campaign("other")
    assert vozzo.run("apply", "--auto-approve").code == 0
    (vozzo.root / "campaigns/promo.yaml").unlink()


def test_a_target_recorded_only_in_the_lockfile_is_a_key(vozzo: Vozzo) -> None:
    gone_from_the_manifests(vozzo)
    r = vozzo.run("plan", "--target", "promo")
    assert r.code == 0, r.all
    assert "in the lockfile but in no manifest" in r.out


def test_a_deleted_manifest_whose_campaign_runs_is_named_with_prune(vozzo: Vozzo) -> None:
    gone_from_the_manifests(vozzo)
    text, doc, md = every_format(vozzo)
    warning = (
        "in the lockfile but in no manifest: live campaign(s) 'Promo' (RUNNING) are left as "
        "they are; --prune would end them"
    )
    assert text.code == 0  # warnings are not changes: apply has nothing to do
    assert f"  promo  (no changes)\n    warning: {warning}" in text.out
    assert text.out.rstrip().endswith(f"{DIFFERS} 1 warning: see above.")
    assert doc["warnings"] == [f"promo: {warning}"]
    assert warning in md and DIFFERS in md


def test_a_deleted_manifest_over_a_socket(vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch) -> None:
    gone_from_the_manifests(vozzo)
    with running_emulator(vozzo.app) as base_url:
        runtime.set_transport_factory(None)
        monkeypatch.setenv("VOZZO_BASE_URL", base_url)
        lock = vozzo.root / "vozzo.lock"
        lock.write_text(lock.read_text().replace(API_URL, base_url))
        r = vozzo.run("plan")
    assert r.code == 0, r.all
    assert "--prune would end them" in r.out and MATCHES not in r.out


def test_a_deleted_manifest_whose_campaigns_are_finished_matches(vozzo: Vozzo) -> None:
    gone_from_the_manifests(vozzo)
    assert vozzo.run("apply", "--prune", "--auto-approve").code == 0
    r = vozzo.run("plan", "--detailed-exitcode")
    assert r.code == 0
    assert MATCHES in r.out


def test_a_new_key_declared_ended_is_reported(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", state="ENDED")
    text, doc, md = every_format(vozzo)
    assert text.code == 0
    assert "warning: declared ENDED but never created: nothing is created" in text.out
    assert text.out.rstrip().endswith(f"{DIFFERS} 1 warning: see above.")
    assert doc["summary"]["create"] == 0 and len(doc["warnings"]) == 1  # type: ignore[index, arg-type]
    assert "declared ENDED but never created" in md
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert vozzo.live() == []


def test_a_removed_end_date_is_a_warning_not_no_changes(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", schedule={"end_date": vozzo.day(20)})
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("promo")
    text, doc, md = every_format(vozzo)
    assert text.code == 0
    assert f"removing end_date cannot be done in place; it keeps {vozzo.day(20)}" in text.out
    assert text.out.rstrip().endswith(f"{DIFFERS} 1 warning: see above.")
    assert "cannot be done in place; it keeps" in md and DIFFERS in md
    assert doc["warnings"] == [
        f"promo: Promo: removing end_date cannot be done in place; it keeps {vozzo.day(20)}"
    ]


def test_changes_and_warnings_are_both_counted(vozzo: Vozzo) -> None:
    gone_from_the_manifests(vozzo)
    vozzo.campaign("fresh")
    r = vozzo.run("plan", "--detailed-exitcode")
    assert r.code == 2
    assert "Plan: 1 to create;" in r.out
    assert r.out.rstrip().endswith("1 warning: see above.")
