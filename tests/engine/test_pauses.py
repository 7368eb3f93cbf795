"""A pause is never undone by accident: apply leaves stopped calls stopped, loudly; only a
manifest change asking for RUNNING (or `vozzoctl resume`) restarts them."""

from __future__ import annotations

import json

from tests.cli.helpers import update
from tests.conftest import Vozzo


def states(vozzo: Vozzo) -> dict[str, str]:
    return {c["campaign_config"]["campaign_name"]: c["campaign_state"] for c in vozzo.live()}


def sent_states(vozzo: Vozzo) -> list[str]:
    return [
        r.params["campaign_status"]
        for r in vozzo.app.emulator.requests
        if r.method == "POST" and "campaign_status" in r.params
    ]


def running(vozzo: Vozzo, **spec: object) -> str:
    """Key `promo` applied RUNNING; the id of its campaign `Promo`."""
    vozzo.campaign("promo", state="RUNNING", **spec)
    assert vozzo.run("apply", "--auto-approve").code == 0
    [live] = [c for c in vozzo.live() if c["campaign_config"]["campaign_name"] == "Promo"]
    return str(live["campaign_id"])


def test_a_campaign_paused_in_the_dashboard_stays_paused_and_the_plan_says_so_first(
    vozzo: Vozzo,
) -> None:
    cid = running(vozzo)
    vozzo.campaign("other")
    update(vozzo, cid, campaign_status="SUSPENDED")  # as the dashboard would
    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 2
    first = planned.out.splitlines()[0]
    assert first.startswith("!! CALLS STOPPED: 1 campaign(s) of 1 key(s)")
    assert f"promo: Promo ({cid}) SUSPENDED: paused outside vozzoctl at or before" in planned.out
    assert "calls stay stopped — `vozzoctl resume promo` to restart" in planned.out
    assert "spec.state" not in planned.out  # no state change is planned
    vozzo.app.emulator.clear_requests()
    applied = vozzo.run("apply", "--auto-approve")
    assert applied.code == 0, applied.all
    assert "stay paused" in applied.err
    assert "RUNNING" not in sent_states(vozzo)
    assert states(vozzo)["Promo"] == "SUSPENDED"
    assert states(vozzo)["Other"] == "TO_START"  # the unrelated change went ahead


def test_with_nothing_else_to_do_the_plan_exits_2_only_with_detailed_exitcode(
    vozzo: Vozzo,
) -> None:
    cid = running(vozzo)
    update(vozzo, cid, campaign_status="SUSPENDED")
    assert vozzo.run("plan").code == 0
    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 2
    assert "No changes to apply, but 1 campaign the manifests want RUNNING stay paused" in (
        planned.out
    )
    assert "matches the manifests" not in planned.out
    applied = vozzo.run("apply", "--auto-approve")
    assert applied.code == 0
    assert "Nothing to apply." in applied.err
    assert states(vozzo)["Promo"] == "SUSPENDED"


def test_other_drift_is_still_set_back_visibly(vozzo: Vozzo) -> None:
    cid = running(vozzo)
    update(vozzo, cid, campaign_status="SUSPENDED", campaign_end_time="20")
    planned = vozzo.run("plan")
    assert "spec.schedule.end_hour: 20 → 18  (changed outside vozzoctl)" in planned.out
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("apply", "--auto-approve").code == 0
    [sent] = [r for r in vozzo.app.emulator.requests if r.method == "POST"]
    assert sent.params["campaign_end_time"] == "18"
    assert "campaign_status" not in sent.params
    assert states(vozzo)["Promo"] == "SUSPENDED"


def test_a_manifest_that_asks_for_running_after_suspended_restarts_calls(vozzo: Vozzo) -> None:
    cid = running(vozzo)
    vozzo.campaign("promo", state="SUSPENDED")  # a reviewed change pauses it
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert states(vozzo)["Promo"] == "SUSPENDED"
    assert vozzo.lockfile()["campaigns"]["promo"]["state"] == "SUSPENDED"
    vozzo.campaign("promo", state="RUNNING")  # and another restarts it
    planned = vozzo.run("plan")
    assert "spec.state: SUSPENDED → RUNNING" in planned.out
    assert "CALLS STOPPED" not in planned.out
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert sent_states(vozzo) == ["RUNNING"]
    assert states(vozzo)["Promo"] == "RUNNING"
    assert vozzo.lockfile()["campaigns"]["promo"]["state"] == "RUNNING"
    assert cid in {c["campaign_id"] for c in vozzo.live()}


def test_a_lockfile_that_does_not_say_what_was_applied_holds_the_pause(vozzo: Vozzo) -> None:
    cid = running(vozzo)
    path = vozzo.root / "vozzo.lock"
    doc = vozzo.lockfile()
    del doc["campaigns"]["promo"]["state"]  # as an older vozzoctl wrote it
    doc["campaigns"]["promo"]["settings_sha256"] = "0" * 64
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    update(vozzo, cid, campaign_status="SUSPENDED")
    planned = vozzo.run("plan")
    assert "paused outside vozzoctl" in planned.out
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert states(vozzo)["Promo"] == "SUSPENDED"


def test_a_lost_lockfile_adopts_a_paused_campaign_without_restarting_it(vozzo: Vozzo) -> None:
    cid = running(vozzo)
    update(vozzo, cid, campaign_status="SUSPENDED")
    (vozzo.root / "vozzo.lock").unlink()
    planned = vozzo.run("plan")
    assert "← promo  (adopt)" in planned.out
    assert "paused outside vozzoctl" in planned.out
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert states(vozzo)["Promo"] == "SUSPENDED"


def test_recipients_added_to_a_paused_key_wait_in_a_suspended_batch(vozzo: Vozzo) -> None:
    cid = running(vozzo, phones=["+919820012345"])
    update(vozzo, cid, campaign_status="SUSPENDED")
    vozzo.campaign("promo", state="RUNNING", phones=["+919820012345", "+919845023456"])
    planned = vozzo.run("plan")
    assert "campaign_status=SUSPENDED (Promo #2)" in planned.out
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert states(vozzo) == {"Promo": "SUSPENDED", "Promo #2": "SUSPENDED"}


def test_json_and_markdown_say_it_first_too(vozzo: Vozzo) -> None:
    cid = running(vozzo)
    update(vozzo, cid, campaign_status="SUSPENDED")
    doc = json.loads(vozzo.run("plan", "--format", "json").out)
    [paused] = doc["paused"]
    assert paused["key"] == "promo"
    assert paused["campaign_id"] == cid
    assert paused["by"] == "outside"
    assert paused["final"] is False
    assert paused["since"].endswith(" IST")
    md = vozzo.run("plan", "--format", "markdown").out
    lines = md.splitlines()
    assert lines[0] == "### vozzoctl plan"
    assert lines[2] == "> [!CAUTION]"
    assert "CALLS STOPPED" in lines[3]


def test_a_pause_between_plan_and_apply_makes_the_saved_plan_stale(vozzo: Vozzo) -> None:
    cid = running(vozzo)
    vozzo.campaign("promo", state="RUNNING", schedule={"end_hour": 17})
    assert vozzo.run("plan", "--out", "plan.json").code == 0
    update(vozzo, cid, campaign_status="SUSPENDED")
    vozzo.app.emulator.clear_requests()
    stale = vozzo.run("apply", "plan.json")
    assert stale.code == 1
    assert "plan is stale" in stale.err
    assert [r for r in vozzo.app.emulator.requests if r.method == "POST"] == []
    assert states(vozzo)["Promo"] == "SUSPENDED"


def test_a_campaign_ended_outside_is_said_first_and_never_fixed(vozzo: Vozzo) -> None:
    cid = running(vozzo)
    update(vozzo, cid, campaign_status="ENDED")
    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 0  # final: nothing resume or apply could do
    assert planned.out.startswith("!! CALLS STOPPED: 1 campaign(s) of 1 key(s) ended outside")
    assert "ENDED is final: calls stay stopped" in planned.out
