"""The connection pool under the client: httpx's own, with a cheaper check of idle connections.

httpcore checks every pooled connection each time it hands out or takes back one (twice per
request), and for an idle one asks its stream "is the socket readable?" (a server that closed
it has sent the end of the stream). The anyio stream answers by building every socket attribute
it knows (addresses, peer name: system calls each) to take the raw socket from them: with 16
connections that was a tenth of the client's CPU per request, more than the request's own
sending. Here the stream keeps its socket from the start and answers with one `poll`; reading,
writing, timeouts, TLS and the errors they raise are the anyio stream's, unchanged, so a failed
connect is still the only failure that proves a request never left (`Transport._may_retry`).

A request's head and body also leave in one send, not two: httpcore writes them one after the
other and then reads the answer, so the stream holds what is written until the first read (up
to `_HOLD_AT_MOST`: a larger body goes as written, not copied).
Each send through anyio costs a pass of the event loop and a system call that wakes the server
(a fifth of the client's CPU per request went to the two); one send halves that for both ends.
A failure of that send is handled as httpcore handles one while it writes a request: the answer
is read all the same (a server may refuse a request early and say why), and it is a WriteError
when there is none, never a connect error.
"""

from __future__ import annotations

import contextlib
import select
import ssl
import sys
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

# What a stream holds to send with the next read: a request's head and a body of up to this
# size go in one send; a larger body is sent as written rather than copied to join it.
_HOLD_AT_MOST = 64 * 1024


class _Stream(httpcore.AsyncNetworkStream):
    """A stream that answers "is_readable" from its own socket, sends what is written with the
    next read, and passes the rest on."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._unsent: list[bytes] = []
        self._held = 0  # bytes in _unsent
        self._write_timeout: float | None = None
        self._socket = inner.get_extra_info("socket")
        self._poll: Any = None
        if self._socket is not None and sys.platform != "win32" and hasattr(select, "poll"):
            self._poll = select.poll()
            self._poll.register(self._socket.fileno(), select.POLLIN)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._unsent:
            await self._send_unsent()
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        if self._held + len(buffer) <= _HOLD_AT_MOST:
            self._unsent.append(buffer)
            self._held += len(buffer)
            self._write_timeout = timeout
            return
        # A large body is not copied to join it: what is held goes first, then the body, each
        # as httpcore wrote it (its errors are httpcore's to handle, as ever).
        if self._unsent:
            await self._inner.write(self._take_unsent(), self._write_timeout)
        await self._inner.write(buffer, timeout)

    def _take_unsent(self) -> bytes:
        data = b"".join(self._unsent)
        self._unsent.clear()
        self._held = 0
        return data

    async def _send_unsent(self) -> None:
        data = self._take_unsent()
        with contextlib.suppress(httpcore.WriteError):  # as httpcore: read the answer anyway
            await self._inner.write(data, self._write_timeout)

    async def aclose(self) -> None:
        self._take_unsent()  # a request closed before its answer was read was never sent
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._unsent:
            await self._send_unsent()
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self._readable()
        return self._inner.get_extra_info(info)

    def _readable(self) -> bool:
        # As httpcore's own check: a socket that is gone reads as readable (the end of the
        # stream), so the pool drops the connection rather than send on it.
        if self._socket is None or self._socket.fileno() < 0:
            return True
        if self._poll is None:
            ready, _, _ = select.select([self._socket], [], [], 0)
            return bool(ready)
        return bool(self._poll.poll(0))


class NetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend (or `inner`, for tests), its streams wrapped in `_Stream`."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PooledTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the pool it builds by default (TLS verified as httpx verifies,
    SSL_CERT_FILE / SSL_CERT_DIR honoured), over `NetworkBackend`.

    `tls=False` (a plain http:// base URL, which `check_base_url` allows only to a loopback
    emulator) skips loading the CA bundle, which costs ~45 ms at start-up; a https:// request
    on such a pool would still be verified, with httpcore's default context."""

    def __init__(
        self,
        limits: httpx.Limits,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        *,
        tls: bool = True,
    ) -> None:
        # Not super().__init__(): it would build a pool (and load the CA bundle) only for this
        # one to replace it. The pool is all the state httpx's transport keeps.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context() if tls else None,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=network_backend or NetworkBackend(),
        )
