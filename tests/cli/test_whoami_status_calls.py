"""whoami, status and calls, end to end against the emulator, as a user sees them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import READ_ONLY_TOKEN, TOKEN, Vozzo
from vozzoctl.cli import status as status_cli

# ---------------------------------------------------------------------------- whoami


def test_whoami_names_the_user_and_organisation(vozzo: Vozzo) -> None:
    r = vozzo.run("whoami")
    assert r.code == 0, r.all
    assert "Organisation:  Vozzo Emulator (id 1)" in r.out
    assert "campaign:write" in r.out
    assert TOKEN not in r.all


def test_whoami_json_and_a_read_only_key(vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOZZO_API_KEY", f"Token {READ_ONLY_TOKEN}")
    r = vozzo.run("whoami", "--format", "json")
    assert r.code == 0, r.all
    doc = json.loads(r.out)
    assert doc["key_valid"] and doc["identity_known"]
    assert doc["can_write"] is False
    assert doc["organization"]["name"] == "Vozzo Emulator"
    assert READ_ONLY_TOKEN not in r.all


@pytest.mark.parametrize("emulator_variant", ["legacy"])
def test_whoami_without_an_identity_endpoint_says_the_key_works(vozzo: Vozzo) -> None:
    r = vozzo.run("whoami")
    assert r.code == 0, r.all
    assert "The key works" in r.out
    assert "Identity unknown" in r.out


@pytest.mark.parametrize("command", [["whoami"], ["status"], ["calls", "promo"], ["import"]])
def test_a_rejected_key_is_one_line_with_a_hint_and_never_echoed(
    vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    if command[0] != "whoami":
        vozzo.campaign("promo")
        assert vozzo.run("apply", "--auto-approve").code == 0
    monkeypatch.setenv("VOZZO_API_KEY", "wrong-key-0000")
    r = vozzo.run(*command)
    assert r.code == 1
    assert r.out == ""
    assert "error: the key was rejected by the Vozzo API (401" in r.err
    assert "hint: set VOZZO_API_KEY" in r.err
    assert "wrong-key-0000" not in r.all
    assert "Traceback" not in r.all


def test_no_key_at_all_is_named(vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOZZO_API_KEY")
    r = vozzo.run("whoami")
    assert r.code == 1
    assert "error: no Vozzo API key: VOZZO_API_KEY is not set" in r.err


# ---------------------------------------------------------------------------- status


def test_status_of_an_empty_account(vozzo: Vozzo) -> None:
    r = vozzo.run("status")
    assert r.code == 0, r.all
    assert "No managed campaigns in vozzo.lock" in r.out
    r = vozzo.run("status", "--format", "json")
    assert json.loads(r.out) == {"format_version": 1, "campaigns": []}


def test_status_sums_batches_under_their_key(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", state="RUNNING", schedule={"start_date": vozzo.day(0)})
    vozzo.campaign("loans", phones=["+919811100001"])
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("promo", state="RUNNING", schedule={"start_date": vozzo.day(0)},
                   phones=["+919820012345", "+919845023456", "+919833300003"])  # fmt: skip
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.app.emulator.advance(hours=6)

    r = vozzo.run("status")
    assert r.code == 0, r.all
    lines = r.out.splitlines()
    assert lines[0].split() == ["KEY", "NAME", "STATE", "PROGRESS", "ANSWERED", "START", "END"]
    promo = next(line for line in lines if line.startswith("promo"))
    assert "Promo, Promo #2" in promo
    assert "COMPLETED" in promo  # six hours of calling: every call was placed
    assert "3/3 (100%)" in promo  # 3 calls over both batches
    loans = next(line for line in lines if line.startswith("loans"))
    assert "TO_START" in loans and "0/1 (0%)" in loans

    doc = json.loads(vozzo.run("status", "promo", "--format", "json").out)
    [row] = doc["campaigns"]
    assert row["key"] == "promo" and row["total"] == 3
    assert [b["name"] for b in row["batches"]] == ["Promo", "Promo #2"]
    assert row["processed"] == sum(b["processed"] for b in row["batches"])
    assert row["calls_attempted"] is not None and row["calls_attempted"] >= row["processed"] > 0


def test_status_of_an_unknown_key_names_the_known_ones(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    vozzo.run("apply", "--auto-approve")
    r = vozzo.run("status", "nope")
    assert r.code == 1
    assert "error: 'nope' is not a key in vozzo.lock (known keys: promo)" in r.err


def test_status_watch_refreshes_and_stops_when_bounded(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    vozzo.run("apply", "--auto-approve")
    r = vozzo.run("status", "--watch", "0.1", "--times", "3", "--format", "json")
    assert r.code == 0, r.all
    docs = [json.loads(line) for line in r.out.splitlines()]
    assert len(docs) == 3 and all(d["campaigns"][0]["key"] == "promo" for d in docs)


def test_status_watch_ends_cleanly_on_ctrl_c(vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch) -> None:
    vozzo.campaign("promo")
    vozzo.run("apply", "--auto-approve")

    async def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(status_cli, "_sleep", interrupted)
    r = vozzo.run("status", "--watch", "5")
    assert r.code == 0, r.all
    assert "promo" in r.out
    assert "Stopped watching." in r.err
    assert "Traceback" not in r.all


# ---------------------------------------------------------------------------- calls


def test_calls_pages_through_thousands_of_calls(vozzo: Vozzo) -> None:
    vozzo.campaign("big", phones=[f"+9198{i:08d}" for i in range(2500)])
    r = vozzo.run("apply", "--auto-approve")
    assert r.code == 0, r.all

    first = vozzo.run("calls", "big")
    assert first.code == 0, first.all
    assert "1-20 of 2,500 calls, page 1 of 125; next: vozzoctl calls big --page 2" in first.out
    assert "+91******0000" in first.out
    assert "+919800000000" not in first.all

    last = vozzo.run("calls", "big", "--page", "25", "--page-size", "100", "--format", "json")
    doc = json.loads(last.out)
    assert doc["total"] == 2500 and doc["pages"] == 25 and len(doc["calls"]) == 100
    assert doc["calls"][-1]["to_phone_number"] == "+91******2499"

    shown = vozzo.run("calls", "big", "--page", "2", "--page-size", "3", "--show-pii")
    assert "+919800000003" in shown.out and "+919800000005" in shown.out

    past = vozzo.run("calls", "big", "--page", "999")
    assert past.code == 0 and "past the last page (125)" in past.out


def test_calls_spans_batches_and_shows_one_call_with_its_logs(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", state="RUNNING", schedule={"start_date": vozzo.day(0)})
    vozzo.run("apply", "--auto-approve")
    vozzo.campaign("promo", state="RUNNING", schedule={"start_date": vozzo.day(0)},
                   phones=["+919820012345", "+919845023456", "+919833300003"])  # fmt: skip
    vozzo.run("apply", "--auto-approve")
    vozzo.app.emulator.advance(hours=8)

    doc = json.loads(vozzo.run("calls", "promo", "--format", "json").out)
    assert doc["total"] == 3
    assert [c["campaign_name"] for c in doc["calls"]] == ["Promo", "Promo", "Promo #2"]
    text = vozzo.run("calls", "promo").out
    assert "CAMPAIGN" in text and "Promo #2" in text

    attempted = [c for c in doc["calls"] if c["attempts"]]
    assert attempted, doc
    one = vozzo.run("calls", "promo", attempted[0]["scheduled_item_id"])
    assert one.code == 0, one.all
    assert "Call logs:" in one.out and "OUTCOME" in one.out
    assert "+91******" in one.out
    one_json = json.loads(
        vozzo.run("calls", "promo", attempted[0]["scheduled_item_id"], "--format", "json").out
    )
    assert one_json["call"]["call_logs"]

    missing = vozzo.run("calls", "promo", "7d0e8f00-0000-4000-8000-000000000000")
    assert missing.code == 1
    assert "no scheduled call" in missing.err and "hint: `vozzoctl calls promo`" in missing.err


def test_calls_of_an_unknown_key(vozzo: Vozzo) -> None:
    r = vozzo.run("calls", "nope")
    assert r.code == 1
    assert "'nope' is not a key in vozzo.lock (known keys: none yet)" in r.err
