"""Auth, the state machine, pagination, limits and the legacy variant, as a client sees them."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import httpx
import pytest

from vozzoctl.emulator import DEFAULT_AGENT
from vozzoctl.model import TRANSITIONS, State

NOT_PROVIDED = {"detail": "Authentication credentials were not provided."}
INVALID = {"detail": "Invalid token."}


# ---- auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, NOT_PROVIDED),
        ("", NOT_PROVIDED),
        ("emulator-token", INVALID),
        ("Bearer emulator-token", INVALID),
        ("token emulator-token", INVALID),
        ("Token  emulator-token", INVALID),
        ("Token", INVALID),
        ("Token ", INVALID),
        ("Token wrong-key", INVALID),
    ],
)
@pytest.mark.parametrize("path", ["/v1alpha/campaigns", "/v1alpha/auth/me"])
def test_bad_keys_are_401(
    emulator_client: httpx.Client, header: str | None, expected: dict[str, str], path: str
) -> None:
    headers = {} if header is None else {"Authorization": header}
    del emulator_client.headers["Authorization"]
    r = emulator_client.get(path, headers=headers)
    assert (r.status_code, r.json()) == (401, expected)


def test_auth_comes_before_path_validation(emulator_client: httpx.Client) -> None:
    del emulator_client.headers["Authorization"]
    assert emulator_client.get("/v1alpha/campaign/not-a-uuid").status_code == 401


@pytest.mark.parametrize(
    "emulator_options", [{"tokens": ["rw-key", "rw-2"], "read_only_tokens": ["ro-key"]}]
)
def test_read_only_key_reads_but_may_not_write(emulator_client: httpx.Client, body: Any) -> None:
    rw = {"Authorization": "Token rw-key"}
    ro = {"Authorization": "Token ro-key"}
    assert emulator_client.get("/v1alpha/campaigns").status_code == 401  # the default is gone
    r = emulator_client.post("/v1alpha/campaign", json=body(), headers=rw)
    assert r.status_code == 201
    cid = r.json()["data"]["campaign_id"]
    assert emulator_client.get(f"/v1alpha/campaign/{cid}", headers=ro).status_code == 200
    me = emulator_client.get("/v1alpha/auth/me", headers=ro).json()
    assert me["permissions"] == ["campaign:read"]
    for method, path, params in (
        ("POST", "/v1alpha/campaign", None),
        ("POST", f"/v1alpha/campaign/update-campaign/{cid}/", {"campaign_allow_weekends": "true"}),
    ):
        r = emulator_client.request(method, path, json=body(), params=params, headers=ro)
        assert r.status_code == 403
        assert isinstance(r.json()["detail"], str)
    assert emulator_client.get("/v1alpha/campaigns", headers=rw).json()["total"] == 1


# ---- state machine ------------------------------------------------------------------------------

SETTABLE = [State.TO_START, State.RUNNING, State.SUSPENDED, State.ENDED]
PATHS = {
    State.TO_START: [],
    State.RUNNING: [State.RUNNING],
    State.SUSPENDED: [State.SUSPENDED],
    State.ENDED: [State.ENDED],
}


@pytest.mark.parametrize(
    ("start", "target"),
    list(itertools.product(SETTABLE, SETTABLE)),
    ids=str,
)
def test_state_transitions(
    emulator_client: httpx.Client, create: Any, start: State, target: State
) -> None:
    cid = create()
    url = f"/v1alpha/campaign/update-campaign/{cid}/"
    for step in PATHS[start]:
        r = emulator_client.post(
            url, params={"campaign_allow_weekends": "false", "campaign_status": step}
        )
        assert r.status_code == 200
    r = emulator_client.post(
        url, params={"campaign_allow_weekends": "false", "campaign_status": target}
    )
    allowed = target == start or target in TRANSITIONS[start]
    if allowed:
        assert r.status_code == 200, r.text
        assert r.json()["data"]["campaign_state"] == target
    else:
        assert r.status_code == 400, r.text
        assert list(r.json()["errors"]) == ["campaign_status"]
        assert emulator_client.get(f"/v1alpha/campaign/{cid}").json()["campaign_state"] == start


def test_ended_is_final_for_every_field(emulator_client: httpx.Client, create: Any) -> None:
    cid = create()
    url = f"/v1alpha/campaign/update-campaign/{cid}/"
    emulator_client.post(
        url, params={"campaign_allow_weekends": "false", "campaign_status": "ENDED"}
    )
    r = emulator_client.post(url, params={"campaign_allow_weekends": "true"})
    assert r.status_code == 400
    r = emulator_client.post(url, params={"campaign_allow_weekends": "false"})
    assert r.status_code == 200  # the same values again: accepted, changes nothing


def test_ending_cancels_the_calls_not_yet_made(emulator_client: httpx.Client, create: Any) -> None:
    cid = create()
    emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{cid}/",
        params={"campaign_allow_weekends": "false", "campaign_status": "ENDED"},
    )
    items = emulator_client.get(f"/v1alpha/campaign/{cid}/items").json()["items"]
    assert {it["status"] for it in items} == {"CANCELLED"}


# ---- pagination ---------------------------------------------------------------------------------


def test_list_is_newest_first_with_limit_and_offset(
    emulator_client: httpx.Client, create: Any, emulator: Any
) -> None:
    ids = []
    for _ in range(5):
        ids.append(create())
        emulator.advance(seconds=1)
    newest_first = ids[::-1]
    page1 = emulator_client.get("/v1alpha/campaigns", params={"limit": 2}).json()
    page2 = emulator_client.get("/v1alpha/campaigns", params={"limit": 2, "offset": 2}).json()
    page3 = emulator_client.get("/v1alpha/campaigns", params={"limit": 2, "offset": 4}).json()
    got = [c["campaign_id"] for p in (page1, page2, page3) for c in p["campaigns"]]
    assert got == newest_first
    assert (page2["total"], page2["limit"], page2["offset"]) == (5, 2, 2)
    past = emulator_client.get("/v1alpha/campaigns", params={"offset": 50}).json()
    assert (past["campaigns"], past["total"]) == ([], 5)


def test_a_create_between_page_reads_shifts_the_pages(
    emulator_client: httpx.Client, create: Any
) -> None:
    ids = [create() for _ in range(4)]
    page1 = emulator_client.get("/v1alpha/campaigns", params={"limit": 2}).json()
    create()  # lands at the top: the old second row moves onto page 2
    page2 = emulator_client.get("/v1alpha/campaigns", params={"limit": 2, "offset": 2}).json()
    first = [c["campaign_id"] for c in page1["campaigns"]]
    second = [c["campaign_id"] for c in page2["campaigns"]]
    assert first == [ids[3], ids[2]]
    assert second == [ids[2], ids[1]]  # a reader must de-duplicate by id


@pytest.mark.parametrize(
    ("path", "params", "loc"),
    [
        ("/v1alpha/campaigns", {"limit": "0"}, ["query", "limit"]),
        ("/v1alpha/campaigns", {"limit": "101"}, ["query", "limit"]),
        ("/v1alpha/campaigns", {"limit": "ten"}, ["query", "limit"]),
        ("/v1alpha/campaigns", {"offset": "-1"}, ["query", "offset"]),
        ("/v1alpha/campaigns", {"state": "PAUSED"}, ["query", "state"]),
        (f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}", {"page": "0"}, ["query", "page"]),
        (f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}", {"page_size": "101"}, ["query", "page_size"]),
        ("/v1alpha/campaigns/agent/xyz", {}, ["path", "agent_uuid"]),
        ("/v1alpha/campaigns/analytics/xyz", {}, ["path", "campaign_id"]),
    ],
)
def test_bad_query_and_path_params_are_422(
    emulator_client: httpx.Client, path: str, params: dict[str, str], loc: list[str]
) -> None:
    r = emulator_client.get(path, params=params)
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert err["loc"] == loc
    assert isinstance(err["msg"], str) and isinstance(err["type"], str)


def test_items_and_by_agent_page_with_page_and_page_size(
    emulator_client: httpx.Client, create: Any, body: Any
) -> None:
    rows = [
        {"to_phone_number": f"+9198765{i:05d}", "agent_language": "EN", "metadata": "{}"}
        for i in range(45)
    ]
    cid = create(campaign_data=rows)
    seen = []
    for page in (1, 2, 3):
        got = emulator_client.get(
            f"/v1alpha/campaign/{cid}/items", params={"page": page, "page_size": 20}
        ).json()
        assert (got["page"], got["page_size"], got["total"]) == (page, 20, 45)
        seen += [it["to_phone_number"] for it in got["items"]]
    assert seen == [r["to_phone_number"] for r in rows]
    others = [create() for _ in range(11)]
    got = emulator_client.get(
        f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}", params={"page": 2}
    ).json()
    assert (got["page"], got["page_size"], got["total"]) == (2, 10, 12)
    assert [c["campaign_id"] for c in got["campaigns"]] == [others[0], cid]


# ---- limits and malformed requests ---------------------------------------------------------


def test_body_over_10_mb_is_413(emulator_client: httpx.Client, emulator: Any) -> None:
    big = b'{"campaign_name": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    r = emulator_client.post("/v1alpha/campaign", content=big)
    assert r.status_code == 413
    assert isinstance(r.json()["detail"], str)
    assert emulator.campaigns() == []


def test_body_over_10_mb_is_413_over_a_real_socket(emulator_server: str) -> None:
    big = b"[" + b"0," * (6 * 1024 * 1024) + b"0]"
    with httpx.Client(base_url=emulator_server) as client:
        r = client.post(
            "/v1alpha/campaign", content=big, headers={"Authorization": "Token emulator-token"}
        )
    assert r.status_code == 413


@pytest.mark.parametrize(
    "content", [b"", b"{", b"{'a': 1}", b"\xff\xfe\x00", b"[" * 100_000, b"nul"]
)
def test_malformed_json_is_422_json_invalid(emulator_client: httpx.Client, content: bytes) -> None:
    r = emulator_client.post(
        "/v1alpha/campaign", content=content, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422
    (err,) = r.json()["detail"]
    assert (err["loc"][0], err["type"]) == ("body", "json_invalid")


@pytest.mark.parametrize("payload", [[], "text", 3, None])
def test_json_that_is_not_an_object_is_400(emulator_client: httpx.Client, payload: Any) -> None:
    r = emulator_client.post("/v1alpha/campaign", content=json.dumps(payload))
    assert r.status_code == 400
    assert r.json()["success"] is False


# ---- legacy variant ------------------------------------------------------------------------


@pytest.mark.parametrize("emulator_variant", ["legacy"])
def test_legacy_variant_speaks_the_older_draft(
    emulator_client: httpx.Client, body: Any, emulator_variant: str
) -> None:
    r = emulator_client.post("/v1alpha/campaign", json=body())
    assert r.status_code == 200
    got = r.json()
    assert set(got) == {"campaign_id", "records", "org_id"}
    assert (got["records"], got["org_id"]) == (2, 1)
    cid = got["campaign_id"]
    assert emulator_client.get("/v1alpha/auth/me").status_code == 404
    items = emulator_client.get(
        f"/v1alpha/campaign/{cid}/items", params={"limit": 1, "offset": 1}
    ).json()
    assert (items["total"], items["limit"], items["offset"]) == (2, 1, 1)
    (one,) = items["scheduled_calls"]
    assert one == {
        "scheduled_item_id": one["scheduled_item_id"],
        "to_phone_number": "+911234567891",
        "metadata": {"customer_name": "John Doe"},
        "call_state": "SCHEDULED",
        "attempt_count": 0,
        "last_attempt_at": None,
        "next_attempt_at": None,
    }
    detail = emulator_client.get(f"/v1alpha/campaign/{cid}/item/{one['scheduled_item_id']}").json()
    assert detail["agent_language"] == "HI"
    assert detail["call_logs"] == []
    # everything else is as the current variant answers it
    assert emulator_client.get(f"/v1alpha/campaign/{cid}").json()["campaign_id"] == cid
    r = emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{cid}/", params={"campaign_allow_weekends": "true"}
    )
    assert r.json()["success"] is True


@pytest.mark.parametrize("emulator_variant", ["current", "legacy"])
def test_both_variants_list_the_same_way(
    emulator_client: httpx.Client, body: Any, emulator_variant: str
) -> None:
    emulator_client.post("/v1alpha/campaign", json=body())
    got = emulator_client.get("/v1alpha/campaigns").json()
    assert got["total"] == 1
    assert uuid.UUID(got["campaigns"][0]["campaign_id"])
