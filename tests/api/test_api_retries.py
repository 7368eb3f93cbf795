"""Retries: reads and updates are retried on what is worth retrying; a create is re-sent only
when the failure proves it was not processed."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import httpx
import pytest
from api_fakes import CID, RECIPIENTS, ClientFor, Recorder, Sleeps, campaign_json, settings

from vozzoctl.api import RetryPolicy, VozzoClient
from vozzoctl.api.mapping import update_params
from vozzoctl.api.retry import parse_retry_after
from vozzoctl.errors import (
    AmbiguousCreateError,
    RateLimitedError,
    ServerError,
    TransportError,
)

T = TypeVar("T")
Step = httpx.Response | type[httpx.TransportError]


def run(client: VozzoClient, fn: Callable[[VozzoClient], Awaitable[T]]) -> T:
    async def go() -> T:
        async with client:
            return await fn(client)

    return asyncio.run(go())


def script(*steps: Step) -> Recorder:
    """Answer each request with the next step: a response, or an exception raised."""
    it: Iterator[Step] = iter(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        step = next(it)
        if isinstance(step, httpx.Response):
            return step
        raise step("scripted failure", request=request)

    return Recorder(handler)


OK = httpx.Response(200, json=campaign_json())
CREATED = httpx.Response(201, json={"success": True, "data": {"campaign_id": CID}})


def limited(after: str | None = "3") -> httpx.Response:
    headers = {"Retry-After": after} if after is not None else {}
    return httpx.Response(429, json={"detail": "slow down"}, headers=headers)


def read(c: VozzoClient) -> Awaitable[object]:
    return c.get_campaign(CID)


def update(c: VozzoClient) -> Awaitable[object]:
    return c.update_campaign(CID, update_params(allow_weekends=False))


def create(c: VozzoClient) -> Awaitable[object]:
    return c.create_campaign(settings(), RECIPIENTS)


@pytest.mark.parametrize("op", [read, update], ids=["read", "update"])
@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.ReadTimeout,
        httpx.RemoteProtocolError,
        httpx.Response(502),
        httpx.Response(503),
        httpx.Response(504),
        limited(None),
    ],
    ids=["connect", "connect-timeout", "read-timeout", "dropped", "502", "503", "504", "429"],
)
def test_idempotent_requests_are_retried(
    client_for: ClientFor,
    sleeps: Sleeps,
    op: Callable[[VozzoClient], Awaitable[object]],
    failure: Step,
) -> None:
    rec = script(failure, failure, OK)
    run(client_for(rec), op)
    assert len(rec.requests) == 3
    assert len(sleeps) == 2
    # full jitter: each wait is drawn from [0, base·2^(n-1)]
    assert 0 <= sleeps[0] <= 0.1 and 0 <= sleeps[1] <= 0.2


def test_retry_after_is_waited_out(client_for: ClientFor, sleeps: Sleeps) -> None:
    rec = script(limited("3"), limited("1.5"), OK)
    run(client_for(rec), read)
    assert sleeps == [3.0, 1.5]


def test_attempts_are_capped(client_for: ClientFor, sleeps: Sleeps) -> None:
    rec = script(*[httpx.Response(503, text="busy")] * 10)
    with pytest.raises(ServerError, match=r"503.*4 attempts"):
        run(client_for(rec), read)
    assert len(rec.requests) == 4 and len(sleeps) == 3


def test_rate_limit_after_every_retry(client_for: ClientFor, sleeps: Sleeps) -> None:
    rec = script(*[limited("2")] * 10)
    with pytest.raises(RateLimitedError, match="Retry-After 2s") as info:
        run(client_for(rec), read)
    assert info.value.status == 429 and info.value.hint and "concurrency" in info.value.hint
    assert sleeps == [2.0, 2.0, 2.0]


def test_total_wait_is_capped(client_for: ClientFor, sleeps: Sleeps) -> None:
    rec = script(limited("20"), limited("20"), OK)
    with pytest.raises(RateLimitedError):
        run(client_for(rec, retry=RetryPolicy(max_attempts=10, max_total_wait=30)), read)
    assert sleeps == [20.0]  # a second 20 s wait would pass the 30 s cap
    assert len(rec.requests) == 2


def test_transport_failure_after_every_retry(client_for: ClientFor, sleeps: Sleeps) -> None:
    rec = script(*[httpx.ConnectError] * 10)
    with pytest.raises(TransportError, match=r"ConnectError.*4 attempts") as info:
        run(client_for(rec), read)
    assert "vozzo.test" in info.value.message and info.value.hint


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=5)
    rng = random.Random(1)
    for retry, ceiling in [(1, 1), (2, 2), (3, 4), (4, 5), (10, 5)]:
        draws = [policy.backoff(retry, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in draws)
        assert max(draws) > ceiling * 0.8


def test_parse_retry_after() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


# ---------------------------------------------------------------- creates


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.RemoteProtocolError,
        httpx.ReadError,
        httpx.WriteError,
        httpx.Response(500),
        httpx.Response(502),
        httpx.Response(503),
        httpx.Response(504),
    ],
    ids=[
        *("read-timeout", "write-timeout", "dropped", "read-error", "write-error"),
        *("500", "502", "503", "504"),
    ],
)
def test_a_create_is_never_resent_after_it_may_have_been_processed(
    client_for: ClientFor, sleeps: Sleeps, failure: Step
) -> None:
    rec = script(failure, CREATED)
    with pytest.raises(AmbiguousCreateError) as info:
        run(client_for(rec), create)
    assert len(rec.requests) == 1 and sleeps == []
    assert info.value.campaign_name == "Winter Promotion 2026"
    assert "may or may not have been created" in info.value.message


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError, httpx.ConnectTimeout, limited("4")],
    ids=["connect", "connect-timeout", "429"],
)
def test_a_create_is_resent_when_it_surely_was_not_processed(
    client_for: ClientFor, failure: Step
) -> None:
    rec = script(failure, CREATED)
    created = run(client_for(rec), create)
    assert created.campaign_id == CID
    assert len(rec.requests) == 2
    assert rec.requests[0].content == rec.requests[1].content


def test_a_create_refused_on_every_connect_is_a_transport_error(client_for: ClientFor) -> None:
    rec = script(*[httpx.ConnectError] * 10)
    with pytest.raises(TransportError):  # nothing was sent: not ambiguous
        run(client_for(rec), create)
    assert len(rec.requests) == 4


def test_a_create_answered_without_an_id_is_ambiguous(client_for: ClientFor) -> None:
    rec = script(httpx.Response(201, json={"success": True}))
    with pytest.raises(AmbiguousCreateError, match="without a campaign id"):
        run(client_for(rec), create)


def test_request_counter_counts_every_attempt(client_for: ClientFor) -> None:
    rec = script(limited("0"), OK, CREATED)
    client = client_for(rec)

    async def go() -> None:
        async with client:
            await client.get_campaign(CID)
            await client.create_campaign(settings(), RECIPIENTS)

    asyncio.run(go())
    assert client.requests == {"GET": 2, "POST": 1}
    assert client.requests_total == 3
