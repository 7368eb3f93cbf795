"""Every create and update rule of vozzo-api.md: what a client sees when it breaks one."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from vozzoctl.emulator import DEFAULT_AGENT

OTHER_AGENT = "32f9e6e3-b535-4d2e-959d-c94cfd456a23"
R0 = {"to_phone_number": "+911234567890", "agent_language": "EN", "metadata": "{}"}


def row(**kw: Any) -> list[dict[str, Any]]:
    out = dict(R0)
    for k, v in kw.items():
        if v is None:
            out.pop(k)
        else:
            out[k] = v
    return [out]


# (case, changes to the valid body, field that carries the error)
CREATE_400 = [
    ("agent missing", {"agent_uuid": None}, "agent_uuid"),
    ("agent not a uuid", {"agent_uuid": "619ec26c"}, "agent_uuid"),
    ("agent a number", {"agent_uuid": 42}, "agent_uuid"),
    ("name missing", {"campaign_name": None}, "campaign_name"),
    ("name blank", {"campaign_name": "   "}, "campaign_name"),
    ("name not a string", {"campaign_name": ["x"]}, "campaign_name"),
    ("start date missing", {"campaign_start_date": None}, "campaign_start_date"),
    ("start date not ISO", {"campaign_start_date": "02/03/2026"}, "campaign_start_date"),
    ("start date impossible", {"campaign_start_date": "2026-13-45"}, "campaign_start_date"),
    ("start date yesterday (IST)", {"campaign_start_date": "2026-03-01"}, "campaign_start_date"),
    ("end before start", {"campaign_end_date": "2026-03-01"}, "campaign_end_date"),
    ("end date not ISO", {"campaign_end_date": "2026-3-31"}, "campaign_end_date"),
    ("start time missing", {"campaign_start_time": None}, "campaign_start_time"),
    ("start time one digit", {"campaign_start_time": "9"}, "campaign_start_time"),
    ("start time an int", {"campaign_start_time": 9}, "campaign_start_time"),
    ("end time 24", {"campaign_end_time": "24"}, "campaign_end_time"),
    ("end time before start", {"campaign_end_time": "08"}, "campaign_end_time"),
    ("end time equal start", {"campaign_end_time": "09"}, "campaign_end_time"),
    ("weekends missing", {"campaign_allow_weekends": None}, "campaign_allow_weekends"),
    ("weekends a string", {"campaign_allow_weekends": "false"}, "campaign_allow_weekends"),
    ("retry missing", {"campaign_max_retry": None}, "campaign_max_retry"),
    ("retry 0", {"campaign_max_retry": 0}, "campaign_max_retry"),
    ("retry 6", {"campaign_max_retry": 6}, "campaign_max_retry"),
    ("retry a string", {"campaign_max_retry": "3"}, "campaign_max_retry"),
    ("retry a bool", {"campaign_max_retry": True}, "campaign_max_retry"),
    ("per day 0", {"campaign_max_retry_per_day": 0}, "campaign_max_retry_per_day"),
    ("per day over total", {"campaign_max_retry_per_day": 4}, "campaign_max_retry_per_day"),
    ("data missing", {"campaign_data": None}, "campaign_data"),
    ("data empty", {"campaign_data": []}, "campaign_data"),
    ("data an object", {"campaign_data": {"a": 1}}, "campaign_data"),
    ("row not an object", {"campaign_data": ["+911234567890"]}, "campaign_data[0]"),
    (
        "phone with dashes",
        {"campaign_data": row(to_phone_number="+91-1234567890")},
        "campaign_data[0].to_phone_number",
    ),
    (
        "phone without +",
        {"campaign_data": row(to_phone_number="911234567890")},
        "campaign_data[0].to_phone_number",
    ),
    (
        "phone missing",
        {"campaign_data": row(to_phone_number=None)},
        "campaign_data[0].to_phone_number",
    ),
    (
        "unknown language",
        {"campaign_data": row(agent_language="FR")},
        "campaign_data[0].agent_language",
    ),
    (
        "lower-case language",
        {"campaign_data": row(agent_language="en")},
        "campaign_data[0].agent_language",
    ),
    (
        "metadata an object",
        {"campaign_data": row(metadata={"customer_name": "John Doe"})},
        "campaign_data[0].metadata",
    ),
    (
        "metadata not JSON",
        {"campaign_data": row(metadata="{customer_name: John}")},
        "campaign_data[0].metadata",
    ),
]


@pytest.mark.parametrize(
    ("changes", "field"), [c[1:] for c in CREATE_400], ids=[c[0] for c in CREATE_400]
)
def test_create_rule_answers_400_under_its_field(
    emulator_client: httpx.Client, body: Any, changes: dict[str, Any], field: str
) -> None:
    r = emulator_client.post("/v1alpha/campaign", json=body(**changes))
    assert r.status_code == 400, r.text
    got = r.json()
    assert got["success"] is False
    assert isinstance(got["message"], str) and got["message"]
    assert list(got["errors"]) == [field]
    assert all(isinstance(m, str) for m in got["errors"][field])
    assert emulator_client.get("/v1alpha/campaigns").json()["total"] == 0


def test_metadata_object_says_so(emulator_client: httpx.Client, body: Any) -> None:
    r = emulator_client.post(
        "/v1alpha/campaign", json=body(campaign_data=row(metadata={"customer_name": "John"}))
    )
    assert r.json()["message"] == "Metadata must be a valid JSON string"


def test_errors_never_echo_the_phone_number(emulator_client: httpx.Client, body: Any) -> None:
    r = emulator_client.post(
        "/v1alpha/campaign", json=body(campaign_data=row(to_phone_number="+91-9876543210"))
    )
    assert "9876543210" not in r.text


def test_every_broken_field_is_reported_at_once(emulator_client: httpx.Client, body: Any) -> None:
    r = emulator_client.post(
        "/v1alpha/campaign", json=body(campaign_max_retry=9, campaign_start_time="x")
    )
    assert set(r.json()["errors"]) == {"campaign_max_retry", "campaign_start_time"}


def test_agent_not_in_org_is_404(emulator_client: httpx.Client, body: Any) -> None:
    r = emulator_client.post("/v1alpha/campaign", json=body(agent_uuid=OTHER_AGENT))
    assert (r.status_code, r.json()) == (404, {"detail": "Agent not found."})


@pytest.mark.parametrize("emulator_options", [{"agents": [DEFAULT_AGENT, OTHER_AGENT]}])
def test_each_agent_of_the_org_may_be_used(emulator_client: httpx.Client, body: Any) -> None:
    r = emulator_client.post("/v1alpha/campaign", json=body(agent_uuid=OTHER_AGENT.upper()))
    assert r.status_code == 201
    cid = r.json()["data"]["campaign_id"]
    assert emulator_client.get(f"/v1alpha/campaign/{cid}").json()["agent_id"] == OTHER_AGENT


@pytest.mark.parametrize(
    "changes",
    [
        {"campaign_end_date": None},
        {"campaign_max_retry_per_day": None},
        {"campaign_max_retry": 5, "campaign_max_retry_per_day": 5},
        {"campaign_start_time": "00", "campaign_end_time": "23"},
        {"campaign_start_date": "2027-01-01", "campaign_end_date": "2027-01-01"},
        {"campaign_data": row(metadata=None)},
        {"campaign_data": [dict(R0, to_phone_number=f"+9198765{i:05d}") for i in range(2000)]},
        {"extra_field": "ignored"},
    ],
    ids=[
        "open-ended",
        "no per-day",
        "retry 5/5",
        "00-23",
        "one future day",
        "no metadata",
        "2000 rows",
        "unknown field",
    ],
)
def test_valid_variants_are_created(
    emulator_client: httpx.Client, body: Any, changes: dict[str, Any]
) -> None:
    r = emulator_client.post("/v1alpha/campaign", json=body(**changes))
    assert r.status_code == 201, r.text


def test_today_is_the_ist_date(emulator: Any, emulator_client: httpx.Client, body: Any) -> None:
    # 2026-03-02 20:00 UTC is already 2026-03-03 01:30 in IST: "today" has moved on
    emulator.advance(hours=15, minutes=30)
    r = emulator_client.post("/v1alpha/campaign", json=body())
    assert r.status_code == 400
    assert list(r.json()["errors"]) == ["campaign_start_date"]
    r = emulator_client.post("/v1alpha/campaign", json=body(campaign_start_date="2026-03-03"))
    assert r.status_code == 201


# ---- update -------------------------------------------------------------------------------------

UPDATE_400 = [
    ("weekends missing", {}, "campaign_allow_weekends"),
    ("weekends not a bool", {"campaign_allow_weekends": "maybe"}, "campaign_allow_weekends"),
    ("status unknown", {"campaign_status": "PAUSED"}, "campaign_status"),
    ("status COMPLETED", {"campaign_status": "COMPLETED"}, "campaign_status"),
    ("start date not ISO", {"campaign_start_date": "1/4/2026"}, "campaign_start_date"),
    ("start date moved to the past", {"campaign_start_date": "2026-03-01"}, "campaign_start_date"),
    ("end before start", {"campaign_end_date": "2026-03-01"}, "campaign_end_date"),
    ("retry 6", {"campaign_max_retry": "6"}, "campaign_max_retry"),
    ("retry words", {"campaign_max_retry": "three"}, "campaign_max_retry"),
    ("per day over total", {"campaign_max_retry_per_day": "4"}, "campaign_max_retry_per_day"),
    (
        "total under per day",
        {"campaign_max_retry": "1", "campaign_max_retry_per_day": "2"},
        "campaign_max_retry_per_day",
    ),
    ("start time 25", {"campaign_start_time": "25"}, "campaign_start_time"),
    ("end time before start", {"campaign_end_time": "08"}, "campaign_end_time"),
    ("window inverted", {"campaign_start_time": "19"}, "campaign_end_time"),
]


@pytest.mark.parametrize(
    ("query", "field"), [c[1:] for c in UPDATE_400], ids=[c[0] for c in UPDATE_400]
)
def test_update_rule_answers_400_under_its_field(
    emulator_client: httpx.Client, create: Any, query: dict[str, str], field: str
) -> None:
    cid = create()
    before = emulator_client.get(f"/v1alpha/campaign/{cid}").json()
    params = {"campaign_allow_weekends": "false", **query}
    if not query:
        params = {}
    r = emulator_client.post(f"/v1alpha/campaign/update-campaign/{cid}/", params=params)
    assert r.status_code == 400, r.text
    got = r.json()
    assert got["success"] is False
    assert list(got["errors"]) == [field]
    assert emulator_client.get(f"/v1alpha/campaign/{cid}").json() == before


def test_a_past_start_date_may_stay_when_not_changed(
    emulator: Any, emulator_client: httpx.Client, create: Any
) -> None:
    cid = create()
    emulator.advance(days=3)
    r = emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{cid}/",
        params={
            "campaign_allow_weekends": "false",
            "campaign_start_date": "2026-03-02",
            "campaign_max_retry": "5",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["campaign_config"]["retry_options"]["max_calls_total"] == 5


def test_update_reads_back_every_field(emulator_client: httpx.Client, create: Any) -> None:
    cid = create()
    r = emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{cid}",
        params={
            "campaign_allow_weekends": "true",
            "campaign_status": "SUSPENDED",
            "campaign_start_date": "2026-04-01",
            "campaign_end_date": "2026-04-14",
            "campaign_max_retry": "4",
            "campaign_max_retry_per_day": "2",
            "campaign_start_time": "10",
            "campaign_end_time": "17",
        },
    )
    data = r.json()["data"]
    assert data["campaign_state"] == "SUSPENDED"
    assert (data["campaign_start_date"], data["campaign_end_date"]) == ("2026-04-01", "2026-04-14")
    cfg = data["campaign_config"]
    assert cfg["retry_options"] == {
        "max_calls_total": 4,
        "max_calls_in_a_day": 2,
        "retry_delay": 60,
    }
    assert cfg["timeslot_settings"] == {
        "timezone": "IST",
        "allow_on_weekends": True,
        "start_time": "10",
        "end_time": "17",
    }
    assert emulator_client.get(f"/v1alpha/campaign/{cid}").json() == data
