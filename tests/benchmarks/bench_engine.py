"""plan and apply at scale: 1,000 managed campaigns on two agents, against the emulator over a
real socket in its own process (`vozzoctl emulator serve --latency-ms 25`).

Run by hand (pytest does not collect it):

    python tests/benchmarks/bench_engine.py [-n 1000] [--latency-ms 25] [--concurrency 16]
                                            [--naive 1000] [--profile]

Figures, each as a user runs it (`python -m vozzoctl ...`, start-up included):
  a. `apply` of N creates at --concurrency 16, against a minimal client: one async httpx POST
     per campaign, 16 at a time, the same bodies, nothing else. Target: (wall - 1 s of
     start-up) / minimal <= 1.3.
  b. `plan` with no changes over the N managed campaigns: wall time (target <= 2 s) and the
     requests it made, counted from its `-v` log (target <= N/100 + 2 x agents + 5; the
     agent's count read after its pages is the second witness before any create).
  c. The naive baseline a plan avoids: one detail request per campaign, one at a time.
--profile runs the plan and the apply of (a) under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from benchlib import free_port, minimal_posts, run_vozzoctl, wait_until_up

from vozzoctl.api.mapping import create_body
from vozzoctl.model import Recipient, Settings

AGENTS = ("619ec26c-4957-4926-70f8-fe7391b3527e", "3f0c9a52-7d1e-4b8a-9c2f-5e6d7a8b9c01")
TOKEN = "bench-token"
START = date(2099, 1, 1)  # far enough ahead to be valid whatever the real date
REQUEST_LINE = re.compile(r"^(GET|POST) /v1alpha/\S+ \d{3} \d+ms$")


def phone(i: int, j: int) -> str:
    return f"+9198{i:06d}{j:02d}"


def write_manifests(root: Path, n: int) -> None:
    docs = []
    for i in range(n):
        docs.append(
            {
                "apiVersion": "vozzoctl/v1",
                "kind": "Campaign",
                "metadata": {"name": f"c{i:05d}"},
                "spec": {
                    "name": f"Bench {i:05d}",
                    "agent": AGENTS[i % 2],
                    "schedule": {"start_date": START.isoformat(), "start_hour": 9, "end_hour": 18},
                    "retry": {"max_attempts": 3},
                    "recipients": [{"phone": phone(i, j)} for j in range(2)],
                },
            }
        )
    folder = root / "campaigns"
    folder.mkdir()
    # JSON is YAML: one document per file keeps the loader's work what users' repos give it
    for chunk in range(0, n, 100):
        text = "\n---\n".join(json.dumps(d) for d in docs[chunk : chunk + 100])
        (folder / f"part{chunk // 100:03d}.yaml").write_text(text + "\n", encoding="utf-8")


def vozzoctl(
    root: Path, base: str, *args: str, profile: str | None = None, expect: int = 0
) -> tuple[float, str]:
    wall, done = run_vozzoctl(root, base, TOKEN, *args, profile=profile, expect=expect)
    return wall, done.stderr


def start_up(root: Path, base: str) -> float:
    """The wall time of a command that imports what plan/apply import and sends nothing: a
    plan whose --target names no key, refused (exit 1) before the account is read."""
    best = 99.0
    for _ in range(3):
        wall, _ = vozzoctl(root, base, "plan", "--target", "no-such-key", expect=1)
        best = min(best, wall)
    return best


def settings(i: int) -> Settings:
    return Settings(
        campaign_name=f"Raw {i:05d}",
        agent_uuid=AGENTS[i % 2],
        start_date=START,
        end_date=None,
        start_hour=9,
        end_hour=18,
        allow_weekends=False,
        max_retry=3,
        max_retry_per_day=3,
    )


async def minimal_creates(base: str, n: int, concurrency: int) -> float:
    bodies = [
        create_body(settings(i), [Recipient(phone(i, j), "EN", "{}") for j in range(2)])
        for i in range(n)
    ]
    return await minimal_posts(base, TOKEN, bodies, concurrency)


def naive_reads(base: str, ids: list[str]) -> float:
    with httpx.Client(base_url=base, headers={"Authorization": f"Token {TOKEN}"}) as client:
        started = time.perf_counter()
        for cid in ids:
            client.get(f"/v1alpha/campaign/{cid}").raise_for_status()
        return time.perf_counter() - started


def show_profile(path: str, title: str) -> None:
    import pstats

    print(f"\n--- {title}: cumulative time, top 25 ---")
    pstats.Stats(path).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=25)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--naive", type=int, default=None, help="detail reads (default: n)")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    n, conc = args.n, args.concurrency
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
            write_manifests(root, n)
            boot = start_up(root, base)

            prof = str(root / "apply.prof") if args.profile else None
            apply_wall, _ = vozzoctl(
                root, base, "apply", "--auto-approve", "--concurrency", str(conc),
                "--max-new-recipients", str(4 * n), profile=prof,
            )  # fmt: skip
            lock = json.loads((root / "vozzo.lock").read_text())
            assert len(lock["campaigns"]) == n, "the apply did not record every campaign"

            plan_wall, log = vozzoctl(root, base, "plan", "--detailed-exitcode", "-v")
            plan_requests = sum(1 for line in log.splitlines() if REQUEST_LINE.match(line))
            if args.profile:
                vozzoctl(root, base, "plan", profile=str(root / "plan.prof"))

            ids = [b["campaign_id"] for e in lock["campaigns"].values() for b in e["batches"]]
            naive = naive_reads(base, ids[: args.naive or n])
            minimal = asyncio.run(minimal_creates(base, n, conc))

            if args.profile:
                show_profile(str(root / "plan.prof"), "plan, no changes")
                assert prof is not None
                show_profile(prof, f"apply, {n} creates")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    budget = n / 100 + 2 * len(AGENTS) + 5
    ratio = (apply_wall - 1.0) / minimal
    naive_n = args.naive or n
    rows = [
        ("start-up (plan of nothing, best of 3)", f"{boot:.2f} s", ""),
        (f"plan, no changes, {n} campaigns", f"{plan_wall:.2f} s", "<= 2 s"),
        ("  requests it made", f"{plan_requests}", f"<= {budget:g}"),
        (f"apply, {n} creates, concurrency {conc}", f"{apply_wall:.2f} s", ""),
        (f"minimal client, {n} POSTs, concurrency {conc}", f"{minimal:.2f} s", ""),
        ("  (apply - 1 s) / minimal", f"{ratio:.2f}", "<= 1.3"),
        (f"naive: {naive_n} detail reads, one at a time", f"{naive:.2f} s", ""),
    ]
    print(f"\nvozzoctl engine benchmark: {n} campaigns, {len(AGENTS)} agents, "
          f"{args.latency_ms} ms latency per request\n")  # fmt: skip
    for label, value, target in rows:
        print(f"  {label:<48} {value:>9}  {target}")


if __name__ == "__main__":
    main()
