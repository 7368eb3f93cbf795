"""Contract tests: the client against the emulator, in-process (ASGITransport) and over a real
loopback socket, on both API variants. The emulator follows vozzo-api.md; so must the client."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

import httpx
import pytest
from api_fakes import Sleeps, settings

from vozzoctl.api import RetryPolicy, VozzoClient
from vozzoctl.api.mapping import item_matches, update_params, update_params_for
from vozzoctl.emulator import DEFAULT_AGENT, DEFAULT_TOKEN, EmulatorApp, RequestRecord
from vozzoctl.errors import (
    AmbiguousCreateError,
    AuthError,
    ForbiddenError,
    NotFoundError,
    RequestRejectedError,
)
from vozzoctl.model import Recipient, Settings, State

T = TypeVar("T")
Connect = Callable[..., VozzoClient]
READ_ONLY = "read-only-token"
OTHER_AGENT = "0d7f2a9c-1111-4222-8333-444455556666"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
PEOPLE = (
    Recipient("+911234567890", "EN", '{"customer_name":"John Doe"}'),
    Recipient("+919876543210", "HI", '{"customer_name":"Asha","plan":"gold"}'),
    Recipient("+14155550123", "EN", "{}"),
)


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    return {
        "agents": [DEFAULT_AGENT, OTHER_AGENT],
        "tokens": [DEFAULT_TOKEN],
        "read_only_tokens": [READ_ONLY],
    }


@pytest.fixture(params=["asgi", "socket"])
def connect(request: pytest.FixtureRequest, emulator_app: EmulatorApp, sleeps: Sleeps) -> Connect:
    """`connect(**kw)`: a VozzoClient on the emulator, in-process or over a real socket."""
    if request.param == "asgi":
        base = "https://vozzo.test"
        transport: httpx.AsyncBaseTransport | None = httpx.ASGITransport(app=emulator_app)
    else:
        base = request.getfixturevalue("emulator_server")
        transport = None

    def make(**kw: Any) -> VozzoClient:
        kw.setdefault("sleep", sleeps)
        kw.setdefault("rng", random.Random(3))
        kw.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.01))
        kw.setdefault("timeout", 10.0)
        return VozzoClient(base, kw.pop("api_key", DEFAULT_TOKEN), transport=transport, **kw)

    return make


def run(client: VozzoClient, fn: Callable[[VozzoClient], Awaitable[T]]) -> T:
    async def go() -> T:
        async with client:
            return await fn(client)

    return asyncio.run(go())


def received(app: EmulatorApp, client: VozzoClient) -> list[RequestRecord]:
    """The emulator's request log once it holds every request the client sent: over a socket
    the server thread writes a record just after it answers, so the client can be faster."""
    log = app.emulator.wait_logged(client.requests_total)
    assert len(log) >= client.requests_total, "the emulator's request log fell behind"
    return log


def today_settings(app: EmulatorApp, **over: Any) -> Settings:
    """Settings starting today in the emulator's clock (never the real date)."""
    today = app.emulator.today()
    over.setdefault("end_date", today + timedelta(days=13))
    return settings(start_date=today, **over)


@pytest.mark.parametrize("emulator_variant", ["current", "legacy"])
def test_every_endpoint_round_trip(
    connect: Connect, emulator_app: EmulatorApp, emulator_variant: str
) -> None:
    emu = emulator_app.emulator
    wanted = today_settings(emulator_app, max_retry=3, max_retry_per_day=2)

    async def scenario(c: VozzoClient) -> None:
        me = await c.whoami()
        if emulator_variant == "current":
            assert me.known and me.can_write and me.organization_id == 1
        else:  # the older service has no auth/me: the key is checked with a list instead
            assert not me.known

        created = await c.create_campaign(wanted, PEOPLE)
        assert created.total_records == 3
        cid = created.campaign_id

        live = await c.live_campaign(cid)
        assert live.to_settings() == wanted  # every field mapped both ways
        assert live.state is State.TO_START and live.total_records == 3

        changed = replace(wanted, end_hour=20, state=State.RUNNING)
        updated = await c.update_campaign(cid, update_params_for(changed, ["end_hour", "state"]))
        assert updated is not None and updated.campaign_state is State.RUNNING
        assert (await c.live_campaign(cid)).end_hour == 20

        rows = [r async for r in c.list_campaigns()]
        assert [r.campaign_id for r in rows] == [cid]
        assert rows[0].campaign_name == wanted.campaign_name

        by_agent = [x async for x in c.campaigns_by_agent(DEFAULT_AGENT)]
        assert [x.campaign_id for x in by_agent] == [cid]
        count = await c.count_by_agent(DEFAULT_AGENT)
        assert (count.total_campaigns, count.active_campaigns) == (1, 1)

        emu.advance(hours=3)  # calls are placed inside the 09-20 window
        items = [i async for i in c.list_items(cid)]
        assert len(items) == 3
        for item, person in zip(items, PEOPLE, strict=True):
            assert item_matches(item, person)
            assert (item.agent_language is None) == (emulator_variant == "legacy")
            assert item.status is not None and item.attempts is not None
        detail = await c.get_item(cid, items[0].scheduled_item_id)
        assert detail.agent_language == "EN"
        assert detail.call_logs and detail.call_logs[0].outcome is not None

        analytics = await c.get_analytics(cid)
        assert analytics.campaign_id == cid and analytics.total_records == 3
        assert (analytics.calls_attempted or 0) >= 1

    run(connect(), scenario)


@pytest.mark.parametrize("emulator_variant", ["current", "legacy"])
def test_items_page_in_both_styles(
    connect: Connect, emulator_app: EmulatorApp, emulator_variant: str
) -> None:
    people = [Recipient(f"+9198765{n:05d}", "TA", f'{{"n":{n}}}') for n in range(230)]

    async def scenario(c: VozzoClient) -> None:
        cid = (await c.create_campaign(today_settings(emulator_app), people)).campaign_id
        items = [i async for i in c.list_items(cid)]
        assert [i.to_phone_number for i in items] == [p.phone for p in people]
        assert all(item_matches(i, p) for i, p in zip(items, people, strict=True))

    client = connect()
    run(client, scenario)
    pages = [r for r in received(emulator_app, client) if r.path.endswith("/items")]
    assert len(pages) == (3 if emulator_variant == "current" else 1 + 3)  # legacy: 20, then 100s


def test_list_page_shift_is_deduplicated(connect: Connect, emulator_app: EmulatorApp) -> None:
    async def scenario(c: VozzoClient) -> None:
        made = [
            (await c.create_campaign(today_settings(emulator_app, campaign_name=f"C{n}"),
                                     PEOPLE[:1])).campaign_id
            for n in range(5)
        ]  # fmt: skip
        seen: list[str] = []
        async for row in c.list_campaigns(page_size=2):
            seen.append(row.campaign_id)
            if len(seen) == 1:  # a campaign appears while the list is being read
                await c.create_campaign(
                    today_settings(emulator_app, campaign_name="late"), PEOPLE[:1]
                )
        assert seen == made[::-1]  # newest first, each once, nothing skipped

    run(connect(), scenario)


def test_read_agents_in_bulk(connect: Connect, emulator_app: EmulatorApp) -> None:
    async def scenario(c: VozzoClient) -> None:
        for n in range(205):
            await c.create_campaign(today_settings(emulator_app, campaign_name=f"B{n}"), PEOPLE[:1])
        read = await c.read_agents([DEFAULT_AGENT, OTHER_AGENT, UNKNOWN])
        assert len(read.campaigns[DEFAULT_AGENT]) == 205
        assert read.campaigns[DEFAULT_AGENT][0].name == "B204"  # newest first
        assert read.not_found == {OTHER_AGENT, UNKNOWN}
        assert await c.agent_exists(OTHER_AGENT)  # known, only without campaigns
        assert not await c.agent_exists(UNKNOWN)

    client = connect(concurrency=8)
    run(client, scenario)
    reads = [r for r in received(emulator_app, client) if "/agent/" in r.path]
    assert len(reads) == 3 + 1 + 1 + 2  # 205 campaigns in 3 pages; two 404s; two counts


def test_error_kinds(connect: Connect, emulator_app: EmulatorApp) -> None:
    async def scenario(c: VozzoClient) -> None:
        with pytest.raises(NotFoundError, match=UNKNOWN):
            await c.get_campaign(UNKNOWN)
        with pytest.raises(RequestRejectedError) as bad_id:
            await c.get_campaign("not-a-uuid")
        assert bad_id.value.status == 422 and bad_id.value.fields
        with pytest.raises(NotFoundError, match=f"agent '{UNKNOWN}'"):
            await c.create_campaign(settings(agent_uuid=UNKNOWN), PEOPLE)
        with pytest.raises(NotFoundError, match=f"agent '{UNKNOWN}'"):
            await c.count_by_agent(UNKNOWN)
        past = emulator_app.emulator.today() - timedelta(days=1)
        with pytest.raises(RequestRejectedError) as rejected:
            await c.create_campaign(settings(start_date=past), PEOPLE)
        assert rejected.value.status == 400 and "campaign_start_date" in rejected.value.fields
        assert "1234567890" not in rejected.value.message
        cid = (await c.create_campaign(today_settings(emulator_app), PEOPLE)).campaign_id
        await c.update_campaign(cid, update_params(allow_weekends=False, state=State.ENDED))
        with pytest.raises(RequestRejectedError, match="campaign_status"):
            await c.update_campaign(cid, update_params(allow_weekends=False, state=State.RUNNING))

    run(connect(), scenario)
    assert len(emulator_app.emulator.campaigns()) == 1


def test_auth_and_permission_errors(connect: Connect) -> None:
    with pytest.raises(AuthError) as rejected:
        run(connect(api_key="wrong-key"), lambda c: c.whoami())
    assert rejected.value.hint and "VOZZO_API_KEY" in rejected.value.hint
    assert "wrong-key" not in str(rejected.value)
    assert run(connect(api_key=f"Token {DEFAULT_TOKEN}"), lambda c: c.whoami()).known

    async def read_only(c: VozzoClient) -> None:
        me = await c.whoami()
        assert me.can_write is False
        assert [r async for r in c.list_campaigns()] == []
        with pytest.raises(ForbiddenError, match="read-only"):
            await c.create_campaign(settings(), PEOPLE)

    run(connect(api_key=READ_ONLY), read_only)


# ---------------------------------------------------------------- faults


def test_429_with_retry_after_is_waited_out(
    connect: Connect, emulator_app: EmulatorApp, sleeps: Sleeps
) -> None:
    emulator_app.emulator.set_fault_plan(
        {
            "rules": [
                {
                    "method": "*",
                    "path": "/v1alpha/*",
                    "on": [1, 3],
                    "action": "status",
                    "status": 429,
                    "retry_after": 2,
                }
            ]
        }
    )

    async def scenario(c: VozzoClient) -> None:
        await c.create_campaign(today_settings(emulator_app), PEOPLE)  # 429, then sent again
        assert [r async for r in c.list_campaigns()]  # 429, then read again

    run(connect(), scenario)
    assert sleeps == [2.0, 2.0]
    assert len(emulator_app.emulator.campaigns()) == 1  # the refused create made nothing


@pytest.mark.parametrize("action", ["commit_then_drop", "commit_then_500"])
def test_a_create_lost_after_commit_is_ambiguous_and_not_resent(
    connect: Connect, emulator_app: EmulatorApp, action: str
) -> None:
    emu = emulator_app.emulator
    emu.set_fault_plan({"rules": [{"method": "POST", "path": "/v1alpha/campaign",
                                   "on": {"first": 1}, "action": action}]})  # fmt: skip
    client = connect()
    with pytest.raises(AmbiguousCreateError) as info:
        run(client, lambda c: c.create_campaign(today_settings(emulator_app), PEOPLE))
    assert info.value.campaign_name == "Winter Promotion 2026"
    assert client.requests == {"POST": 1}  # never sent again
    posts = [r for r in received(emulator_app, client) if r.method == "POST"]
    assert len(posts) == 1
    (made,) = emu.campaigns()  # and the campaign does exist: the engine must look it up by name
    assert made["campaign_config"]["campaign_name"] == "Winter Promotion 2026"


def test_reads_and_updates_survive_drops_and_503(
    connect: Connect, emulator_app: EmulatorApp, sleeps: Sleeps
) -> None:
    emu = emulator_app.emulator

    async def scenario(c: VozzoClient) -> None:
        cid = (await c.create_campaign(today_settings(emulator_app), PEOPLE)).campaign_id
        emu.set_fault_plan(
            {"rules": [
                {"method": "GET", "path": "/v1alpha/campaign/*", "on": [1], "action": "drop"},
                {"method": "POST", "path": "/v1alpha/campaign/update-campaign/*", "on": [1],
                 "action": "status", "status": 503},
            ]}
        )  # fmt: skip
        assert (await c.get_campaign(cid)).campaign_id == cid
        await c.update_campaign(cid, update_params(allow_weekends=True, state=State.SUSPENDED))
        assert (await c.live_campaign(cid)).state is State.SUSPENDED

    run(connect(), scenario)
    assert len(sleeps) == 2
