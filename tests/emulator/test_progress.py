"""Calls progress on the emulated clock; state survives a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from vozzoctl.emulator import DEFAULT_TOKEN, ManualClock, SyncASGITransport, create_app

START = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # Monday 10:00 IST
HEADERS = {"Authorization": f"Token {DEFAULT_TOKEN}"}


def rows(n: int) -> list[dict[str, str]]:
    return [
        {"to_phone_number": f"+9198765{i:05d}", "agent_language": "EN", "metadata": "{}"}
        for i in range(n)
    ]


def start(client: httpx.Client, cid: str) -> None:
    r = client.post(
        f"/v1alpha/campaign/update-campaign/{cid}/",
        params={"campaign_allow_weekends": "false", "campaign_status": "RUNNING"},
    )
    assert r.status_code == 200, r.text


def all_items(client: httpx.Client, cid: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for page in range(1, 20):
        got = client.get(f"/v1alpha/campaign/{cid}/items", params={"page": page}).json()
        out += got["items"]
        if len(out) >= got["total"]:
            return out
    raise AssertionError("too many pages")


def test_a_to_start_campaign_places_no_calls(
    emulator_client: httpx.Client, create: Any, emulator: Any
) -> None:
    cid = create()
    emulator.advance(days=3)
    got = emulator_client.get(f"/v1alpha/campaign/{cid}").json()
    assert (got["campaign_state"], got["processed_records"]) == ("TO_START", 0)


def test_running_campaign_completes_with_derived_analytics(
    emulator_client: httpx.Client, create: Any, emulator: Any
) -> None:
    cid = create(campaign_data=rows(12), campaign_max_retry=3, campaign_max_retry_per_day=3)
    began = emulator.now()
    start(emulator_client, cid)
    emulator.advance(minutes=1)
    first = all_items(emulator_client, cid)
    assert any(it["status"] == "IN_PROGRESS" for it in first)
    assert all(it["attempts"] <= 1 for it in first)
    emulator.advance(days=2)
    detail = emulator_client.get(f"/v1alpha/campaign/{cid}").json()
    assert detail["campaign_state"] == "COMPLETED"
    assert detail["processed_records"] == 12
    items = all_items(emulator_client, cid)
    assert {it["status"] for it in items} <= {"COMPLETED", "FAILED"}
    logs = []
    for it in items:
        one = emulator_client.get(f"/v1alpha/campaign/{cid}/item/{it['scheduled_item_id']}").json()
        assert len(one["call_logs"]) == it["attempts"] <= 3
        assert it["next_attempt_at"] is None
        outcomes = [log["outcome"] for log in one["call_logs"]]
        assert ("ANSWERED" in outcomes) == (it["status"] == "COMPLETED")
        for log in one["call_logs"]:
            assert log["outcome"] in {"ANSWERED", "NO_ANSWER", "BUSY", "FAILED"}
            started = datetime.fromisoformat(log["started_at"])
            ended = datetime.fromisoformat(log["ended_at"])
            assert began <= started <= ended <= emulator.now()  # placed while it ran
            assert log["duration_seconds"] == int((ended - started).total_seconds())
        logs += one["call_logs"]
    stats = emulator_client.get(f"/v1alpha/campaigns/analytics/{cid}").json()
    assert stats["calls_attempted"] == len(logs)
    assert stats["calls_connected"] == sum(log["outcome"] == "ANSWERED" for log in logs)
    assert stats["calls_connected"] == sum(stats["categories"].values())
    goals = stats["goals"]["appointment_booked"]
    assert goals["total"] == stats["calls_connected"] >= goals["achieved"]
    assert stats["processed_records"] == 12


def test_calls_stay_inside_the_window_and_respect_per_day(
    emulator_client: httpx.Client, create: Any, emulator: Any
) -> None:
    # Friday start, no weekends, one call a day: retries land on Monday at 09 IST at the earliest
    cid = create(
        campaign_start_date="2026-03-06",
        campaign_data=rows(6),
        campaign_max_retry=3,
        campaign_max_retry_per_day=1,
        campaign_start_time="11",
        campaign_end_time="13",
    )
    start(emulator_client, cid)
    emulator.advance(days=14)
    ist = timedelta(hours=5, minutes=30)
    for it in all_items(emulator_client, cid):
        one = emulator_client.get(f"/v1alpha/campaign/{cid}/item/{it['scheduled_item_id']}").json()
        days = []
        for log in one["call_logs"]:
            local = datetime.fromisoformat(log["started_at"]) + ist
            assert 11 <= local.hour < 13
            assert local.weekday() < 5
            assert local.date() >= datetime(2026, 3, 6).date()
            days.append(local.date())
        assert len(days) == len(set(days))  # at most one call per IST day


def test_suspended_campaign_stops_calling(
    emulator_client: httpx.Client, create: Any, emulator: Any
) -> None:
    cid = create(campaign_data=rows(30))
    start(emulator_client, cid)
    emulator.advance(minutes=2)
    emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{cid}/",
        params={"campaign_allow_weekends": "false", "campaign_status": "SUSPENDED"},
    )
    attempts = sum(it["attempts"] for it in all_items(emulator_client, cid))
    emulator.advance(days=5)
    assert sum(it["attempts"] for it in all_items(emulator_client, cid)) == attempts
    assert emulator_client.get(f"/v1alpha/campaign/{cid}").json()["campaign_state"] == "SUSPENDED"


def _run(seed: int) -> list[list[str]]:
    clock = ManualClock(START)
    app = create_app(clock=clock, seed=seed)
    body = {
        "agent_uuid": "619ec26c-4957-4926-70f8-fe7391b3527e",
        "campaign_name": "seeded",
        "campaign_start_date": "2026-03-02",
        "campaign_start_time": "09",
        "campaign_end_time": "18",
        "campaign_allow_weekends": True,
        "campaign_max_retry": 5,
        "campaign_data": rows(10),
    }
    with httpx.Client(
        transport=SyncASGITransport(app), base_url="http://vozzo.test", headers=HEADERS
    ) as client:
        cid = client.post("/v1alpha/campaign", json=body).json()["data"]["campaign_id"]
        start(client, cid)
        clock.advance(days=3)
        out = [[log["outcome"] for log in it["call_logs"]] for it in app.emulator.items(cid)]
    app.emulator.close()
    return out


def test_outcomes_are_deterministic_from_the_seed() -> None:
    assert _run(7) == _run(7)
    assert _run(7) != _run(8)


def test_state_survives_a_restart(tmp_path: Path, body: Any) -> None:
    db = tmp_path / "emulator.db"
    clock = ManualClock(START)
    app = create_app(clock=clock, state_file=db)
    with httpx.Client(
        transport=SyncASGITransport(app), base_url="http://vozzo.test", headers=HEADERS
    ) as client:
        cid = client.post("/v1alpha/campaign", json=body()).json()["data"]["campaign_id"]
        start(client, cid)
        clock.advance(hours=1)
        before = client.get(f"/v1alpha/campaign/{cid}").json()
        items_before = client.get(f"/v1alpha/campaign/{cid}/items").json()
    app.emulator.close()

    again = create_app(clock=clock, state_file=db)
    with httpx.Client(
        transport=SyncASGITransport(again), base_url="http://vozzo.test", headers=HEADERS
    ) as client:
        assert client.get(f"/v1alpha/campaign/{cid}").json() == before
        assert client.get(f"/v1alpha/campaign/{cid}/items").json() == items_before
        assert client.get("/v1alpha/campaigns").json()["total"] == 1
        clock.advance(days=5)
        done = client.get(f"/v1alpha/campaign/{cid}").json()
        assert done["processed_records"] == 2
        later = body(campaign_start_date="2026-03-09", campaign_end_date=None)
        second = client.post("/v1alpha/campaign", json=later).json()["data"]["campaign_id"]
        listed = client.get("/v1alpha/campaigns").json()["campaigns"]
        assert [c["campaign_id"] for c in listed] == [second, cid]
    again.emulator.close()


def test_speed_accelerates_the_source_clock() -> None:
    source = ManualClock(START)
    app = create_app(clock=source, speed=60)
    source.advance(seconds=2)  # two real seconds ...
    assert app.emulator.now() == START + timedelta(minutes=2)  # ... are two emulated minutes
    app.emulator.advance(minutes=10)  # and a test can still jump ahead
    assert app.emulator.now() == START + timedelta(minutes=12)
    app.emulator.close()
