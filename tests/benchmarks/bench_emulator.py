"""Requests per second of the emulator's list and detail endpoints over a real socket.

Run by hand (pytest does not collect it):

    python tests/benchmarks/bench_emulator.py [--seconds 5] [--concurrency 16] [--campaigns 50]

The server runs in its own process (`vozzoctl emulator serve`, uvicorn, h11). httpx's async
client is slower than the server, so the load may come from `--clients` processes (default 1), each
one httpx.AsyncClient with `--concurrency` requests in flight; their counts are summed. The
server's own CPU use is read from /proc and printed beside the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import socket
import subprocess
import sys
import time

import httpx

AGENT = "619ec26c-4957-4926-70f8-fe7391b3527e"
HEADERS = {"Authorization": "Token emulator-token"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def body(i: int) -> dict[str, object]:
    return {
        "agent_uuid": AGENT,
        "campaign_name": f"bench {i}",
        "campaign_start_date": "2099-01-01",
        "campaign_start_time": "09",
        "campaign_end_time": "18",
        "campaign_allow_weekends": False,
        "campaign_max_retry": 3,
        "campaign_data": [
            {"to_phone_number": f"+9198765{j:05d}", "agent_language": "EN", "metadata": "{}"}
            for j in range(20)
        ],
    }


async def hammer(
    base: str, paths: list[str], seconds: float, concurrency: int
) -> tuple[int, int, float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=HEADERS, limits=limits) as client:
        done = errors = 0
        stop = time.perf_counter() + seconds

        async def worker(k: int) -> None:
            nonlocal done, errors
            i = k
            while time.perf_counter() < stop:
                r = await client.get(paths[i % len(paths)])
                i += concurrency
                done += 1
                errors += r.status_code != 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        return done, errors, time.perf_counter() - t0


def client_run(base: str, paths: list[str], seconds: float, concurrency: int) -> tuple[int, int]:
    done, errors, _ = asyncio.run(hammer(base, paths, seconds, concurrency))
    return done, errors


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--campaigns", type=int, default=50)
    ap.add_argument("--clients", type=int, default=1)
    args = ap.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "vozzoctl", "emulator", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base + "/v1alpha/campaigns", headers=HEADERS, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print("the emulator did not start", file=sys.stderr)
                    return 1
                time.sleep(0.1)
        with httpx.Client(base_url=base, headers=HEADERS) as c:
            ids = [
                c.post("/v1alpha/campaign", json=body(i)).json()["data"]["campaign_id"]
                for i in range(args.campaigns)
            ]
        print(
            f"emulator on {base}; {args.campaigns} campaigns of 20 recipients; "
            f"{args.concurrency} concurrent requests for {args.seconds:g} s each"
        )
        pool = concurrent.futures.ProcessPoolExecutor(args.clients)
        with pool:
            for name, paths in (
                ("list   GET /v1alpha/campaigns?limit=20", ["/v1alpha/campaigns?limit=20"]),
                ("detail GET /v1alpha/campaign/{id}", [f"/v1alpha/campaign/{i}" for i in ids]),
            ):
                cpu0, t0 = cpu_seconds(server.pid), time.perf_counter()
                runs = [
                    pool.submit(client_run, base, paths, args.seconds, args.concurrency)
                    for _ in range(args.clients)
                ]
                results = [r.result() for r in runs]
                took = time.perf_counter() - t0
                cpu = (cpu_seconds(server.pid) - cpu0) / took
                done = sum(d for d, _ in results)
                errors = sum(e for _, e in results)
                print(
                    f"{name:42s} {done / took:8.0f} req/s  ({done} requests, {errors} not 200; "
                    f"server CPU {cpu:.0%} of one core, so about "
                    f"{done / took / max(cpu, 0.01):.0f} req/s at a full core)"
                )
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
