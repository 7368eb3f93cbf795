"""A create whose answer was lost, as a user sees it: the apply fails saying what is unknown,
the next plan waits (`--pending-wait`), then says "may exist" and sends it once."""

from __future__ import annotations

import json

from tests.conftest import Vozzo

CREATE_503 = {"method": "POST", "path": "/v1alpha/campaign", "action": "status", "status": 503}


def posts(vozzo: Vozzo) -> list[str]:
    return [
        r.json()["campaign_name"]
        for r in vozzo.app.emulator.requests
        if r.method == "POST" and r.path == "/v1alpha/campaign"
    ]


def test_an_unanswered_create_waits_then_is_sent_once(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    vozzo.app.emulator.set_fault_plan({"rules": [{**CREATE_503, "on": [1]}]})
    failed = vozzo.run("apply", "--auto-approve")
    assert failed.code == 1
    assert (
        "creating 'Promo': the API answered 503 after the request was sent; whether the "
        "campaign was made is unknown" in failed.all
    )
    assert "It is not sent again in this run" in failed.all
    assert posts(vozzo) == ["Promo"]
    [pending] = vozzo.lockfile()["campaigns"]["promo"]["pending"]
    assert pending["campaign_name"] == "Promo" and pending["since"]

    waiting = vozzo.run("plan")
    assert waiting.code == 1
    assert "may exist: 'Promo' was sent at 04:30 UTC" in waiting.all
    assert "plan again after 04:35 UTC" in waiting.all
    assert vozzo.run("apply", "--auto-approve").code == 1
    assert posts(vozzo) == ["Promo"]  # nothing sent while the lists may still catch up

    ready = vozzo.run("plan", "--pending-wait", "0")
    assert ready.code == 0, ready.all
    assert "may exist: 'Promo' not found by name or count since 04:30 UTC" in ready.all
    assert "apply will send it" in ready.all

    vozzo.app.emulator.advance(minutes=6)  # the default wait has passed
    done = vozzo.run("apply", "--auto-approve")
    assert done.code == 0, done.all
    assert posts(vozzo) == ["Promo", "Promo"]  # the first was refused: one campaign
    assert [c["campaign_config"]["campaign_name"] for c in vozzo.live()] == ["Promo"]
    assert "pending" not in json.dumps(vozzo.lockfile())


def test_a_create_that_committed_is_adopted_however_long_the_wait(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    commit = {"method": "POST", "path": "/v1alpha/campaign", "on": [1], "action": "commit_then_500"}
    vozzo.app.emulator.set_fault_plan({"rules": [commit]})
    vozzo.app.emulator.list_lag = 60.0  # the look-up right after cannot see it yet
    assert vozzo.run("apply", "--auto-approve").code == 1
    vozzo.app.emulator.advance(minutes=2)
    again = vozzo.run("apply", "--auto-approve", "--pending-wait", "0")
    assert again.code == 0, again.all
    assert posts(vozzo) == ["Promo"]
    assert len(vozzo.live()) == 1
    assert vozzo.lockfile()["campaigns"]["promo"]["batches"][0]["campaign_name"] == "Promo"
