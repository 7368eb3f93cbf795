"""Every endpoint over a MockTransport: what the API received, and what the client returned."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
from api_fakes import (
    AGENT,
    CID,
    KEY,
    RECIPIENTS,
    ClientFor,
    Recorder,
    body_of,
    campaign_json,
    settings,
)

from vozzoctl.api import VozzoClient
from vozzoctl.api.mapping import create_body, update_params
from vozzoctl.model import State

T = TypeVar("T")


def run(client: VozzoClient, fn: Callable[[VozzoClient], Awaitable[T]]) -> T:
    async def go() -> T:
        async with client:
            return await fn(client)

    return asyncio.run(go())


async def collect(it: Any) -> list[Any]:
    return [x async for x in it]


def answer(status: int = 200, **body: Any) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _: httpx.Response(status, json=body)


def test_every_request_carries_the_token_header(client_for: ClientFor) -> None:
    rec = Recorder(answer(campaigns=[], total=0))
    run(client_for(rec, api_key=f"Token {KEY}"), lambda c: collect(c.list_campaigns()))
    run(client_for(rec, api_key=f"  {KEY}\n"), lambda c: collect(c.list_campaigns()))
    assert [r.headers["Authorization"] for r in rec.requests] == [f"Token {KEY}"] * 2
    assert rec.requests[0].headers["Accept"] == "application/json"


def test_whoami(client_for: ClientFor) -> None:
    me = {
        "user_id": "2b1f4c4e-0000-4000-8000-000000000001",
        "email": "ops@example.com",
        "name": "Ops",
        "organization_id": 1,
        "organization_name": "Acme",
        "permissions": ["campaign:read", "campaign:write"],
        "created_at": "2025-01-01T00:00:00Z",
        "last_login": None,
        "new_field": True,
    }
    rec = Recorder(answer(**me))
    who = run(client_for(rec), lambda c: c.whoami())
    assert rec.paths == ["GET /v1alpha/auth/me"]
    assert who.known and who.organization_name == "Acme" and who.can_write is True


def test_whoami_without_auth_me_verifies_the_key_with_the_list(client_for: ClientFor) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1alpha/auth/me":
            return httpx.Response(404, json={"detail": "Not Found"})
        return httpx.Response(200, json={"campaigns": [], "total": 0, "limit": 1, "offset": 0})

    rec = Recorder(handler)
    who = run(client_for(rec), lambda c: c.whoami())
    assert rec.paths == ["GET /v1alpha/auth/me", "GET /v1alpha/campaigns?limit=1"]
    assert not who.known and who.can_write is None


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (
            201,
            {
                "success": True,
                "message": "Campaign created successfully",
                "data": {"campaign_id": CID, "campaign_state": "TO_START", "total_records": 2},
            },
        ),
        (200, {"campaign_id": CID, "records": 2, "org_id": 1}),
    ],
    ids=["current-201-data", "legacy-200-top-level"],
)
def test_create_in_both_answer_shapes(
    client_for: ClientFor, status: int, body: dict[str, Any]
) -> None:
    rec = Recorder(answer(status, **body))
    created = run(client_for(rec), lambda c: c.create_campaign(settings(), RECIPIENTS))
    assert created.campaign_id == CID and created.total_records == 2
    (request,) = rec.requests
    assert (request.method, request.url.path) == ("POST", "/v1alpha/campaign")
    assert request.headers["Content-Type"] == "application/json"
    assert body_of(request) == create_body(settings(), RECIPIENTS)
    assert isinstance(body_of(request)["campaign_data"][0]["metadata"], str)


def test_update_sends_only_query_parameters(client_for: ClientFor) -> None:
    rec = Recorder(answer(success=True, message="ok", data=campaign_json()))
    params = update_params(allow_weekends=False, state=State.SUSPENDED, max_retry=4)
    updated = run(client_for(rec), lambda c: c.update_campaign(CID, params))
    (request,) = rec.requests
    assert request.method == "POST"
    assert request.url.path == f"/v1alpha/campaign/update-campaign/{CID}/"
    assert dict(request.url.params) == {
        "campaign_status": "SUSPENDED",
        "campaign_max_retry": "4",
        "campaign_allow_weekends": "false",
    }
    assert request.content == b""
    assert updated is not None and updated.campaign_state is State.SUSPENDED


def test_update_without_data_and_without_weekends(client_for: ClientFor) -> None:
    rec = Recorder(answer(success=True, message="Campaign updated successfully"))
    client = client_for(rec)
    assert (
        run(client, lambda c: c.update_campaign(CID, {"campaign_allow_weekends": "true"})) is None
    )
    with pytest.raises(ValueError, match="campaign_allow_weekends"):
        run(client_for(rec), lambda c: c.update_campaign(CID, {"campaign_status": "RUNNING"}))


def test_detail_and_live_campaign(client_for: ClientFor) -> None:
    rec = Recorder(answer(**campaign_json()))
    detail = run(client_for(rec), lambda c: c.get_campaign(CID))
    live = run(client_for(rec), lambda c: c.live_campaign(CID))
    assert rec.paths == [f"GET /v1alpha/campaign/{CID}"] * 2
    assert detail.campaign_config.retry_options.max_calls_total == 4
    assert live.name == "TEST" and live.max_retry == 4


def test_path_segments_are_escaped(client_for: ClientFor) -> None:
    rec = Recorder(answer(404, detail="Campaign not found."))
    with pytest.raises(Exception, match="not found"):
        run(client_for(rec), lambda c: c.get_campaign("../auth/me?x=1"))
    assert rec.paths == ["GET /v1alpha/campaign/..%2Fauth%2Fme%3Fx%3D1"]


def test_analytics(client_for: ClientFor) -> None:
    rec = Recorder(
        answer(
            campaign_id=CID,
            total_records=10,
            processed_records=4,
            calls_attempted=6,
            calls_connected=3,
            categories={"interested": 2},
            goals={"booked": {"achieved": 1, "total": 4}},
            success_criteria={"ok": 1},
            tags={"vip": 1},
        )
    )
    a = run(client_for(rec), lambda c: c.get_analytics(CID))
    assert rec.paths == [f"GET /v1alpha/campaigns/analytics/{CID}"]
    assert a.goals["booked"].achieved == 1 and a.categories == {"interested": 2}


def test_analytics_tolerates_a_sparse_answer(client_for: ClientFor) -> None:
    a = run(client_for(answer(campaign_id=CID)), lambda c: c.get_analytics(CID))
    assert a.calls_attempted is None and a.goals == {}


def test_count_and_agent_exists(client_for: ClientFor) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if AGENT in request.url.path:
            return httpx.Response(
                200,
                json={
                    "agent_uuid": AGENT,
                    "total_campaigns": 3,
                    "active_campaigns": 2,
                    "completed_campaigns": 1,
                },
            )
        return httpx.Response(404, json={"detail": "Agent not found."})

    rec = Recorder(handler)
    count = run(client_for(rec), lambda c: c.count_by_agent(AGENT))
    assert count.total_campaigns == 3
    assert run(client_for(rec), lambda c: c.agent_exists(AGENT)) is True
    assert (
        run(client_for(rec), lambda c: c.agent_exists("00000000-0000-0000-0000-000000000000"))
        is False
    )
    assert rec.paths[0] == f"GET /v1alpha/campaigns/agent/{AGENT}/count"


def item_json(n: int, legacy: bool = False) -> dict[str, Any]:
    row: dict[str, Any] = {
        "scheduled_item_id": f"item-{n}",
        "to_phone_number": f"+9198765{n:05d}",
        "metadata": json.dumps({"n": n}) if n % 2 else {"n": n},
        "last_attempt_at": None,
        "next_attempt_at": "2026-12-01T09:00:00+05:30",
    }
    if legacy:
        row.update(call_state="SCHEDULED", attempt_count=0)
    else:
        row.update(status="SCHEDULED", attempts=0, agent_language="EN")
    return row


def test_items_page_style(client_for: ClientFor) -> None:
    rows = [item_json(n) for n in range(5)]

    def handler(request: httpx.Request) -> httpx.Response:
        page, size = int(request.url.params["page"]), int(request.url.params["page_size"])
        chunk = rows[(page - 1) * size : page * size]
        return httpx.Response(
            200, json={"items": chunk, "page": page, "page_size": size, "total": len(rows)}
        )

    rec = Recorder(handler)
    items = run(client_for(rec), lambda c: collect(c.list_items(CID, page_size=2)))
    assert [i.scheduled_item_id for i in items] == [f"item-{n}" for n in range(5)]
    assert items[0].metadata == '{"n":0}' and items[1].metadata == '{"n":1}'
    assert rec.paths == [
        f"GET /v1alpha/campaign/{CID}/items?page={p}&page_size=2" for p in (1, 2, 3)
    ]


def test_items_legacy_limit_offset(client_for: ClientFor) -> None:
    rows = [item_json(n, legacy=True) for n in range(5)]

    def handler(request: httpx.Request) -> httpx.Response:
        # the older draft ignores page/page_size and pages with limit/offset (default 2 here)
        limit = int(request.url.params.get("limit", 2))
        offset = int(request.url.params.get("offset", 0))
        return httpx.Response(
            200,
            json={
                "scheduled_calls": rows[offset : offset + limit],
                "limit": limit,
                "offset": offset,
                "total": len(rows),
            },
        )

    rec = Recorder(handler)
    items = run(client_for(rec), lambda c: collect(c.list_items(CID, page_size=3)))
    assert [i.scheduled_item_id for i in items] == [f"item-{n}" for n in range(5)]
    assert items[0].status == "SCHEDULED" and items[0].attempts == 0
    assert items[0].agent_language is None
    assert rec.paths == [
        f"GET /v1alpha/campaign/{CID}/items?page=1&page_size=3",
        f"GET /v1alpha/campaign/{CID}/items?limit=3&offset=2",
    ]


def test_item_detail_with_call_logs(client_for: ClientFor) -> None:
    row = item_json(1) | {
        "call_logs": [
            {
                "attempt": 1,
                "started_at": "2026-12-01T09:00:00+05:30",
                "ended_at": "2026-12-01T09:01:30+05:30",
                "duration_seconds": 90,
                "outcome": "ANSWERED",
                "summary": "booked",
            }
        ]
    }
    rec = Recorder(lambda _: httpx.Response(200, json=row))
    item = run(client_for(rec), lambda c: c.get_item(CID, "item-1"))
    assert rec.paths == [f"GET /v1alpha/campaign/{CID}/item/item-1"]
    assert item.call_logs[0].outcome == "ANSWERED" and item.agent_language == "EN"


def newest_first_list(
    total: int,
) -> tuple[list[dict[str, Any]], Callable[[httpx.Request], httpx.Response]]:
    """A list endpoint over `total` campaigns, newest first, that gains a new campaign right
    after it answers the first page: the pages shift by one."""
    store = [{"campaign_id": f"c{n}", "campaign_name": f"n{n}", "campaign_state": "RUNNING",
              "agent_id": AGENT, "total_records": 1, "processed_records": 0}
             for n in range(total, 0, -1)]  # fmt: skip
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        limit = int(request.url.params["limit"])
        offset = int(request.url.params["offset"])
        page = store[offset : offset + limit]
        answer = {"campaigns": page, "total": len(store), "limit": limit, "offset": offset}
        calls["n"] += 1
        if calls["n"] == 1:
            store.insert(0, {**store[0], "campaign_id": "c-new", "campaign_name": "new"})
        return httpx.Response(200, json=answer)

    return store, handler


def test_list_pages_shift_and_are_deduplicated(client_for: ClientFor) -> None:
    _, handler = newest_first_list(5)
    rec = Recorder(handler)
    rows = run(client_for(rec), lambda c: collect(c.list_campaigns(page_size=2)))
    ids = [r.campaign_id for r in rows]
    assert ids == ["c5", "c4", "c3", "c2", "c1"]  # c4 came twice; c-new came after page 1
    assert len(ids) == len(set(ids))
    assert rec.paths == [
        "GET /v1alpha/campaigns?limit=2&offset=0",
        "GET /v1alpha/campaigns?limit=2&offset=2",
        "GET /v1alpha/campaigns?limit=2&offset=4",
    ]


def test_list_with_state_filter(client_for: ClientFor) -> None:
    rec = Recorder(answer(campaigns=[], total=0, limit=100, offset=0))
    run(client_for(rec), lambda c: collect(c.list_campaigns(state=State.RUNNING)))
    assert rec.paths == ["GET /v1alpha/campaigns?limit=100&offset=0&state=RUNNING"]


def by_agent_handler(
    campaigns: dict[str, list[dict[str, Any]]], grow_after: int | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        agent = request.url.path.rsplit("/", 1)[1]
        page, size = int(request.url.params["page"]), int(request.url.params["page_size"])
        store = campaigns.get(agent, [])
        calls["n"] += 1
        if grow_after is not None and calls["n"] == grow_after:
            store.insert(0, campaign_json(f"{agent}-new", agent_id=agent))
        chunk = store[(page - 1) * size : page * size]
        if not chunk:
            return httpx.Response(404, json={"detail": "No campaigns found."})
        return httpx.Response(
            200, json={"campaigns": chunk, "page": page, "page_size": size, "total": len(store)}
        )

    return handler


def test_campaigns_by_agent_pages_and_404(client_for: ClientFor) -> None:
    store = {AGENT: [campaign_json(f"c{n}") for n in range(250)]}
    rec = Recorder(by_agent_handler(store))
    got = run(client_for(rec), lambda c: collect(c.campaigns_by_agent(AGENT)))
    assert len(got) == 250
    assert rec.paths == [
        f"GET /v1alpha/campaigns/agent/{AGENT}?page={p}&page_size=100" for p in (1, 2, 3)
    ]
    none = run(client_for(rec), lambda c: collect(c.campaigns_by_agent("unknown")))
    assert none == []


def test_read_agents_costs_a_request_per_hundred(client_for: ClientFor) -> None:
    other = "11111111-2222-3333-4444-555555555555"
    store = {
        AGENT: [campaign_json(f"a{n}") for n in range(250)],
        other: [campaign_json(f"b{n}", agent_id=other) for n in range(40)],
    }
    rec = Recorder(by_agent_handler(store))
    read = run(client_for(rec), lambda c: c.read_agents([AGENT, other, "ghost", AGENT]))
    assert len(rec.requests) == 3 + 1 + 1
    assert [c.campaign_id for c in read.campaigns[AGENT]] == [f"a{n}" for n in range(250)]
    assert len(read.campaigns[other]) == 40 and read.campaigns["ghost"] == ()
    assert read.not_found == {"ghost"}


def test_read_agents_rereads_in_order_when_pages_shift(client_for: ClientFor) -> None:
    store = {AGENT: [campaign_json(f"a{n}") for n in range(150)]}
    rec = Recorder(by_agent_handler(store, grow_after=2))  # one appears after page 1
    read = run(client_for(rec), lambda c: c.read_agents([AGENT]))
    ids = [c.campaign_id for c in read.campaigns[AGENT]]
    assert len(ids) == len(set(ids)) == 151
    assert set(ids) == {f"a{n}" for n in range(150)} | {f"{AGENT}-new"}
    assert len(rec.requests) == 2 + 2  # the concurrent read, then the in-order one


def test_a_campaign_read_by_agent_belongs_to_it_even_without_agent_id() -> None:
    """Adoption by name and agent must not miss a campaign whose row omits agent_id."""
    import asyncio

    import httpx

    from vozzoctl.api import VozzoClient

    agent = "619ec26c-4957-4926-70f8-fe7391b3527e"
    row = {
        "campaign_id": "c5785fa5-8bdd-4629-b7ef-1addfc4b44a5",
        "campaign_state": "TO_START",
        "campaign_start_date": "2027-01-01",
        "campaign_config": {
            "campaign_name": "Promo",
            "retry_options": {"max_calls_total": 3},
            "timeslot_settings": {"allow_on_weekends": False, "start_time": "09", "end_time": "18"},
        },
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"campaigns": [row], "page": 1, "page_size": 100, "total": 1}
        )

    async def read() -> str | None:
        async with VozzoClient(
            "http://127.0.0.1:9", "k", transport=httpx.MockTransport(handler)
        ) as client:
            found = await client.read_agents([agent])
            return found.campaigns[agent][0].agent_id

    assert asyncio.run(read()) == agent
