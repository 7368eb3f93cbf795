"""A lockfile entry is checked against the campaign it points at before anything is sent.

The lockfile is edited by hand, merged badly, copied between repositories: an entry that points
at another key's campaign (or at one no key made) must never get that campaign updated, ended,
replaced or pruned.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.helpers import create
from tests.conftest import AGENT2, API_URL, Result, Vozzo
from vozzoctl.cli import runtime
from vozzoctl.emulator.server import running_emulator


def writes(vozzo: Vozzo) -> list[str]:
    return [f"{r.method} {r.path}" for r in vozzo.app.emulator.requests if r.method != "GET"]


def edit_lock(vozzo: Vozzo, change: Any) -> None:
    path = vozzo.root / "vozzo.lock"
    doc = json.loads(path.read_text())
    change(doc["campaigns"])
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")


def states(vozzo: Vozzo) -> dict[str, str]:
    return {c["campaign_config"]["campaign_name"]: c["campaign_state"] for c in vozzo.live()}


@pytest.fixture
def two_keys(vozzo: Vozzo) -> Vozzo:
    vozzo.campaign("alpha", state="RUNNING", phones=["+919820012345"])
    vozzo.campaign("beta", state="RUNNING", phones=["+919845023456"])
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.app.emulator.clear_requests()
    return vozzo


def refused_everywhere(vozzo: Vozzo, *flags: str) -> Result:
    """Plan says why; apply, even with --allow-replace and --prune, sends nothing."""
    before = states(vozzo)
    planned = vozzo.run("plan", *flags)
    assert planned.code == 1, planned.all
    applied = vozzo.run("apply", "--allow-replace", "--prune", "--auto-approve", *flags)
    assert applied.code == 1, applied.all
    assert writes(vozzo) == []
    assert states(vozzo) == before
    return planned


def test_an_entry_pointing_at_another_keys_recorded_campaign_names_both(two_keys: Vozzo) -> None:
    beta_id = two_keys.lockfile()["campaigns"]["beta"]["batches"][0]["campaign_id"]

    def point_alpha_at_beta(c: dict[str, Any]) -> None:
        c["alpha"]["batches"][0]["campaign_id"] = beta_id

    edit_lock(two_keys, point_alpha_at_beta)
    out = refused_everywhere(two_keys).out
    assert f"campaign {beta_id} is recorded in the lockfile for this key and for key 'beta'" in out
    assert "for this key and for key 'alpha'" in out  # beta's block names alpha
    assert "No changes" not in out and "No plan. 2 errors" in out


def test_an_entry_taken_over_whole_is_refused_by_the_name_another_key_declares(
    two_keys: Vozzo,
) -> None:
    # alpha's entry rewritten to beta's campaign, id and name, and beta's entry dropped: without
    # the check, alpha's rename would be a replace that ends beta's campaign, and beta would
    # create a second one for the same people.
    def take_over(c: dict[str, Any]) -> None:
        c["alpha"]["batches"] = c.pop("beta")["batches"]

    edit_lock(two_keys, take_over)
    out = refused_everywhere(two_keys).out
    assert "has the name and agent that key 'beta' declares" in out
    assert states(two_keys) == {"Alpha": "RUNNING", "Beta": "RUNNING"}


def test_an_entry_whose_live_name_differs_from_the_recorded_one_is_refused(
    two_keys: Vozzo,
) -> None:
    other = create(two_keys, "Made In The Dashboard", 1)
    two_keys.app.emulator.clear_requests()

    def point_alpha_elsewhere(c: dict[str, Any]) -> None:
        c["alpha"]["batches"][0]["campaign_id"] = other

    edit_lock(two_keys, point_alpha_elsewhere)
    out = refused_everywhere(two_keys).out
    assert (
        f"campaign {other} is recorded in the lockfile as 'Alpha', but the live campaign is "
        "named 'Made In The Dashboard'"
    ) in out


def test_a_campaign_no_key_made_is_refused_while_the_manifest_is_unchanged(
    two_keys: Vozzo,
) -> None:
    other = create(two_keys, "Made In The Dashboard", 1)
    two_keys.app.emulator.clear_requests()

    def point_alpha_elsewhere(c: dict[str, Any]) -> None:
        c["alpha"]["batches"][0].update(campaign_id=other, campaign_name="Made In The Dashboard")

    edit_lock(two_keys, point_alpha_elsewhere)
    out = refused_everywhere(two_keys).out
    assert "does not have the key's name, yet the key's settings are those of its last" in out


def test_the_same_name_under_another_agent_is_another_keys(vozzo: Vozzo) -> None:
    vozzo.campaign("alpha", name="Promo", phones=["+919820012345"])
    vozzo.campaign("beta", name="Promo", agent=AGENT2, phones=["+919845023456"])
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.app.emulator.clear_requests()

    def take_over(c: dict[str, Any]) -> None:
        c["alpha"]["batches"] = c.pop("beta")["batches"]

    edit_lock(vozzo, take_over)
    out = refused_everywhere(vozzo).out
    assert "has the name and agent that key 'beta' declares" in out


def test_a_key_gone_from_the_manifests_is_not_pruned_through_another_keys_campaign(
    two_keys: Vozzo,
) -> None:
    def gamma_records_beta(c: dict[str, Any]) -> None:
        c["gamma"] = json.loads(json.dumps(c["beta"]))

    edit_lock(two_keys, gamma_records_beta)
    out = refused_everywhere(two_keys, "--prune").out
    assert "for this key and for key 'beta'" in out
    assert "⊘ gamma" not in out


def test_a_refused_entry_over_a_socket(two_keys: Vozzo, monkeypatch: pytest.MonkeyPatch) -> None:
    def take_over(c: dict[str, Any]) -> None:
        c["alpha"]["batches"] = c.pop("beta")["batches"]

    edit_lock(two_keys, take_over)
    with running_emulator(two_keys.app) as base_url:
        runtime.set_transport_factory(None)
        monkeypatch.setenv("VOZZO_BASE_URL", base_url)
        path = two_keys.root / "vozzo.lock"
        path.write_text(path.read_text().replace(API_URL, base_url))
        applied = two_keys.run("apply", "--allow-replace", "--auto-approve")
    assert applied.code == 1
    assert "has the name and agent that key 'beta' declares" in applied.all
    assert writes(two_keys) == []


def test_a_real_rename_is_still_a_replace(two_keys: Vozzo) -> None:
    two_keys.campaign("alpha", name="Alpha Renamed", state="RUNNING", phones=["+919820012345"])
    refused = two_keys.run("plan")
    assert refused.code == 1
    assert "spec.name changes 'Alpha' → 'Alpha Renamed'" in refused.out
    assert two_keys.run("apply", "--allow-replace", "--auto-approve").code == 0
    assert states(two_keys) == {"Alpha": "ENDED", "Alpha Renamed #2": "RUNNING", "Beta": "RUNNING"}
    again = two_keys.run("plan", "--detailed-exitcode")
    assert again.code == 0, again.all
