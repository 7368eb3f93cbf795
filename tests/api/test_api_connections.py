"""The client's connections: an idle connection the server closed is seen as closed before a
request is put on it, no cookie an answer sets is sent back, and every path goes under the base
URL however often it is asked for."""

from __future__ import annotations

import asyncio
import select

import httpx
from api_fakes import RECIPIENTS, Recorder, settings

from vozzoctl.api import VozzoClient
from vozzoctl.api.connections import NetworkBackend
from vozzoctl.api.mapping import update_params


def test_an_idle_connection_the_server_closed_reads_as_readable() -> None:
    """The pool asks an idle connection "is_readable" before it reuses it: a server that closed
    it has sent the end of the stream, and a create written into that connection would have an
    unknown outcome. Open, the answer is no; closed by the server, yes; closed here, yes."""

    async def scenario() -> list[bool]:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(1)  # the client's byte: now close, as a server ending keep-alive
            writer.close()
            await writer.wait_closed()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        seen = []
        async with server:
            stream = await NetworkBackend().connect_tcp("127.0.0.1", port, timeout=10)
            seen.append(stream.get_extra_info("is_readable"))
            await stream.write(b"x", timeout=10)
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
