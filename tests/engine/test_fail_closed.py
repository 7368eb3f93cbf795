"""Fail closed: an answer that decides "this campaign does not exist" and is not fully
understood stops the run before its first write, with one message naming the endpoint.

Each case is the issue's own: campaigns applied normally, the lockfile lost (a new CI runner),
then the emulator answers in one of the shapes the real service might use. Before, each of
these planned `create` for campaigns that exist.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.conftest import AGENT, TOKEN, Vozzo
from vozzoctl.api import VozzoClient
from vozzoctl.emulator import EmulatorApp
from vozzoctl.emulator.shapes import SHAPES
from vozzoctl.errors import UnexpectedAnswerError

PHONES = ["+919820012345", "+919845023456"]
BY_AGENT = f"GET /v1alpha/campaigns/agent/{AGENT}"

# shape → the endpoint the refusal names, and words of what it expected
REFUSALS = {
    "rows-under-data": (BY_AGENT, "rows under `campaigns`"),
    "by-agent-missing": (BY_AGENT, "the agent's campaigns"),
    "capped-pages": (BY_AGENT, "row(s) on this page"),
    "count-off": (f"{BY_AGENT}/count", "`total_campaigns` equal to"),
    "item-rows-renamed": ("/items", "each row a scheduled call"),
}


def applied_then_lost(vozzo: Vozzo, keys: int = 2) -> None:
    for n in range(keys):
        vozzo.campaign(f"promo-{n}", phones=[f"+9198200{n:05d}"])
    done = vozzo.run("apply", "--auto-approve")
    assert done.code == 0, done.all
    (vozzo.root / "vozzo.lock").unlink()


def writes(app: EmulatorApp) -> list[str]:
    return [f"{r.method} {r.path}" for r in app.emulator.requests if r.method != "GET"]


def test_every_shape_has_a_refusal_case() -> None:
    assert set(REFUSALS) == set(SHAPES)


@pytest.mark.parametrize("shape", sorted(REFUSALS))
def test_an_answer_not_understood_stops_plan_and_apply_before_any_write(
    vozzo: Vozzo, shape: str
) -> None:
    applied_then_lost(vozzo, keys=22 if shape == "capped-pages" else 2)
    app = vozzo.app
    app.emulator.shapes = frozenset({shape})
    app.emulator.clear_requests()
    endpoint, expected = REFUSALS[shape]

    plan = vozzo.run("plan")
    apply = vozzo.run("apply", "--auto-approve")

    for result in (plan, apply):
        assert result.code == 1
        errors = [line for line in result.err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, result.err
        assert endpoint in errors[0] and expected in errors[0], errors[0]
        assert "nothing was written" in result.err
        assert "create" not in result.out
        for n in range(22):  # no value of the answer: names and numbers stay out
            assert f"Promo {n}" not in result.err and f"820{n:05d}" not in result.err
    assert writes(app) == []
    assert not (vozzo.root / "vozzo.lock").exists()

    app.emulator.shapes = frozenset()  # as the docs say: the same campaigns are adopted
    again = vozzo.run("plan")
    assert again.code == 0, again.all
    assert "adopt" in again.out and "+ create" not in again.out


def test_a_list_that_lags_behind_the_count_is_refused_not_read_as_empty(vozzo: Vozzo) -> None:
    applied_then_lost(vozzo)
    vozzo.app.emulator.list_lag = 3600.0
    vozzo.app.emulator.clear_requests()
    result = vozzo.run("apply", "--auto-approve")
    assert result.code == 1
    assert f"{BY_AGENT}: expected the agent's campaigns" in result.err
    assert "lists lag" in result.err  # the hint says what to do: wait, then run again
    assert writes(vozzo.app) == []
    vozzo.app.emulator.advance(minutes=61)
    assert "adopt" in vozzo.run("plan").out


def test_legacy_shapes_are_still_read() -> None:
    """The older draft's scheduled-call rows (`scheduled_calls`, limit/offset), listed in
    `shapes.LEGACY_SHAPES`, are read as before."""
    from vozzoctl.api.shapes import LEGACY_SHAPES

    assert any("scheduled_calls" in s for s in LEGACY_SHAPES)
    row = {"scheduled_item_id": "i-1", "to_phone_number": "+919820000000", "call_state": "DONE"}
    legacy = {
        "scheduled_calls": [row],
        "total": 1,
        "limit": 20,
        "offset": 0,
    }

    async def read() -> list[str]:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json=legacy)

        async with VozzoClient(
            "http://127.0.0.1:9", TOKEN, transport=httpx.MockTransport(handler)
        ) as client:
            return [i.to_phone_number async for i in client.list_items("c")]

    assert asyncio.run(read()) == ["+919820000000"]


@pytest.mark.parametrize("emulator_options", [{"tokens": [TOKEN], "agents": [AGENT]}])
def test_refusal_over_a_real_socket(emulator_app: EmulatorApp, emulator_server: str) -> None:
    from vozzoctl.model import Recipient, Settings

    today = emulator_app.emulator.today()
    s = Settings("Promo", AGENT, today, None, 9, 18, False, 2, 2)

    async def create() -> None:
        async with VozzoClient(emulator_server, TOKEN) as client:
            await client.create_campaign(s, [Recipient("+919820012345", "EN", "{}")])

    async def read() -> None:
        async with VozzoClient(emulator_server, TOKEN) as client:
            await client.read_agents([AGENT], count=True)

    asyncio.run(create())
    asyncio.run(read())  # as the docs say: read
    emulator_app.emulator.shapes = frozenset({"rows-under-data"})

    with pytest.raises(UnexpectedAnswerError) as caught:
        asyncio.run(read())
    message = caught.value.message
    assert message.startswith(f"{BY_AGENT}: expected rows under `campaigns`")
    assert "data (list), pagination (object)" in message
    assert "Promo" not in message
