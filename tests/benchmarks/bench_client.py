"""Requests per second of vozzoctl's API client against the emulator over a real socket.

Run by hand (pytest does not collect it):

    python tests/benchmarks/bench_client.py [--concurrency 16] [--latency-ms 25] [--requests 2000]

The emulator runs in its own process (`vozzoctl emulator serve --latency-ms N`) so that the
server and the client do not share a GIL. With L ms of latency per request and C requests in
flight, the ceiling is C·1000/L requests per second (640 for 16 at 25 ms); the target is ≥ 500.
Figures: concurrent detail reads, concurrent updates, and a bulk by-agent refresh of every
campaign (about one request per 100 campaigns).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import date

from benchlib import free_port, wait_until_up

from vozzoctl.api import VozzoClient
from vozzoctl.api.mapping import update_params
from vozzoctl.model import Recipient, Settings, State

AGENT = "619ec26c-4957-4926-70f8-fe7391b3527e"
TOKEN = "emulator-token"
START = date(2099, 1, 1)  # far enough ahead to be valid whatever the real date


def settings(i: int) -> Settings:
    return Settings(
        campaign_name=f"bench {i}",
        agent_uuid=AGENT,
        start_date=START,
        end_date=None,
        start_hour=9,
        end_hour=18,
        allow_weekends=False,
        max_retry=3,
        max_retry_per_day=3,
        state=State.TO_START,
    )


RECIPIENTS = [Recipient(f"+9198765{j:05d}", "EN", "{}") for j in range(5)]


async def measure(
    client: VozzoClient, label: str, n: int, make: Callable[[int], Awaitable[object]]
) -> tuple[float, int]:
    before = client.requests_total
    t0 = time.perf_counter()
    await asyncio.gather(*(make(i) for i in range(n)))
    took = time.perf_counter() - t0
    sent = client.requests_total - before
    print(f"{label:44s} {sent / took:7.0f} req/s   ({sent} requests in {took:.2f} s)")
    return sent / took, sent


async def bench(base: str, args: argparse.Namespace) -> int:
    async with VozzoClient(base, TOKEN, concurrency=args.concurrency, timeout=30.0) as client:
        created = await asyncio.gather(
            *(client.create_campaign(settings(i), RECIPIENTS) for i in range(args.campaigns))
        )
        ids = [c.campaign_id for c in created]
        print(
            f"emulator on {base}, {args.latency_ms} ms latency; client concurrency "
            f"{args.concurrency}; {len(ids)} campaigns created "
            f"(ceiling {args.concurrency * 1000 / max(args.latency_ms, 1):.0f} req/s)"
        )
        rps, _ = await measure(
            client,
            "detail  GET /v1alpha/campaign/{id}",
            args.requests,
            lambda i: client.get_campaign(ids[i % len(ids)]),
        )
        params = update_params(allow_weekends=False, state=State.SUSPENDED)
        await measure(
            client,
            "update  POST .../update-campaign/{id}/",
            len(ids),
            lambda i: client.update_campaign(ids[i], params),
        )
        before = client.requests_total
        t0 = time.perf_counter()
        read = await client.read_agents([AGENT])
        took = time.perf_counter() - t0
        print(
            f"{'refresh read_agents (by-agent, 100 a page)':44s} "
            f"{len(read.campaigns[AGENT]):7d} campaigns in {client.requests_total - before} "
            f"requests, {took:.2f} s"
        )
        print(f"requests sent in all: {dict(client.requests)}")
        ok = rps >= args.target
        print(f"detail reads {'meet' if ok else 'MISS'} the target of {args.target:g} req/s")
        return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--latency-ms", type=int, default=25)
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--campaigns", type=int, default=1000)
    ap.add_argument("--target", type=float, default=500)
    args = ap.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "vozzoctl", "emulator", "serve", "--port", str(port),
         "--latency-ms", str(args.latency_ms)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server, TOKEN)
        return asyncio.run(bench(base, args))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())
