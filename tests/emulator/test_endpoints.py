"""Each endpoint answers the shapes of vozzo-api.md."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from vozzoctl.emulator import DEFAULT_AGENT


def test_create_answers_201_with_id_state_and_count(
    emulator_client: httpx.Client, body: Any
) -> None:
    r = emulator_client.post("/v1alpha/campaign", json=body())
    assert r.status_code == 201
    got = r.json()
    assert got["success"] is True
    assert got["message"] == "Campaign created successfully"
    assert got["data"]["campaign_state"] == "TO_START"
    assert got["data"]["total_records"] == 2
    uuid.UUID(got["data"]["campaign_id"])


def test_same_body_twice_makes_two_campaigns(emulator_client: httpx.Client, create: Any) -> None:
    a, b = create(), create()
    assert a != b
    assert emulator_client.get("/v1alpha/campaigns").json()["total"] == 2


def test_detail_is_the_reference_campaign_object(
    emulator_client: httpx.Client, create: Any
) -> None:
    cid = create()
    got = emulator_client.get(f"/v1alpha/campaign/{cid}").json()
    assert got == {
        "campaign_id": cid,
        "org_id": 1,
        "agent_id": DEFAULT_AGENT,
        "campaign_state": "TO_START",
        "campaign_start_date": "2026-03-02",
        "campaign_end_date": "2026-03-31",
        "campaign_config": {
            "campaign_name": "Winter Promotion 2026",
            "retry_options": {"max_calls_total": 3, "max_calls_in_a_day": 1, "retry_delay": 60},
            "metadata": {},
            "timeslot_settings": {
                "timezone": "IST",
                "allow_on_weekends": False,
                "start_time": "09",
                "end_time": "18",
            },
            "preferred_timeslot": "ANYDAY",
            "encrypted_data": False,
            "internal_auth": False,
            "org_id": None,
            "post_call_action": None,
        },
        "created_at": "2026-03-02T04:30:00+00:00",
        "updated_at": "2026-03-02T04:30:00+00:00",
        "total_records": 2,
        "processed_records": 0,
    }


def test_per_day_reads_back_as_total_when_not_set(
    emulator_client: httpx.Client, create: Any
) -> None:
    cid = create(campaign_max_retry_per_day=None, campaign_end_date=None)
    got = emulator_client.get(f"/v1alpha/campaign/{cid}").json()
    assert got["campaign_config"]["retry_options"]["max_calls_in_a_day"] == 3
    assert got["campaign_end_date"] is None


def test_list_rows(emulator_client: httpx.Client, create: Any) -> None:
    cid = create()
    got = emulator_client.get("/v1alpha/campaigns").json()
    assert got == {
        "campaigns": [
            {
                "campaign_id": cid,
                "campaign_name": "Winter Promotion 2026",
                "campaign_state": "TO_START",
                "agent_id": DEFAULT_AGENT,
                "created_at": "2026-03-02T04:30:00+00:00",
                "total_records": 2,
                "processed_records": 0,
            }
        ],
        "total": 1,
        "limit": 20,
        "offset": 0,
    }


def test_list_state_filter(emulator_client: httpx.Client, create: Any) -> None:
    a, _ = create(), create()
    emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{a}/",
        params={"campaign_allow_weekends": "false", "campaign_status": "RUNNING"},
    )
    got = emulator_client.get("/v1alpha/campaigns", params={"state": "RUNNING"}).json()
    assert [c["campaign_id"] for c in got["campaigns"]] == [a]
    assert got["total"] == 1


@pytest.mark.parametrize("slash", ["/", ""])
def test_update_with_and_without_trailing_slash(
    emulator_client: httpx.Client, create: Any, slash: str
) -> None:
    cid = create()
    r = emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{cid}{slash}",
        params={"campaign_allow_weekends": "true", "campaign_end_time": "20"},
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["success"] is True
    assert got["message"] == "Campaign updated successfully"
    ts = got["data"]["campaign_config"]["timeslot_settings"]
    assert ts["allow_on_weekends"] is True
    assert ts["end_time"] == "20"
    assert got["data"]["campaign_id"] == cid


def test_update_unknown_campaign_is_404(emulator_client: httpx.Client) -> None:
    r = emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{uuid.uuid4()}/",
        params={"campaign_allow_weekends": "false"},
    )
    assert r.status_code == 404
    assert r.json() == {"detail": "Campaign not found."}


def test_update_changes_nothing_it_is_not_given(
    emulator_client: httpx.Client, create: Any, emulator: Any
) -> None:
    cid = create()
    before = emulator_client.get(f"/v1alpha/campaign/{cid}").json()
    emulator.advance(minutes=5)
    r = emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{cid}/",
        params={"campaign_allow_weekends": "false"},
    )
    assert r.json()["data"] == before  # not even updated_at moves when nothing changes


def test_auth_me(emulator_client: httpx.Client) -> None:
    got = emulator_client.get("/v1alpha/auth/me").json()
    assert got["organization_id"] == 1
    assert got["permissions"] == ["campaign:read", "campaign:write"]
    assert set(got) == {
        "user_id", "email", "name", "organization_id", "organization_name",
        "permissions", "created_at", "last_login",
    }  # fmt: skip


def test_detail_unknown_is_404_and_malformed_is_422(emulator_client: httpx.Client) -> None:
    r = emulator_client.get(f"/v1alpha/campaign/{uuid.uuid4()}")
    assert (r.status_code, r.json()) == (404, {"detail": "Campaign not found."})
    r = emulator_client.get("/v1alpha/campaign/not-a-uuid")
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["loc"] == ["path", "campaign_id"]
    assert set(err) == {"loc", "msg", "type"}


def test_vendor_agent_id_is_accepted_though_not_rfc4122(emulator_client: httpx.Client) -> None:
    r = emulator_client.get(f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}/count")
    assert r.json() == {
        "agent_uuid": DEFAULT_AGENT,
        "total_campaigns": 0,
        "active_campaigns": 0,
        "completed_campaigns": 0,
    }


def test_by_agent_lists_full_objects_and_counts(emulator_client: httpx.Client, create: Any) -> None:
    a, b = create(), create()
    emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{a}/",
        params={"campaign_allow_weekends": "false", "campaign_status": "ENDED"},
    )
    got = emulator_client.get(f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}").json()
    assert (got["page"], got["page_size"], got["total"]) == (1, 10, 2)
    assert [c["campaign_id"] for c in got["campaigns"]] == [b, a]
    assert "campaign_config" in got["campaigns"][0]
    count = emulator_client.get(f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}/count").json()
    assert (count["total_campaigns"], count["active_campaigns"], count["completed_campaigns"]) == (
        2,
        1,
        1,
    )


def test_by_agent_pages_newest_first_and_touch_only_the_page(
    emulator_client: httpx.Client, emulator: Any, create: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = [create(campaign_name=f"Paged {i:02d}") for i in range(23)]
    for cid in made:  # every campaign RUNNING: each read would advance it
        emulator_client.post(
            f"/v1alpha/campaign/update-campaign/{cid}/",
            params={"campaign_allow_weekends": "false", "campaign_status": "RUNNING"},
        )
    advanced: list[str] = []
    real = emulator.store._advance
    monkeypatch.setattr(
        emulator.store, "_advance", lambda c, now: (advanced.append(c.id), real(c, now))[1]
    )
    path = f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}"
    pages = [
        emulator_client.get(path, params={"page": p, "page_size": 10}).json() for p in (1, 2, 3, 4)
    ]
    assert [[c["campaign_id"] for c in page["campaigns"]] for page in pages] == [
        made[::-1][0:10],
        made[::-1][10:20],
        made[::-1][20:23],
        [],
    ]
    assert {page["total"] for page in pages} == {23}
    assert advanced == made[::-1]  # the 23 shown, once each: not the agent's every campaign a page


def test_by_agent_rows_show_every_change_since_the_last_read(
    emulator_client: httpx.Client, create: Any
) -> None:
    cid = create()
    path = f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}"
    detail = f"/v1alpha/campaign/{cid}"
    [before] = emulator_client.get(path).json()["campaigns"]
    assert before == emulator_client.get(detail).json()
    emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{cid}/",
        params={"campaign_allow_weekends": "true", "campaign_end_time": "17"},
    )
    [after] = emulator_client.get(path).json()["campaigns"]
    assert after == emulator_client.get(detail).json()
    slot = after["campaign_config"]["timeslot_settings"]
    assert (slot["allow_on_weekends"], slot["end_time"]) == (True, "17")


def test_by_agent_unknown_agent_or_no_campaigns_is_404(emulator_client: httpx.Client) -> None:
    r = emulator_client.get(f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}")
    assert r.status_code == 404
    assert isinstance(r.json()["detail"], str)
    other = uuid.uuid4()
    for path in (f"/v1alpha/campaigns/agent/{other}", f"/v1alpha/campaigns/agent/{other}/count"):
        r = emulator_client.get(path)
        assert (r.status_code, r.json()) == (404, {"detail": "Agent not found."})


def test_items_keep_campaign_data_order(emulator_client: httpx.Client, create: Any) -> None:
    cid = create()
    got = emulator_client.get(f"/v1alpha/campaign/{cid}/items").json()
    assert (got["page"], got["page_size"], got["total"]) == (1, 20, 2)
    first, second = got["items"]
    assert first["to_phone_number"] == "+911234567890"
    assert second == {
        "scheduled_item_id": second["scheduled_item_id"],
        "to_phone_number": "+911234567891",
        "agent_language": "HI",
        "metadata": '{"customer_name":"John Doe"}',
        "status": "SCHEDULED",
        "attempts": 0,
        "last_attempt_at": None,
        "next_attempt_at": None,
    }
    one = emulator_client.get(f"/v1alpha/campaign/{cid}/item/{second['scheduled_item_id']}").json()
    assert one == {**second, "call_logs": []}


def test_item_not_in_campaign_is_404(emulator_client: httpx.Client, create: Any) -> None:
    cid = create()
    r = emulator_client.get(f"/v1alpha/campaign/{cid}/item/{uuid.uuid4()}")
    assert r.status_code == 404
    assert isinstance(r.json()["detail"], str)
    r = emulator_client.get(f"/v1alpha/campaign/{cid}/item/nope")
    assert r.status_code == 422


def test_analytics_of_a_new_campaign(emulator_client: httpx.Client, create: Any) -> None:
    cid = create()
    got = emulator_client.get(f"/v1alpha/campaigns/analytics/{cid}").json()
    assert got["campaign_id"] == cid
    assert (got["total_records"], got["processed_records"], got["calls_attempted"]) == (2, 0, 0)
    assert {"categories", "goals", "success_criteria", "tags", "calls_connected"} <= set(got)


def test_unknown_path_and_method(emulator_client: httpx.Client) -> None:
    r = emulator_client.get("/v1alpha/nothing-here")
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
    r = emulator_client.delete("/v1alpha/campaigns")
    assert r.status_code == 405
    assert isinstance(r.json()["detail"], str)


def test_over_a_real_socket(emulator_server: str, body: Any) -> None:
    headers = {"Authorization": "Token emulator-token"}
    with httpx.Client(base_url=emulator_server, headers=headers) as client:
        r = client.post("/v1alpha/campaign", json=body())
        assert r.status_code == 201
        cid = r.json()["data"]["campaign_id"]
        assert client.get(f"/v1alpha/campaign/{cid}").json()["campaign_id"] == cid
    assert emulator_server.startswith("http://127.0.0.1:")
