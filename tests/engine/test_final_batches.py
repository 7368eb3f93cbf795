"""Finished campaigns are read once: apply notes them final in the lockfile, and later plans do
not read them again; a plan says when and why it reads an agent in full."""

from __future__ import annotations

import json

from tests.conftest import AGENT, Vozzo
from vozzoctl.lockfile import Batch, Entry, Lockfile, _parse

FINISHED = "warning: Promo is COMPLETED, which is final: it is left as it is"
NOTED = "1 recorded campaign(s) are finished (COMPLETED or ENDED): apply notes them as final"


def finished_promo(vozzo: Vozzo) -> str:
    """`promo` applied RUNNING, then every call placed: the service completes it."""
    vozzo.campaign("promo", state="RUNNING")
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.app.emulator.advance(days=30)
    [live] = vozzo.live()
    assert live["campaign_state"] == "COMPLETED"
    return str(live["campaign_id"])


def paths(vozzo: Vozzo) -> list[str]:
    return [r.path for r in vozzo.app.emulator.requests]


def test_a_finished_campaign_is_noted_final_once_then_never_read_again(vozzo: Vozzo) -> None:
    finished_promo(vozzo)
    assert "final" not in vozzo.lockfile()["campaigns"]["promo"]["batches"][0]

    vozzo.app.emulator.clear_requests()
    first = vozzo.run("plan", "--detailed-exitcode")
    assert first.code == 0, first.all
    assert FINISHED in first.out
    assert f"note: {NOTED} in the lockfile, and later plans do not read them again" in first.out
    assert paths(vozzo)  # not noted yet: read

    applied = vozzo.run("apply", "--auto-approve")
    assert applied.code == 0, applied.all
    assert "Nothing to apply." in applied.err
    entry = vozzo.lockfile()["campaigns"]["promo"]
    assert entry["batches"][0]["final"] == "COMPLETED"

    vozzo.app.emulator.clear_requests()
    again = vozzo.run("plan", "--detailed-exitcode")
    assert again.code == 0, again.all
    assert FINISHED in again.out  # said as before, from the lockfile's note
    assert NOTED not in again.out
    assert paths(vozzo) == []  # its only campaign is finished: nothing to read


def test_a_batch_found_finished_during_an_apply_is_noted_with_it(vozzo: Vozzo) -> None:
    cid = finished_promo(vozzo)
    vozzo.campaign("other")
    assert vozzo.run("apply", "--auto-approve").code == 0
    batches = vozzo.lockfile()["campaigns"]["promo"]["batches"]
    assert [(b["campaign_id"], b["final"]) for b in batches] == [(cid, "COMPLETED")]
    assert "final" not in vozzo.lockfile()["campaigns"]["other"]["batches"][0]


def test_a_key_with_a_create_reads_its_batches_noted_final_again(vozzo: Vozzo) -> None:
    """A final note is a hand-editable line in git: it may spare reads, never let a create
    through unread. Here it is wrong (the campaign is live), and the plan sees that."""
    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    lock = vozzo.root / "vozzo.lock"
    doc = json.loads(lock.read_text())
    doc["campaigns"]["promo"]["batches"][0]["final"] = "ENDED"
    lock.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    [live] = vozzo.live()

    vozzo.campaign("promo", schedule={"end_hour": 17})  # a settings change alone: no create
    unread = vozzo.run("plan")
    assert "Promo is ENDED, which is final" in unread.out  # the note is believed
    assert "end_hour" not in unread.out

    # A recipient added: an append (a create), so every batch of the key is read live.
    vozzo.campaign(
        "promo",
        phones=["+919820012345", "+919845023456", "+919811122233"],
        schedule={"end_hour": 17},
    )
    vozzo.app.emulator.clear_requests()
    planned = vozzo.run("plan", "--format", "json")
    assert planned.code == 0, planned.all
    [change] = json.loads(planned.out)["changes"]
    assert change["fields"]["spec.schedule.end_hour"] == {"from": "18", "to": "17", "drift": False}
    assert change["recipients"]["add"] == 1
    assert any(live["campaign_id"] in p for p in paths(vozzo))
    assert not any("is ENDED, which is final" in w for w in change["warnings"])


def test_a_plan_says_which_agent_it_reads_in_full_and_why(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    quiet = vozzo.run("plan")
    assert "every campaign read" not in quiet.out  # recorded: only its campaign is read

    vozzo.campaign("fresh")
    text = vozzo.run("plan")
    said = (
        f"note: agent {AGENT}: every campaign read (1): key fresh not in the lockfile: a live "
        "campaign with the name and agent is adopted, never created again"
    )
    assert said in text.out, text.out
    doc = json.loads(vozzo.run("plan", "--format", "json").out)
    assert doc["notes"] == [said.removeprefix("note: ")]
    md = vozzo.run("plan", "--format", "markdown").out
    assert f"- agent {AGENT}: every campaign read (1): key fresh not in the lockfile" in md


def test_a_plan_says_a_create_of_a_recorded_key_reads_its_agent_in_full(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("promo", phones=["+919820012345", "+919845023456", "+919811122233"])
    text = vozzo.run("plan")
    assert (
        f"note: agent {AGENT}: every campaign read (1): a create is planned for key promo: "
        "only every campaign of the agent, with its count as witness, shows that no campaign "
        "has that name yet"
    ) in text.out, text.out


def test_the_lockfile_reads_a_final_note_only_as_a_final_state() -> None:
    lock = Lockfile(
        "http://x",
        1,
        {"k": Entry((Batch("c1", "A", 1, "d", "COMPLETED"), Batch("c2", "A #2", 1, "d")))},
    )
    doc = json.loads(lock.to_json())
    assert doc["campaigns"]["k"]["batches"][0]["final"] == "COMPLETED"
    assert "final" not in doc["campaigns"]["k"]["batches"][1]  # an older vozzoctl reads it
    assert _parse(doc) == lock
    for wrong in ("RUNNING", "completed", 1, None, ["ENDED"]):
        doc["campaigns"]["k"]["batches"][0]["final"] = wrong
        assert _parse(doc).campaigns["k"].batches[0].final == ""  # read again, never skipped
