"""Serving the emulator over a real socket: in a background thread, or in the foreground.

    with running_emulator(create_app()) as base_url:   # "http://127.0.0.1:54321"
        httpx.get(base_url + "/v1alpha/campaigns", headers={"Authorization": "Token ..."})

The thread runs uvicorn on 127.0.0.1 and a free port (port=0) and stops when the block ends.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


def _config(app: Any, host: str, port: int, **kw: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http="h11",
        ws="none",
        lifespan="off",
        log_level=kw.pop("log_level", "warning"),
        access_log=kw.pop("access_log", False),
        proxy_headers=False,
        server_header=False,
        **kw,
    )


@contextlib.contextmanager
def running_emulator(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` in a background thread for the duration of the block; yields the base URL."""
    server = uvicorn.Server(_config(app, host, port))
    thread = threading.Thread(target=server.run, name="vozzo-emulator", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the emulator's server did not start")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the emulator's server did not start in {START_TIMEOUT_S} s")
            time.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()
        yield f"http://{bound[0]}:{bound[1]}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_S)
        if thread.is_alive():  # a stuck connection: close it hard rather than hang the caller
            server.force_exit = True
            thread.join(STOP_TIMEOUT_S)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0: a free port); OSError when it cannot be had,
    e.g. EADDRINUSE for a busy port, so the caller can say so in one line."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def serve(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    log_level: str = "info",
    sock: socket.socket | None = None,
) -> None:
    """Serve in the foreground until interrupted (the CLI's `emulator serve`), on `sock`
    when given (bound beforehand, so that a busy port is a message, not a traceback)."""
    server = uvicorn.Server(_config(app, host, port, log_level=log_level, access_log=True))
    if sock is None:
        server.run()
        return
    # uvicorn says where it listens only for sockets it bound itself; the socket listens
    # already (connections wait in its backlog), so this line is true when it is printed.
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d (Press CTRL+C to quit)", shown, bound
    )
    server.run(sockets=[sock])
