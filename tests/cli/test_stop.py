"""`vozzoctl stop`: every RUNNING campaign of the keys named is suspended, recorded, and stays
suspended through apply; from the lockfile and the live account alone."""

from __future__ import annotations

import json

import yaml

from tests.cli.helpers import create, update
from tests.conftest import API_URL, Vozzo
from vozzoctl.lockfile import Batch, Entry, Lockfile, save


def states(vozzo: Vozzo) -> dict[str, str]:
    return {c["campaign_config"]["campaign_name"]: c["campaign_state"] for c in vozzo.live()}


def posts(vozzo: Vozzo) -> list[dict[str, str]]:
    return [r.params for r in vozzo.app.emulator.requests if r.method == "POST"]


def ids(vozzo: Vozzo) -> dict[str, str]:
    return {c["campaign_config"]["campaign_name"]: c["campaign_id"] for c in vozzo.live()}


def labelled(vozzo: Vozzo, key: str, **spec: object) -> None:
    path = vozzo.campaign(key, **spec)
    doc = yaml.safe_load(path.read_text())
    doc["metadata"]["labels"] = {"team": "growth"}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def two_running_keys(vozzo: Vozzo) -> None:
    labelled(vozzo, "promo", state="RUNNING")
    vozzo.campaign("loans", state="RUNNING", phones=["+919830011111"])
    assert vozzo.run("apply", "--auto-approve").code == 0
    labelled(
        vozzo, "promo", state="RUNNING", phones=["+919820012345", "+919845023456", "+919840099999"]
    )
    assert vozzo.run("apply", "--auto-approve").code == 0  # a second batch, Promo #2
    assert {states(vozzo)[n] for n in ("Promo", "Promo #2", "Loans")} == {"RUNNING"}


def test_stop_suspends_every_running_batch_of_the_key_and_records_why(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    vozzo.app.emulator.clear_requests()
    stopped = vozzo.run("stop", "promo", "--reason", "wrong offer quoted", "--auto-approve")
    assert stopped.code == 0, stopped.all
    assert "Stopped 2 campaign(s) of 1 key(s)" in stopped.out
    assert f"stopped: promo: Promo ({ids(vozzo)['Promo']})" in stopped.out
    assert states(vozzo) == {"Promo": "SUSPENDED", "Promo #2": "SUSPENDED", "Loans": "RUNNING"}
    sent = posts(vozzo)
    assert sorted(p["campaign_status"] for p in sent) == ["SUSPENDED", "SUSPENDED"]
    assert all(p["campaign_allow_weekends"] == "false" for p in sent)  # each one's own value
    record = vozzo.lockfile()["campaigns"]["promo"]["stopped"]
    assert record["reason"] == "wrong offer quoted"
    assert sorted(record["batches"]) == sorted([ids(vozzo)["Promo"], ids(vozzo)["Promo #2"]])
    assert record["at"].startswith(vozzo.today.isoformat())
    assert "stopped" not in vozzo.lockfile()["campaigns"]["loans"]


def test_apply_never_restarts_a_stop_and_the_plan_says_why(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    assert vozzo.run("stop", "promo", "--reason", "complaints", "--auto-approve").code == 0
    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 2
    assert planned.out.startswith("!! CALLS STOPPED: 2 campaign(s) of 1 key(s)")
    assert "stopped by `vozzoctl stop` at or before" in planned.out
    assert "(complaints); calls stay stopped — `vozzoctl resume promo` to restart" in planned.out
    md = vozzo.run("plan", "--format", "markdown").out
    assert "\\(complaints\\)" in md
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert posts(vozzo) == []
    assert states(vozzo)["Promo"] == "SUSPENDED"


def test_stop_again_is_idempotent_and_finishes_what_failed(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    second = ids(vozzo)["Promo #2"]
    path = f"/v1alpha/campaign/update-campaign/{second}/"
    rule = {"method": "POST", "path": path, "on": {"first": 1}, "action": "status", "status": 400}
    vozzo.app.emulator.set_fault_plan({"rules": [rule]})
    first = vozzo.run("stop", "promo", "--auto-approve")
    assert first.code == 1
    assert "Stopped 1 campaign(s)" in first.out
    assert f"error: could not stop promo: Promo #2 ({second})" in first.err
    assert "run the same stop again" in first.err
    assert states(vozzo)["Promo #2"] == "RUNNING"
    again = vozzo.run("stop", "promo", "--auto-approve")
    assert again.code == 0, again.all
    assert f"stopped: promo: Promo #2 ({second})" in again.out
    assert "Left as they are: 1 campaign(s)" in again.out
    assert states(vozzo)["Promo #2"] == "SUSPENDED"
    assert len(vozzo.lockfile()["campaigns"]["promo"]["stopped"]["batches"]) == 2
    vozzo.app.emulator.clear_requests()
    third = vozzo.run("stop", "promo", "--auto-approve")
    assert third.code == 0
    assert "Stopped 0 campaign(s)" in third.out
    assert posts(vozzo) == []


def test_stop_works_with_broken_manifests(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    vozzo.write("campaigns/promo.yaml", "spec: [unclosed\n")
    assert vozzo.run("plan").code == 1
    stopped = vozzo.run("stop", "--all", "--auto-approve")
    assert stopped.code == 0, stopped.all
    assert set(states(vozzo).values()) == {"SUSPENDED"}


def test_account_also_stops_campaigns_vozzoctl_does_not_manage(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    other = create(vozzo, "Made Elsewhere", 2)
    update(vozzo, other, campaign_status="RUNNING")
    assert vozzo.run("stop", "--all", "--auto-approve").code == 0
    assert states(vozzo)["Made Elsewhere"] == "RUNNING"
    stopped = vozzo.run("stop", "--account", "--auto-approve")
    assert stopped.code == 0, stopped.all
    assert f"stopped: (not managed): Made Elsewhere ({other})" in stopped.out
    assert set(states(vozzo).values()) == {"SUSPENDED"}


def test_selector_matches_the_labels_apply_recorded(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    stopped = vozzo.run("stop", "--selector", "team=growth", "--auto-approve")
    assert stopped.code == 0, stopped.all
    assert states(vozzo) == {"Promo": "SUSPENDED", "Promo #2": "SUSPENDED", "Loans": "RUNNING"}


def test_without_a_terminal_stop_needs_auto_approve(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    vozzo.app.emulator.clear_requests()
    refused = vozzo.run("stop", "promo")
    assert refused.code == 1
    assert "no terminal to ask for confirmation: nothing was stopped" in refused.err
    assert posts(vozzo) == []


def test_an_unknown_key_or_no_choice_stops_nothing(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    vozzo.app.emulator.clear_requests()
    unknown = vozzo.run("stop", "promo", "promos", "--auto-approve")
    assert unknown.code == 1
    assert "'promos' is not a key in vozzo.lock" in unknown.err
    nothing = vozzo.run("stop", "--auto-approve")
    assert nothing.code == 1
    assert "name what to stop" in nothing.err
    elsewhere = vozzo.run("stop", "--all", "--lockfile", "other.lock", "--auto-approve")
    assert elsewhere.code == 1
    assert "no managed key in other.lock matches: nothing was stopped" in elsewhere.err
    assert posts(vozzo) == []


def test_a_reason_is_masked_and_inert_in_a_pull_request_comment(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    reason = "caller +919820012345 said <b>stop</b> [x](http://e.test) `rm`\nnext line"
    assert vozzo.run("stop", "promo", "--reason", reason, "--auto-approve").code == 0
    text = json.dumps(vozzo.lockfile())
    assert "+919820012345" not in text and "9820012345" not in text
    md = vozzo.run("plan", "--format", "markdown").out
    assert "<b>" not in md and "](http" not in md and "`rm`" not in md
    assert "\\<b\\>stop\\</b\\>" in md


def test_status_shows_paused_keys_first_and_why(vozzo: Vozzo) -> None:
    vozzo.campaign("alpha", state="RUNNING", phones=["+919830022222"])
    two_running_keys(vozzo)
    assert vozzo.run("stop", "promo", "--reason", "complaints", "--auto-approve").code == 0
    shown = vozzo.run("status")
    assert shown.code == 0, shown.all
    rows = shown.out.splitlines()
    assert rows[1].startswith("promo ")
    assert "SUSPENDED" in rows[1]
    assert [r.split()[0] for r in rows[2:4]] == ["alpha", "loans"]
    assert "promo: 2 campaign(s) stopped by `vozzoctl stop` at " in shown.out
    assert ": complaints — `vozzoctl resume promo` restarts calls" in shown.out
    doc = json.loads(vozzo.run("status", "--format", "json").out)
    first = doc["campaigns"][0]
    assert first["key"] == "promo"
    assert first["paused"] is True
    assert first["stopped"]["reason"] == "complaints"
    assert doc["campaigns"][1]["stopped"] is None


def test_when_the_list_fails_the_managed_campaigns_are_still_stopped(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    rule = {"method": "GET", "path": "/v1alpha/campaigns", "action": "status", "status": 500}
    vozzo.app.emulator.set_fault_plan({"rules": [rule]})
    stopped = vozzo.run("stop", "--all", "--auto-approve")
    assert stopped.code == 1  # said, not hidden
    assert "error: could not read the RUNNING list" in stopped.err
    assert "Stopped 3 campaign(s) of 2 key(s)" in stopped.out
    assert set(states(vozzo).values()) == {"SUSPENDED"}


def test_many_campaigns_are_read_in_bulk_and_all_stopped(vozzo: Vozzo) -> None:
    made = {f"k{i:02d}": create(vozzo, f"Bulk {i:02d}", 1) for i in range(30)}
    for cid in made.values():
        update(vozzo, cid, campaign_status="RUNNING")
    entries = {k: Entry(batches=(Batch(cid, k, 1, "0" * 64),)) for k, cid in made.items()}
    save(vozzo.root / "vozzo.lock", Lockfile(api_url=API_URL, campaigns=entries))
    vozzo.app.emulator.clear_requests()
    stopped = vozzo.run("stop", "--all", "--auto-approve")
    assert stopped.code == 0, stopped.all
    assert "Stopped 30 campaign(s) of 30 key(s)" in stopped.out
    assert set(states(vozzo).values()) == {"SUSPENDED"}
    gets = [r.path for r in vozzo.app.emulator.requests if r.method == "GET"]
    assert any(p.startswith("/v1alpha/campaigns/agent/") for p in gets)
    assert not any(p.startswith("/v1alpha/campaign/") for p in gets)  # no detail reads


def test_a_stop_between_plan_and_apply_makes_the_saved_plan_stale(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    vozzo.campaign("loans", state="RUNNING", phones=["+919830011111"], schedule={"end_hour": 17})
    assert vozzo.run("plan", "--out", "plan.json").code == 0
    assert vozzo.run("stop", "--all", "--auto-approve").code == 0
    vozzo.app.emulator.clear_requests()
    stale = vozzo.run("apply", "plan.json")
    assert stale.code == 1
    assert "plan is stale" in stale.err
    assert posts(vozzo) == []


def test_a_reviewed_change_restarts_a_stopped_key_and_ends_the_record(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    assert vozzo.run("stop", "loans", "--reason", "complaints", "--auto-approve").code == 0
    vozzo.campaign("loans", state="SUSPENDED", phones=["+919830011111"])
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert "stopped" in vozzo.lockfile()["campaigns"]["loans"]  # still why it is paused
    vozzo.campaign("loans", state="RUNNING", phones=["+919830011111"])
    assert "spec.state: SUSPENDED → RUNNING" in vozzo.run("plan").out
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert states(vozzo)["Loans"] == "RUNNING"
    assert "stopped" not in vozzo.lockfile()["campaigns"]["loans"]


def test_a_stop_undone_in_the_dashboard_holds_nothing_more(vozzo: Vozzo) -> None:
    two_running_keys(vozzo)
    assert vozzo.run("stop", "loans", "--auto-approve").code == 0
    update(vozzo, ids(vozzo)["Loans"], campaign_status="RUNNING")  # a person restarts it
    vozzo.campaign("loans", state="RUNNING", phones=["+919830011111", "+919830022222"])
    planned = vozzo.run("plan")
    assert "CALLS STOPPED" not in planned.out
    assert "campaign_status=RUNNING (Loans #2)" in planned.out
