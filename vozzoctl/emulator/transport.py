"""A synchronous httpx transport into an in-process ASGI app.

`httpx.ASGITransport` serves only `httpx.AsyncClient`; a sync `httpx.Client` (as most of
vozzoctl uses) gets the same in-process seam from this one. The app runs on an event loop in one
background thread (an anyio blocking portal), started on first use and stopped by `close()`.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import anyio.from_thread
import httpx


class SyncASGITransport(httpx.BaseTransport):
    def __init__(self, app: Any, *, raise_app_exceptions: bool = True) -> None:
        self._inner = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        self._stack: contextlib.ExitStack | None = None
        self._portal: anyio.from_thread.BlockingPortal | None = None
        self._lock = threading.Lock()

    def _get_portal(self) -> anyio.from_thread.BlockingPortal:
        with self._lock:
            if self._portal is None:
                stack = contextlib.ExitStack()
                self._portal = stack.enter_context(anyio.from_thread.start_blocking_portal())
                self._stack = stack
            return self._portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=body)

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._inner.handle_async_request(inner)
            content = await response.aread()
            await response.aclose()
            return response.status_code, response.headers.raw, content

        status, headers, content = self._get_portal().call(call)
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        with self._lock:
            if self._stack is not None:
                self._stack.close()
            self._stack = None
            self._portal = None
