"""`vozzoctl stop --all` over 1,000 RUNNING managed campaigns on two agents, against the emulator
over a real socket in its own process (`vozzoctl emulator serve --latency-ms 25`).

Run by hand (pytest does not collect it):

    python tests/benchmarks/bench_stop.py [-n 1000] [--latency-ms 25] [--concurrency 16]

The campaigns are made through the API and a lockfile is written for them directly: stop
needs no manifests. Figures, each as a user runs it (`python -m vozzoctl ...`, start-up
included):
  a. `stop --all --auto-approve` with every campaign RUNNING. Target: <= 5 s.
  b. the same stop again, nothing left RUNNING (it reads, and sends nothing).
  c. the floor: the same 1,000 updates from a minimal httpx client, nothing read first.
--profile runs the first stop under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from benchlib import free_port, run_vozzoctl, wait_until_up

from vozzoctl.api.mapping import create_body
from vozzoctl.lockfile import Batch, Entry, Lockfile, save
from vozzoctl.model import Recipient, Settings

AGENTS = ("619ec26c-4957-4926-70f8-fe7391b3527e", "3f0c9a52-7d1e-4b8a-9c2f-5e6d7a8b9c01")
TOKEN = "bench-token"
START = date(2099, 1, 1)  # far enough ahead to be valid whatever the real date


def settings(i: int) -> Settings:
    return Settings(
        campaign_name=f"Stop {i:05d}",
        agent_uuid=AGENTS[i % 2],
        start_date=START,
        end_date=None,
        start_hour=9,
        end_hour=18,
        allow_weekends=i % 3 == 0,
        max_retry=3,
        max_retry_per_day=3,
    )


async def running_campaigns(base: str, n: int) -> list[tuple[str, str]]:
    """n campaigns made and set RUNNING through the API: (name, id) each."""
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Token {TOKEN}"}, limits=limits, timeout=60
    ) as client:
        gate = asyncio.Semaphore(32)

        async def one(i: int) -> tuple[str, str]:
            s = settings(i)
            body = create_body(s, [Recipient(f"+9198{i:06d}{j:02d}", "EN", "{}") for j in range(2)])
            async with gate:
                r = await client.post("/v1alpha/campaign", json=body)
                r.raise_for_status()
                data = r.json()
                cid = str(data.get("data", data)["campaign_id"])
                weekends = "true" if s.allow_weekends else "false"
                params = {"campaign_status": "RUNNING", "campaign_allow_weekends": weekends}
                u = await client.post(f"/v1alpha/campaign/update-campaign/{cid}/", params=params)
                u.raise_for_status()
            return s.campaign_name, cid

        return await asyncio.gather(*(one(i) for i in range(n)))


async def minimal_updates(base: str, ids: list[str], concurrency: int) -> float:
    """The floor: one plain httpx POST update-campaign (SUSPENDED again) per campaign, at the
    same concurrency, nothing read, nothing checked."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Token {TOKEN}"}, limits=limits, timeout=60
    ) as client:
        gate = asyncio.Semaphore(concurrency)
        params = {"campaign_status": "SUSPENDED", "campaign_allow_weekends": "false"}

        async def one(cid: str) -> None:
            async with gate:
                path = f"/v1alpha/campaign/update-campaign/{cid}/"
                (await client.post(path, params=params)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(cid) for cid in ids))
        return time.perf_counter() - started


def count(base: str, state: str) -> int:
    with httpx.Client(base_url=base, headers={"Authorization": f"Token {TOKEN}"}) as client:
        r = client.get("/v1alpha/campaigns", params={"state": state, "limit": 1})
        r.raise_for_status()
        return int(r.json()["total"])


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def vozzoctl(root: Path, base: str, *args: str, profile: str | None = None) -> tuple[float, str]:
    wall, done = run_vozzoctl(root, base, TOKEN, *args, profile=profile)
    return wall, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--profile", action="store_true", help="profile the first stop")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_cmd = [sys.executable, "-m", "vozzoctl", "emulator", "serve", "--port", str(port),
                  "--latency-ms", str(args.latency_ms), "--token", TOKEN,
                  "--agent", AGENTS[0], "--agent", AGENTS[1]]  # fmt: skip
    server = subprocess.Popen(server_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(base, server, TOKEN)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            made = asyncio.run(running_campaigns(base, args.n))
            lock = Lockfile(
                api_url=base,
                campaigns={
                    f"c{i:05d}": Entry(batches=(Batch(cid, name, 2, "0" * 64),))
                    for i, (name, cid) in enumerate(made)
                },
            )
            save(root / "vozzo.lock", lock)
            assert count(base, "RUNNING") == args.n
            stop = ("stop", "--all", "--auto-approve", "--concurrency", str(args.concurrency))
            prof = str(root / "stop.prof") if args.profile else None
            cpu = cpu_of_children()
            first, out = vozzoctl(root, base, *stop, profile=prof)
            cpu = cpu_of_children() - cpu
            if prof:
                import pstats

                pstats.Stats(prof).sort_stats("cumulative").print_stats(20)
            assert count(base, "RUNNING") == 0, "stop left campaigns RUNNING"
            assert count(base, "SUSPENDED") == args.n
            assert f"Stopped {args.n:,} campaign(s)" in out
            again, _ = vozzoctl(root, base, *stop)
            floor = asyncio.run(minimal_updates(base, [c for _, c in made], args.concurrency))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(
        f"stop --all, {args.n:,} RUNNING campaigns, {args.latency_ms} ms latency, "
        f"--concurrency {args.concurrency}: {first:.2f} s (target <= 5 s), "
        f"of which {cpu:.2f} s CPU in vozzoctl"
    )
    print(f"the same stop again, nothing RUNNING: {again:.2f} s")
    print(f"floor: {args.n:,} plain httpx updates at the same concurrency: {floor:.2f} s")


if __name__ == "__main__":
    main()
