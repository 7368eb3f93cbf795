"""The key: read from the environment, normalised, never shown; http:// only to loopback;
`-v` logs one line per request with the phone numbers masked and no header."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from api_fakes import CID, KEY, RECIPIENTS, ClientFor, Recorder, settings

from vozzoctl.api import ApiKey, VozzoClient, api_key_from_env, check_base_url
from vozzoctl.errors import AuthError, UsageError


@pytest.mark.parametrize("raw", [KEY, f"Token {KEY}", f"token {KEY}", f"  Token   {KEY}  "])
def test_the_token_prefix_is_optional(raw: str) -> None:
    assert ApiKey(raw).header() == f"Token {KEY}"


@pytest.mark.parametrize("raw", ["", "   ", "Token ", "Token    "])
def test_an_empty_key_is_refused(raw: str) -> None:
    with pytest.raises(UsageError, match="empty"):
        ApiKey(raw)


def test_the_key_is_never_in_a_repr() -> None:
    key = ApiKey(KEY)
    client = VozzoClient(
        "https://vozzo.test", key, transport=httpx.MockTransport(lambda r: httpx.Response(200))
    )
    for text in (repr(key), str(key), f"{key}", repr(client), repr([key]), repr(vars(client))):
        assert KEY not in text
    asyncio.run(client.aclose())


def test_api_key_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert api_key_from_env({"VOZZO_API_KEY": f"Token {KEY}"}).header() == f"Token {KEY}"
    with pytest.raises(UsageError, match="VOZZO_API_KEY is not set") as info:
        api_key_from_env({})
    assert info.value.hint and "Token" in info.value.hint
    monkeypatch.setenv("VOZZO_API_KEY", KEY)
    client = VozzoClient(
        "https://vozzo.test", transport=httpx.MockTransport(lambda r: httpx.Response(200))
    )
    assert client._key.header() == f"Token {KEY}"
    asyncio.run(client.aclose())
    monkeypatch.delenv("VOZZO_API_KEY")
    with pytest.raises(UsageError):
        VozzoClient("https://vozzo.test")


@pytest.mark.parametrize(
    "url",
    [
        "https://backend.vozzo.ai",
        "https://backend.vozzo.ai/",
        "http://127.0.0.1:8080",
        "http://127.9.9.9",
        "http://localhost:9000/",
        "http://[::1]:8000",
    ],
)
def test_allowed_base_urls(url: str) -> None:
    assert check_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://backend.vozzo.ai",
        "http://10.0.0.5:8000",
        "http://localhost.evil.com",
        "ftp://x",
        "vozzo.ai",
    ],
)
def test_plain_http_to_anything_but_loopback_is_refused(url: str) -> None:
    with pytest.raises(UsageError) as info:
        VozzoClient(url, KEY)
    assert "http" in info.value.message and info.value.hint


def test_the_key_is_not_in_logs_or_errors(
    client_for: ClientFor, caplog: pytest.LogCaptureFixture
) -> None:
    rec = Recorder(lambda _: httpx.Response(401, json={"detail": f"Invalid token {KEY}."}))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as info:
        asyncio.run(_call(client_for(rec)))
    error = info.value
    # even a server that echoes the key back does not get it into the message
    assert "Invalid token ***." in error.message
    for text in (caplog.text, str(error), repr(error), error.hint or "", repr(vars(error))):
        assert KEY not in text
    assert "Authorization" not in caplog.text and "Token " not in caplog.text


async def _call(client: VozzoClient) -> None:
    async with client:
        await client.get_campaign(CID)


def test_each_request_is_logged_masked_at_debug(
    client_for: ClientFor, caplog: pytest.LogCaptureFixture
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(201, json={"data": {"campaign_id": CID}})
        return httpx.Response(404, json={"detail": "not found"})

    caplog.set_level(logging.DEBUG, logger="vozzoctl.api")

    async def go(client: VozzoClient) -> None:
        async with client:
            await client.create_campaign(settings(), RECIPIENTS)
            with pytest.raises(Exception, match="not found"):
                await client.get_item(CID, "+911234567890")

    asyncio.run(go(client_for(Recorder(handler))))
    lines = [r.getMessage() for r in caplog.records if r.name == "vozzoctl.api"]
    assert len(lines) == 2
    assert lines[0].startswith("POST /v1alpha/campaign 201 ") and lines[0].endswith("ms")
    assert lines[1].startswith(f"GET /v1alpha/campaign/{CID}/item/+91******7890 404 ")
    assert all("1234567890" not in line for line in lines)
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name == "vozzoctl.api")


def test_phone_numbers_are_masked_in_error_paths(client_for: ClientFor) -> None:
    rec = Recorder(lambda _: httpx.Response(404, json={"detail": "gone"}))
    with pytest.raises(Exception) as info:
        asyncio.run(_item(client_for(rec), "+911234567890"))
    assert "1234567890" not in str(info.value) and "7890" in str(info.value)


async def _item(client: VozzoClient, item: str) -> None:
    async with client:
        await client.get_item(CID, item)


def test_concurrency_is_bounded(client_for: ClientFor) -> None:
    in_flight = {"now": 0, "max": 0}

    class Slow(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
            await asyncio.sleep(0.005)
            in_flight["now"] -= 1
            return httpx.Response(200, json={"campaign_id": CID, "campaign_state": "RUNNING"})

    async def go() -> None:
        async with VozzoClient(
            "https://vozzo.test", KEY, transport=Slow(), concurrency=3
        ) as client:
            await asyncio.gather(*(client.get_campaign(CID) for _ in range(20)))
            assert client.requests_total == 20

    asyncio.run(go())
    assert in_flight["max"] == 3
