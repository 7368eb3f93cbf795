"""status's analytics, lookups by campaign id, and `campaigns` listing the live account."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tests.cli.helpers import api, create
from tests.conftest import AGENT, AGENT2, Vozzo


def analytics(vozzo: Vozzo, campaign_id: str) -> dict[str, Any]:
    with api(vozzo) as c:
        data: dict[str, Any] = c.get(f"/v1alpha/campaigns/analytics/{campaign_id}").json()
        return data


def test_status_shows_categories_goals_success_and_connect_rate_per_key(vozzo: Vozzo) -> None:
    phones = [f"+9198200{n:05d}" for n in range(12)]
    vozzo.campaign("promo", state="RUNNING", schedule={"start_date": vozzo.day(0)},
                   phones=phones[:6])  # fmt: skip
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("promo", state="RUNNING", schedule={"start_date": vozzo.day(0)},
                   phones=phones)  # fmt: skip
    assert vozzo.run("apply", "--auto-approve").code == 0  # a second batch: summed under the key
    vozzo.app.emulator.advance(hours=8)
    ids = [b["campaign_id"] for b in vozzo.lockfile()["campaigns"]["promo"]["batches"]]
    figures = [analytics(vozzo, i) for i in ids]
    attempted = sum(f["calls_attempted"] for f in figures)
    connected = sum(f["calls_connected"] for f in figures)
    categories = sum((Counter(f["categories"]) for f in figures), Counter())
    assert attempted and connected and categories  # the emulator placed and answered calls

    doc = json.loads(vozzo.run("status", "--format", "json").out)
    [row] = doc["campaigns"]
    assert row["calls_attempted"] == attempted and row["calls_connected"] == connected
    assert row["connect_rate"] == round(connected / attempted, 4)
    assert row["categories"] == dict(sorted(categories.items()))
    goal = row["goals"]["appointment_booked"]
    assert goal == {
        "achieved": sum(f["goals"]["appointment_booked"]["achieved"] for f in figures),
        "total": sum(f["goals"]["appointment_booked"]["total"] for f in figures),
    }
    assert row["success_criteria"]["call_connected"] == connected
    assert [b["connect_rate"] is not None for b in row["batches"]] == [True, True]

    out = vozzo.run("status").out
    table, below = out.split("\n", 1)[1], out.splitlines()[-1]
    assert f"{connected}/{attempted} ({connected / attempted:.0%})" in table
    assert below.startswith("promo: categories ")
    assert f"goals appointment_booked {goal['achieved']}/{goal['total']}" in below
    assert f"success call_connected {connected}" in below


def test_status_and_calls_take_a_campaign_id_managed_or_not(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    [managed] = [b["campaign_id"] for b in vozzo.lockfile()["campaigns"]["promo"]["batches"]]
    other = create(vozzo, "Made In The Dashboard", [("+919876543210", "HI", {"n": 1})])
    missing = "00000000-0000-4000-8000-00000000abcd"

    doc = json.loads(vozzo.run("status", "--id", managed, "--id", other, "--id", missing,
                               "--format", "json").out)  # fmt: skip
    rows = {r["batches"][0]["campaign_id"]: r for r in doc["campaigns"]}
    assert rows[managed]["key"] == "promo" and rows[managed]["names"] == ["Promo"]
    assert rows[other]["key"] == "-" and rows[other]["names"] == ["Made In The Dashboard"]
    assert rows[missing]["state"] == "MISSING"
    assert vozzo.run("status", "promo", "--id", managed).code == 1

    r = vozzo.run("calls", "--id", other)
    assert r.code == 0, r.all
    assert "+91******3210" in r.out and "+919876543210" not in r.out
    item = vozzo.app.emulator.items(other)[0]["scheduled_item_id"]
    r = vozzo.run("calls", "--id", other, item)
    assert r.code == 0, r.all
    assert f"Call {item}" in r.out and "Made In The Dashboard" in r.out
    r = vozzo.run("calls", "--id", other, "00000000-0000-4000-8000-000000000001")
    assert r.code == 1 and f"hint: `vozzoctl calls --id {other}` lists them" in r.err
    r = vozzo.run("calls")
    assert r.code == 1 and "name a KEY, or a campaign with --id" in r.err


def test_campaigns_lists_the_live_account_through_both_paginations(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    for n in range(104):
        create(vozzo, f"Lead {n:03d}", 1)
    create(vozzo, "Call back +919820012345", 1, agent=AGENT2)
    create(vozzo, "Other agent", 1, agent=AGENT2)

    r = vozzo.run("campaigns")
    assert r.code == 0, r.all
    rows = [line for line in r.out.splitlines()[1:-1]]
    assert len(rows) == 107
    assert sum(1 for line in rows if line.startswith("promo ")) == 1
    assert "107 campaign(s), 106 not managed here" in r.out
    assert "+919820012345" not in r.out and "Call back +91******2345" in r.out
    listed = [q for q in vozzo.app.emulator.requests if q.path == "/v1alpha/campaigns"]
    assert len(listed) >= 2  # a hundred a page: the list endpoint's limit/offset pages

    doc = json.loads(vozzo.run("campaigns", "--agent", AGENT, "--format", "json").out)
    assert len(doc["campaigns"]) == 105
    assert {c["agent_id"] for c in doc["campaigns"]} == {AGENT}
    assert [c["key"] for c in doc["campaigns"] if c["key"]] == ["promo"]
    by_agent = [q for q in vozzo.app.emulator.requests if q.path.endswith(f"/agent/{AGENT}")]
    assert len(by_agent) >= 2  # and the agent endpoint's page/page_size pages

    with api(vozzo) as c:
        first = create(vozzo, "To run", 1, agent=AGENT2)
        params = {"campaign_allow_weekends": "false", "campaign_status": "RUNNING"}
        r2 = c.post(f"/v1alpha/campaign/update-campaign/{first}/", params=params)
        assert r2.status_code == 200, r2.text
    running = json.loads(vozzo.run("campaigns", "--state", "RUNNING", "--format", "json").out)
    assert [c["name"] for c in running["campaigns"]] == ["To run"]
    running = json.loads(vozzo.run("campaigns", "--agent", AGENT2, "--state", "RUNNING",
                                   "--format", "json").out)  # fmt: skip
    assert [c["campaign_id"] for c in running["campaigns"]] == [first]
    r = vozzo.run("campaigns", "--agent", "00000000-0000-4000-8000-000000000000")
    assert r.code == 1 and "does not exist in this organisation" in r.err
