"""`vozzoctl resume`: restarts calls paused outside vozzoctl or by stop, after checking calling
safety again; anything wrong and nothing is sent."""

from __future__ import annotations

from tests.cli.helpers import update
from tests.conftest import Vozzo


def states(vozzo: Vozzo) -> dict[str, str]:
    return {c["campaign_config"]["campaign_name"]: c["campaign_state"] for c in vozzo.live()}


def posts(vozzo: Vozzo) -> list[dict[str, str]]:
    return [r.params for r in vozzo.app.emulator.requests if r.method == "POST"]


def paused_promo(vozzo: Vozzo, **spec: object) -> str:
    vozzo.campaign("promo", state="RUNNING", **spec)
    assert vozzo.run("apply", "--auto-approve").code == 0
    [live] = vozzo.live()
    update(vozzo, live["campaign_id"], campaign_status="SUSPENDED")
    vozzo.app.emulator.clear_requests()
    return str(live["campaign_id"])


def test_resume_restarts_a_campaign_paused_outside(vozzo: Vozzo) -> None:
    cid = paused_promo(vozzo)
    resumed = vozzo.run("resume", "promo", "--auto-approve")
    assert resumed.code == 0, resumed.all
    assert f"resumed: promo: Promo ({cid})" in resumed.out
    assert "Resumed 1 campaign(s) of 1 key(s): up to 2 waiting call(s)" in resumed.out
    assert posts(vozzo) == [{"campaign_status": "RUNNING", "campaign_allow_weekends": "false"}]
    assert states(vozzo) == {"Promo": "RUNNING"}
    after = vozzo.run("plan", "--detailed-exitcode")
    assert after.code == 0, after.out
    assert "CALLS STOPPED" not in after.out


def test_resume_after_stop_clears_the_record(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", state="RUNNING")
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert vozzo.run("stop", "promo", "--reason", "test", "--auto-approve").code == 0
    assert "stopped" in vozzo.lockfile()["campaigns"]["promo"]
    assert vozzo.run("resume", "promo", "--auto-approve").code == 0
    assert "stopped" not in vozzo.lockfile()["campaigns"]["promo"]
    assert states(vozzo) == {"Promo": "RUNNING"}


def test_a_number_put_on_a_do_not_call_list_blocks_resume(vozzo: Vozzo) -> None:
    paused_promo(vozzo)
    vozzo.write("campaigns/dnc.txt", "+919820012345\n")
    vozzo.campaign("promo", state="RUNNING", suppress=["dnc.txt"])
    refused = vozzo.run("resume", "promo", "--auto-approve")
    assert refused.code == 1
    assert "do-not-call list" in refused.err
    assert "Nothing was resumed." in refused.err
    assert posts(vozzo) == []
    assert states(vozzo) == {"Promo": "SUSPENDED"}


def test_hours_outside_the_legal_window_block_resume(vozzo: Vozzo) -> None:
    paused_promo(vozzo)
    vozzo.campaign("promo", state="RUNNING", compliance=["in-trai"], schedule={"end_hour": 23})
    refused = vozzo.run("resume", "promo", "--auto-approve")
    assert refused.code == 1
    assert "outside legal hours" in refused.err
    assert posts(vozzo) == []


def test_drift_pending_is_applied_before_resume(vozzo: Vozzo) -> None:
    cid = paused_promo(vozzo)
    update(vozzo, cid, campaign_end_time="23")  # hours widened in the dashboard
    vozzo.app.emulator.clear_requests()
    refused = vozzo.run("resume", "promo", "--auto-approve")
    assert refused.code == 1
    assert "changes are pending" in refused.err
    assert posts(vozzo) == []
    assert vozzo.run("apply", "--auto-approve").code == 0  # sets hours back, leaves the pause
    assert states(vozzo) == {"Promo": "SUSPENDED"}
    assert vozzo.run("resume", "promo", "--auto-approve").code == 0
    assert states(vozzo) == {"Promo": "RUNNING"}


def test_a_manifest_that_declares_suspended_is_not_resumed(vozzo: Vozzo) -> None:
    paused_promo(vozzo)
    vozzo.campaign("promo", state="SUSPENDED")
    refused = vozzo.run("resume", "promo", "--auto-approve")
    assert refused.code == 1
    assert "its manifest declares SUSPENDED" in refused.err
    assert posts(vozzo) == []


def test_resume_needs_valid_manifests_and_a_terminal_or_auto_approve(vozzo: Vozzo) -> None:
    paused_promo(vozzo)
    asked = vozzo.run("resume", "promo")
    assert asked.code == 1
    assert "no terminal to ask for confirmation: nothing was resumed" in asked.err
    vozzo.write("campaigns/promo.yaml", "spec: [unclosed\n")
    broken = vozzo.run("resume", "promo", "--auto-approve")
    assert broken.code == 1
    assert "nothing was sent" in broken.err
    assert posts(vozzo) == []
    assert states(vozzo) == {"Promo": "SUSPENDED"}


def test_nothing_to_resume_is_said(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", state="RUNNING")
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.app.emulator.clear_requests()
    nothing = vozzo.run("resume", "promo", "--auto-approve")
    assert nothing.code == 1
    assert "nothing to resume: no campaign of it is paused" in nothing.err
    assert posts(vozzo) == []


def test_the_waiting_calls_count_against_max_new_recipients(vozzo: Vozzo) -> None:
    paused_promo(vozzo)
    refused = vozzo.run("resume", "promo", "--auto-approve", "--max-new-recipients", "1")
    assert refused.code == 1
    assert "resuming would start 2 waiting calls, more than --max-new-recipients 1" in refused.err
    assert posts(vozzo) == []
    assert vozzo.run("resume", "promo", "--auto-approve", "--max-new-recipients", "2").code == 0
