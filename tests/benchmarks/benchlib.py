"""What the benchmark scripts share: a free loopback port, waiting for an emulator process,
running vozzoctl as a user does, and the floor apply is held against (bare POSTs)."""

from __future__ import annotations

import asyncio
import compileall
import functools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(base: str, server: subprocess.Popen[bytes], token: str) -> None:
    """Return once the emulator at `base` answers; exit when it died or took over 20 s."""
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(base + "/v1alpha/campaigns", headers={"Authorization": f"Token {token}"})
            return
        except httpx.TransportError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the emulator did not start") from None
            time.sleep(0.1)


@functools.cache
def compiled() -> None:
    """vozzoctl's bytecode, written once, as pip writes it when it installs the package. An
    editable install run with PYTHONDONTWRITEBYTECODE (as on some CI machines) would otherwise
    compile every module again in every run, about a quarter of a second that an installed
    copy never pays."""
    import vozzoctl

    compileall.compile_dir(Path(vozzoctl.__file__).parent, quiet=1)


def run_vozzoctl(
    root: Path,
    base: str,
    token: str,
    *args: str,
    profile: str | None = None,
    expect: int | None = 0,
    prefix: Sequence[str] = (),
    timeout: int = 600,
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """`python -m vozzoctl ARGS` in `root` against `base`, as a user runs it: its wall time and
    what it printed. `profile` runs it under cProfile into that file; `prefix` (e.g.
    /usr/bin/time) goes before the interpreter. Exits when the command's code is not `expect`
    (None: any code)."""
    compiled()
    env = {**os.environ, "VOZZO_API_KEY": token, "VOZZO_BASE_URL": base}
    python = [sys.executable, *(["-m", "cProfile", "-o", profile] if profile else [])]
    started = time.perf_counter()
    done = subprocess.run(
        [*prefix, *python, "-m", "vozzoctl", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - started
    if expect is not None and done.returncode != expect:
        tail = done.stderr[-3000:]
        raise SystemExit(f"vozzoctl {' '.join(args)} exited {done.returncode}:\n{tail}")
    return wall, done


async def minimal_posts(base: str, token: str, bodies: Sequence[object], concurrency: int) -> float:
    """One POST /v1alpha/campaign per body, `concurrency` at a time, nothing else: the floor
    an apply of as many creates is held against. Its wall time."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Token {token}"}, limits=limits, timeout=60
    ) as client:
        gate = asyncio.Semaphore(concurrency)

        async def one(body: object) -> None:
            async with gate:
                (await client.post("/v1alpha/campaign", json=body)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(b) for b in bodies))
        return time.perf_counter() - started
