"""What the benchmark scripts share: a free loopback port, and waiting for an emulator process."""

from __future__ import annotations

import socket
import subprocess
import time

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
