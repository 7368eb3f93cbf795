"""The client's connections: an idle connection the server closed is seen as closed before a
request is put on it, a request leaves in one send (and a refusal the server sent while it could
not be written is still read), no cookie an answer sets is sent back, and every path goes under
the base URL however often it is asked for."""

from __future__ import annotations

import asyncio
import json
import select
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
import pytest
from api_fakes import RECIPIENTS, Recorder, settings

from vozzoctl.api import VozzoClient
from vozzoctl.api.connections import NetworkBackend, PooledTransport
from vozzoctl.api.mapping import create_body, update_params
from vozzoctl.errors import AmbiguousCreateError, RequestRejectedError
from vozzoctl.model import Recipient


class Wire(httpcore.AsyncNetworkBackend):
    """A network that records every send and answers the first read with `answer`; each send
    fails (a server that closed the connection) when `broken`."""

    def __init__(self, answer: bytes, *, broken: bool = False) -> None:
        self.answer, self.broken = answer, broken
        self.sends: list[bytes] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _WireStream(self)


class _WireStream(httpcore.AsyncNetworkStream):
    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.wire.sends.append(buffer)
        if self.wire.broken:
            raise httpcore.WriteError("Broken pipe")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data, self.wire.answer = self.wire.answer, b""
        return data

    async def aclose(self) -> None:
        pass

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:  # fmt: skip
        return self


def http_answer(status: int, body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    return f"HTTP/1.1 {status} X\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data


def create_over(wire: Wire, recipients: tuple[Recipient, ...] = RECIPIENTS) -> str:
    limits = httpx.Limits(max_connections=1)
    transport = PooledTransport(limits, network_backend=NetworkBackend(wire))

    async def go() -> str:
        async with VozzoClient("http://127.0.0.1:9", "k-s3cret-key-0042", transport=transport) as c:
            return (await c.create_campaign(settings(), recipients)).campaign_id

    return asyncio.run(go())


def test_a_request_leaves_in_one_send() -> None:
    wire = Wire(http_answer(201, {"data": {"campaign_id": "made-1"}}))
    assert create_over(wire) == "made-1"
    [sent] = wire.sends
    head, _, body = sent.partition(b"\r\n\r\n")
    assert head.startswith(b"POST /v1alpha/campaign HTTP/1.1\r\n")
    assert json.loads(body) == create_body(settings(), RECIPIENTS)


def test_a_large_body_is_sent_as_written_not_copied_to_join_it() -> None:
    many = tuple(Recipient(f"+9198{i:08d}", "EN", "{}") for i in range(2_000))
    wire = Wire(http_answer(201, {"data": {"campaign_id": "made-2"}}))
    assert create_over(wire, many) == "made-2"
    head, body = wire.sends
    assert head.startswith(b"POST /v1alpha/campaign HTTP/1.1\r\n") and head.endswith(b"\r\n\r\n")
    assert len(body) > 64 * 1024
    assert json.loads(body) == create_body(settings(), many)


def test_a_refusal_sent_while_the_request_could_not_be_written_is_read() -> None:
    """As httpcore does when a write fails: the answer is read all the same. A refusal proves
    nothing was made; no answer at all leaves the create's outcome unknown (never re-sent)."""
    refused = Wire(http_answer(400, {"detail": "agent_uuid: unknown"}), broken=True)
    with pytest.raises(RequestRejectedError):
        create_over(refused)
    silent = Wire(b"", broken=True)
    with pytest.raises(AmbiguousCreateError):
        create_over(silent)
    assert len(silent.sends) == 1


def test_an_idle_connection_the_server_closed_reads_as_readable() -> None:
    """The pool asks an idle connection "is_readable" before it reuses it: a server that closed
    it has sent the end of the stream, and a create written into that connection would have an
    unknown outcome. Open, the answer is no; closed by the server, yes; closed here, yes."""

    async def scenario() -> list[bool]:
        checked = asyncio.Event()

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await checked.wait()  # the first look is done: now close, ending keep-alive
            writer.close()
            await writer.wait_closed()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        seen = []
        async with server:
            stream = await NetworkBackend().connect_tcp("127.0.0.1", port, timeout=10)
            seen.append(stream.get_extra_info("is_readable"))
            checked.set()
            # Wait for the server's close to arrive (select returns once it has; not a sleep).
            sock = stream.get_extra_info("socket")
            ready = await asyncio.to_thread(select.select, [sock], [], [], 10)
            assert ready[0], "the server's close never arrived"
            seen.append(stream.get_extra_info("is_readable"))
            assert await stream.read(10, timeout=10) == b""
            await stream.aclose()
            seen.append(stream.get_extra_info("is_readable"))
        return seen

    assert asyncio.run(scenario()) == [False, True, True]


def test_a_cookie_an_answer_sets_is_not_sent_back() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201,
            json={"data": {"campaign_id": f"id-{len(rec.requests)}"}},
            headers={"Set-Cookie": "session=abc123; Path=/"},
        )

    rec = Recorder(handler)

    async def two_creates() -> list[str]:
        async with VozzoClient(
            "https://vozzo.test", "k-s3cret-key-0042", transport=httpx.MockTransport(rec)
        ) as client:
            made = [await client.create_campaign(settings(), RECIPIENTS) for _ in range(2)]
        return [m.campaign_id for m in made]

    assert asyncio.run(two_creates()) == ["id-1", "id-2"]
    assert [r.headers.get("Cookie") for r in rec.requests] == [None, None]


def test_every_path_goes_under_the_base_url_each_time() -> None:
    rec = Recorder(lambda r: httpx.Response(200, json={"campaign_id": "x"}))

    async def writes() -> None:
        async with VozzoClient(
            "https://vozzo.test/gateway/", "k-s3cret-key-0042", transport=httpx.MockTransport(rec)
        ) as client:
            for _ in range(2):
                await client.create_campaign(settings(), RECIPIENTS)
            for cid in ("a 1", "b/2", "a 1"):
                await client.update_campaign(cid, update_params(allow_weekends=True))

    asyncio.run(writes())
    assert [str(r.url) for r in rec.requests] == [
        "https://vozzo.test/gateway/v1alpha/campaign",
        "https://vozzo.test/gateway/v1alpha/campaign",
        "https://vozzo.test/gateway/v1alpha/campaign/update-campaign/a%201/"
        "?campaign_allow_weekends=true",
        "https://vozzo.test/gateway/v1alpha/campaign/update-campaign/b%2F2/"
        "?campaign_allow_weekends=true",
        "https://vozzo.test/gateway/v1alpha/campaign/update-campaign/a%201/"
        "?campaign_allow_weekends=true",
    ]
