"""Calling safety in plan and apply: do-not-call lists added after a campaign is live, and the
calls an apply will start."""

from __future__ import annotations

import json

from tests.conftest import Vozzo

A, B, C = "+919820012345", "+919845023456", "+919811067890"


def created_phones(vozzo: Vozzo) -> list[str]:
    return [
        item["to_phone_number"]
        for r in vozzo.app.emulator.requests
        if r.method == "POST" and r.path == "/v1alpha/campaign"
        for item in r.json()["campaign_data"]
    ]


def test_a_suppressed_number_is_never_sent(vozzo: Vozzo) -> None:
    vozzo.write("campaigns/dnc.txt", B + "\n")
    vozzo.campaign("promo", phones=[A, B, C], suppress=["dnc.txt"])
    planned = vozzo.run("plan", "--format", "json")
    [change] = json.loads(planned.out)["changes"]
    assert change["recipients"] == {"add": 2, "remove": 0, "suppressed": 1, "excluded": 0}
    text = vozzo.run("plan").out
    assert "withheld: 1 on a do-not-call list: never sent" in text
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert sorted(created_phones(vozzo)) == sorted([A, C])
    assert "No changes" in vozzo.run("plan").out


def test_a_suppression_added_after_launch_names_the_live_batch(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=[A, B, C], state="RUNNING")
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.write("campaigns/dnc.txt", B + "\n")
    vozzo.campaign("promo", phones=[A, B, C], state="RUNNING", suppress=["dnc.txt"])
    refused = vozzo.run("plan")
    assert refused.code == 1
    assert (
        "1 recipient(s) now on a do-not-call list or outside legal hours are still held by "
        "live campaign(s) Promo: only --allow-replace" in refused.out
    )
    assert B not in refused.all
    assert vozzo.run("apply", "--allow-replace", "--auto-approve").code == 0
    states = {c["campaign_config"]["campaign_name"]: c["campaign_state"] for c in vozzo.live()}
    assert states == {"Promo": "ENDED", "Promo #2": "RUNNING"}
    assert sorted(created_phones(vozzo)) == sorted([A, B, C, A, C])  # B only in the ended one
    assert "No changes" in vozzo.run("plan").out


def test_calls_a_state_change_starts_count_against_the_limit(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=[A, B, C])
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("promo", phones=[A, B, C], state="RUNNING")
    planned = vozzo.run("plan")
    assert "new calls scheduled: 0; calls this apply will start: 3." in planned.out
    refused = vozzo.run("plan", "--max-new-recipients", "2")
    assert refused.code == 1
    assert "would schedule 0 new calls and start 3 waiting ones" in refused.out
    assert json.loads(vozzo.run("plan", "--format", "json").out)["calls_started"] == 3


def test_exclude_noncompliant_in_plan_and_saved_plans(vozzo: Vozzo) -> None:
    new_york = "+12125550123"
    vozzo.campaign("promo", phones=[A, new_york], compliance=["us-tcpa"])
    assert vozzo.run("plan").code == 1
    planned = vozzo.run("plan", "--exclude-noncompliant", "--out", "p.json")
    assert planned.code == 0
    assert "1 outside legal calling hours (--exclude-noncompliant): never sent" in planned.out
    assert vozzo.run("apply", "p.json").code == 0
    assert created_phones(vozzo) == [A]
