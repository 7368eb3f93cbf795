"""`vozzoctl import`: campaigns made through the API become manifests that plan finds unchanged."""

from __future__ import annotations

import csv
import json

import pytest
import yaml

from tests.cli.helpers import create, update
from tests.conftest import AGENT, AGENT2, Vozzo


def read_csv(vozzo: Vozzo, path: str) -> list[list[str]]:
    return list(csv.reader((vozzo.root / path).read_text(encoding="utf-8").splitlines()))


def made_by_hand(vozzo: Vozzo) -> dict[str, str]:
    ids = {
        "promo": create(vozzo, "Winter Promo", [
            ("+919820012345", "EN", {"customer_name": "Priya Sharma", "offer": "W15"}),
            ("+919845023456", "HI", {"customer_name": "Arjun Mehta"}),
            ("+918022223333", "KN", {}),
        ], campaign_end_date=vozzo.day(30)),
        "promo2": create(vozzo, "Winter Promo #2", [
            ("+919833300003", "EN", {"customer_name": "Neha, \"N\" Kapoor"}),
        ], campaign_end_date=vozzo.day(30), campaign_start_date=vozzo.day(1)),
        "loans": create(vozzo, "EMI Reminder (Jan)", [
            ("+919876543210", "HI", {"customer_name": "Ramesh", "emi": 4500, "vip": True}),
            ("+919812345678", "HI", {"customer_name": "Anita", "note": ""}),
        ], agent=AGENT2, campaign_max_retry=3, campaign_max_retry_per_day=1,
           campaign_allow_weekends=True),
        "odd": create(vozzo, "Odd", [("+919811100001", "EN", {"address": {"city": "Pune"}})]),
    }  # fmt: skip
    update(vozzo, ids["promo"], campaign_status="SUSPENDED")
    update(vozzo, ids["promo2"], campaign_status="SUSPENDED")
    return ids


def test_import_round_trip_plan_reports_no_changes(vozzo: Vozzo) -> None:
    ids = made_by_hand(vozzo)
    vozzo.app.emulator.advance(days=1)  # the first batch's start date has passed

    r = vozzo.run("import")
    assert r.code == 0, r.all
    assert "Imported 3 live campaign(s) as 2 key(s) into campaigns/imported:" in r.out
    assert "+ winter-promo ← 'Winter Promo', 'Winter Promo #2' (SUSPENDED, 4 recipient(s))" in r.out
    assert "campaigns/imported/winter-promo.csv  (4 phone numbers: keep it private)" in r.out
    assert "+ emi-reminder-jan ← 'EMI Reminder (Jan)'" in r.out
    assert "skipped: Odd: the metadata of +91******0001 holds a nested mapping in 'address'" in (
        r.err
    )
    assert "winter-promo: start_date" in r.err and "has passed" in r.err
    assert "2 recipient(s) have metadata a CSV cannot hold exactly" in r.err
    for number in ("+919820012345", "+919876543210", "+919811100001"):
        assert number not in r.all  # masked in all output

    doc = yaml.safe_load((vozzo.root / "campaigns/imported/winter-promo.yaml").read_text())
    spec = doc["spec"]
    assert doc["metadata"]["name"] == "winter-promo"
    assert spec["name"] == "Winter Promo" and spec["agent"] == AGENT
    assert spec["state"] == "SUSPENDED"
    assert spec["recipient_files"] == ["winter-promo.csv"]
    rows = read_csv(vozzo, "campaigns/imported/winter-promo.csv")
    assert rows[0] == ["phone", "language", "customer_name", "offer"]
    assert ["+918022223333", "KN", "", ""] in rows
    assert ["+919833300003", "EN", 'Neha, "N" Kapoor', ""] in rows
    loans = yaml.safe_load((vozzo.root / "campaigns/imported/emi-reminder-jan.yaml").read_text())
    assert loans["spec"]["retry"] == {"max_attempts": 3, "max_attempts_per_day": 1}
    assert loans["spec"]["recipients"][0]["metadata"]["emi"] == 4500

    lock = vozzo.lockfile()
    promo = lock["campaigns"]["winter-promo"]
    assert [b["campaign_id"] for b in promo["batches"]] == [ids["promo"], ids["promo2"]]
    assert [b["recipients"] for b in promo["batches"]] == [3, 1]
    assert ids["odd"] not in json.dumps(lock)
    assert "+91" not in json.dumps(lock)

    assert vozzo.run("validate").code == 0
    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 0, planned.all
    assert "No changes" in planned.out

    again = vozzo.run("import")  # everything importable is managed now
    assert again.code == 1  # only the refused one is left, and it is named again
    assert "Nothing to import" in again.out and "skipped: Odd" in again.err


@pytest.mark.parametrize("emulator_variant", ["legacy"])
def test_a_skipped_campaign_is_named_without_its_control_characters_or_numbers(
    vozzo: Vozzo,
) -> None:
    """Names and metadata keys are the account's: shown, never trusted, as every other
    name vozzoctl prints from the account."""
    hostile = "Odd \x1b[2J+919811100009"
    create(vozzo, hostile, [("+919811100001", "EN", {"\x1b]8;;x\x07+919811100002": {"a": 1}})])
    r = vozzo.run("import")
    assert (
        "skipped: Odd  [2J+91******0009: the metadata of +91******0001 holds a nested mapping "
        "in ' ]8;;x +91******0002'"
    ) in r.err
    assert "\x1b" not in r.all and "\x07" not in r.all
    for number in ("+919811100009", "+919811100002", "+919811100001"):
        assert number not in r.all


def test_import_reads_languages_the_older_list_rows_lack(vozzo: Vozzo) -> None:
    create(vozzo, "Hindi Only", [("+919845023456", "HI", {"n": "1"})])
    assert vozzo.run("import").code == 0
    rows = read_csv(vozzo, "campaigns/imported/hindi-only.csv")
    assert rows[1] == ["+919845023456", "HI", "1"]
    assert vozzo.run("plan", "--detailed-exitcode").code == 0


def test_import_of_an_empty_account(vozzo: Vozzo) -> None:
    r = vozzo.run("import")
    assert r.code == 0, r.all
    assert "Nothing to import" in r.out
    assert not (vozzo.root / "campaigns").exists()


def test_import_refuses_to_overwrite_and_writes_nothing(vozzo: Vozzo) -> None:
    create(vozzo, "Winter Promo", 2)
    vozzo.write("campaigns/imported/winter-promo.csv", "phone\n")
    r = vozzo.run("import")
    assert r.code == 1
    assert "error: refusing to overwrite campaigns/imported/winter-promo.csv" in r.err
    assert "hint: choose another --out folder" in r.err
    assert not (vozzo.root / "campaigns/imported/winter-promo.yaml").exists()
    assert not (vozzo.root / "vozzo.lock").exists()


def test_import_filters_by_state_and_agent_and_leaves_managed_keys_alone(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    create(vozzo, "Promo #2", 1)  # made by hand beside a managed key: plan adopts it
    running = create(vozzo, "Running One", 1, agent=AGENT2)
    update(vozzo, running, campaign_status="RUNNING")
    create(vozzo, "Waiting One", 1, agent=AGENT2)
    create(vozzo, "Other Agent", 1)

    r = vozzo.run("import", "--state", "RUNNING", "--out", "more")
    assert r.code == 0, r.all
    assert "+ running-one" in r.out and "waiting-one" not in r.out
    assert r.err == ""
    assert "Next: vozzoctl plan -f more --detailed-exitcode" in r.out

    r = vozzo.run("import", "--agent", AGENT2, "--out", "more")
    assert "+ waiting-one" in r.out and "other-agent" not in r.out

    r = vozzo.run("import", "--out", "more")
    assert "+ other-agent" in r.out
    assert "skipped: Promo #2: looks like a batch of the managed key 'promo'" in r.err
    keys = {"promo", "running-one", "waiting-one", "other-agent"}
    assert set(vozzo.lockfile()["campaigns"]) == keys
    plan = vozzo.run("plan", "-f", "campaigns", "-f", "more", "--detailed-exitcode")
    assert "← promo  (adopt)" in plan.out  # the hand-made batch is the plan's to adopt
    assert "running-one" not in plan.out.replace("No changes", "")  # imported: unchanged
