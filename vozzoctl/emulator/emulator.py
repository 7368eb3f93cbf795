"""The emulator's controls: configuration, clock, store, faults and the request log.

`create_app()` makes one `Emulator` and hangs it on the ASGI app as `app.emulator`. Everything a
test or a demo needs besides HTTP is here: `advance()` the clock, `set_fault_plan()`, read
`requests` (what the API received) and inspect stored campaigns with `campaigns()`.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from vozzoctl.emulator import shapes as answer_shapes
from vozzoctl.emulator.clock import Clock, EmulatedClock, ManualClock, ist_date
from vozzoctl.emulator.faults import Fault, FaultPlan
from vozzoctl.emulator.records import campaign_object, item_detail
from vozzoctl.emulator.store import Store
from vozzoctl.emulator.validation import UUID_RE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_TOKEN = "emulator-token"
# the vendor's own example agent; not an RFC 4122 UUID, which is exactly why it is useful here
DEFAULT_AGENT = "619ec26c-4957-4926-70f8-fe7391b3527e"
ORG_ID = 1
ORG_NAME = "Vozzo Emulator"
MAX_BODY_BYTES = 10 * 1024 * 1024
REQUEST_LOG_SIZE = 10_000
HOLD_MAX_S = 60.0  # a `hold` fault without delay_ms parks a request at most this long
VARIANTS = ("current", "legacy")


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the API received it, and what it answered (None: no answer)."""

    method: str
    path: str
    query: str
    status: int | None
    fault: str | None = None
    body: bytes = b""

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    def json(self) -> Any:
        return json.loads(self.body)


class Emulator:
    def __init__(
        self,
        *,
        tokens: Iterable[str] | None = None,
        read_only_tokens: Iterable[str] = (),
        agents: Iterable[str] | None = None,
        state_file: str | Path | None = None,
        clock: Clock | None = None,
        speed: float = 1.0,
        seed: int = 0,
        latency_ms: int = 0,
        fail_rate: float = 0.0,
        fault_plan: FaultPlan | dict[str, Any] | list[Any] | str | Path | None = None,
        variant: str = "current",
        shapes: Iterable[str] = (),
        list_lag: float = 0.0,
    ) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(VARIANTS)}")
        if not 0.0 <= fail_rate <= 1.0:
            raise ValueError("fail_rate must be between 0 and 1")
        if latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        ro = frozenset(read_only_tokens)
        if tokens is None:
            tokens = () if ro else (DEFAULT_TOKEN,)
        self.tokens = frozenset(tokens)
        self.read_only_tokens = ro - self.tokens
        agent_ids = [DEFAULT_AGENT] if agents is None else list(agents)
        bad = [a for a in agent_ids if not UUID_RE.match(a)]
        if bad:
            raise ValueError(f"agent ids must look like UUIDs: {', '.join(bad)}")
        self.agents = tuple(dict.fromkeys(a.lower() for a in agent_ids))
        self.variant = variant
        # How the answers differ from vozzo-api.md (`emulator.shapes`); may be changed between
        # requests. list_lag: seconds before a new campaign shows in the list answers.
        self.shapes = answer_shapes.check(shapes)
        if list_lag < 0:
            raise ValueError("list_lag must not be negative")
        self.list_lag = float(list_lag)
        self.seed = seed
        self.latency_ms = latency_ms
        self.fail_rate = fail_rate
        self.clock: Clock = (
            clock
            if isinstance(clock, ManualClock) and speed == 1.0
            else (EmulatedClock(clock, speed=speed))
        )
        self.store = Store(state_file, seed=seed)
        self.faults = FaultPlan.parse(fault_plan)
        self._rng = random.Random(seed)
        self._log: collections.deque[RequestRecord] = collections.deque(maxlen=REQUEST_LOG_SIZE)
        self._log_lock = threading.Lock()
        self._logged = threading.Condition(self._log_lock)
        self._gate = threading.Event()
        self._parked = threading.Condition()
        self._parked_count = 0

    # ---- time ---------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> Any:
        return ist_date(self.clock())

    def advance(self, delta: timedelta | float | None = None, **kw: float) -> datetime:
        """Move emulated time forward (`advance(timedelta(hours=1))`, `advance(minutes=5)`,
        `advance(90)` for seconds); calls due meanwhile are placed on the next read."""
        if isinstance(delta, (int, float)):
            delta = timedelta(seconds=delta)
        step = (delta or timedelta()) + timedelta(**kw)
        advance = getattr(self.clock, "advance", None)
        if advance is None:
            raise TypeError("this emulator's clock cannot be advanced")
        advance(step)
        now = self.clock()
        self.store.advance_all(now)
        return now

    def listed(self, rows: list[Any], now: datetime) -> list[Any]:
        """The campaigns the list answers show: with a list lag, those created long enough
        ago (a search index behind the database); the count and detail see them all."""
        if not self.list_lag:
            return rows
        cutoff = now - timedelta(seconds=self.list_lag)
        return [c for c in rows if c.created_at <= cutoff]

    # ---- faults and the request log --------------------------------------------------------------

    def set_fault_plan(
        self, plan: FaultPlan | dict[str, Any] | list[Any] | str | Path | None
    ) -> None:
        """Replace the fault plan (hit counters start again); None clears it. Requests parked
        by an earlier plan's `hold` stay parked until `release()`."""
        self.faults = FaultPlan.parse(plan)

    def wait_held(self, count: int = 1, timeout: float = 60.0) -> bool:
        """Block until `count` requests in all have been parked by a `hold` fault; False when
        `timeout` seconds pass first. A test's event to act on: "the client is inside a call"."""
        with self._parked:
            return self._parked.wait_for(lambda: self._parked_count >= count, timeout)

    def release(self) -> None:
        """Let every parked request (and every later `hold`) go on to be served."""
        self._gate.set()

    async def _hold(self, fault: Fault) -> None:
        with self._parked:
            self._parked_count += 1
            self._parked.notify_all()
        await asyncio.to_thread(self._gate.wait, fault.delay_ms / 1000 or HOLD_MAX_S)

    def clear_faults(self) -> None:
        self.faults = FaultPlan()

    @property
    def requests(self) -> list[RequestRecord]:
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def wait_logged(self, count: int, timeout: float = 60.0) -> list[RequestRecord]:
        """The request log once it holds at least `count` records (or as it is after `timeout`
        seconds): over a socket a record is written just after the answer is sent."""
        with self._logged:
            self._logged.wait_for(lambda: len(self._log) >= count, timeout)
            return list(self._log)

    def wait_for_request(
        self, predicate: Callable[[RequestRecord], bool], timeout: float = 60.0
    ) -> RequestRecord | None:
        """Block until a request matching `predicate` has been answered (or dropped) and logged;
        None when `timeout` seconds pass first. Requests logged before the call count too."""
        found: list[RequestRecord] = []

        def seen() -> bool:
            found[:] = [r for r in self._log if predicate(r)][:1]
            return bool(found)

        with self._logged:
            return found[0] if self._logged.wait_for(seen, timeout) else None

    # ---- stored campaigns, for tests and tools ------------------------------------------------

    def campaigns(self) -> list[dict[str, Any]]:
        """Every stored campaign as the detail endpoint shows it, newest first."""
        now = self.now()
        self.store.advance_all(now)
        return self.store.read(lambda: [campaign_object(c, now) for c in self.store.all()])

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        now = self.now()
        c = self.store.get(ORG_ID, campaign_id, now)
        return None if c is None else self.store.read(lambda: campaign_object(c, now))

    def items(self, campaign_id: str) -> list[dict[str, Any]]:
        """The campaign's items with their call logs, in `campaign_data` order."""
        now = self.now()
        c = self.store.get(ORG_ID, campaign_id, now)
        if c is None:
            raise KeyError(campaign_id)
        return self.store.read(lambda: [item_detail(it, now) for it in c.items])

    def close(self) -> None:
        self.store.close()

    # ---- the outer ASGI layer: body limit, latency, faults, request log --------------------------

    async def handle(self, scope: Scope, receive: Receive, send: Send, inner: ASGIApp) -> None:
        method = str(scope.get("method", "GET")).upper()
        path = str(scope.get("path", "/"))
        query = bytes(scope.get("query_string", b"")).decode("latin-1")
        status: list[int] = []
        fault_name: str | None = None
        body = b""

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        try:
            body_or_none = await _read_body(scope, receive)
            if body_or_none is None:
                await _json_answer(
                    recording_send, 413, {"detail": "Request body exceeds the 10 MB limit."}
                )
                return
            body = body_or_none
            if self.latency_ms:
                await asyncio.sleep(self.latency_ms / 1000)
            fault = self.faults.pick(method, path)
            if fault is None and self.fail_rate and self._rng.random() < self.fail_rate:
                fault = Fault("status", 503)
            if fault is not None:
                fault_name = fault.action if fault.action != "status" else str(fault.status)
                if fault.action == "delay":
                    await asyncio.sleep(fault.delay_ms / 1000)
                elif fault.action == "hold":
                    await self._hold(fault)
                elif fault.action == "status":
                    await _fault_answer(recording_send, fault)
                    return
                elif fault.action == "drop":
                    await _drop(send)
                    return
                else:  # commit_then_drop/500: handle, keep the effects, lose the answer
                    await inner(scope, _replay(body, receive), _discard)
                    if fault.action == "commit_then_drop":
                        await _drop(send)
                    else:
                        await _plain_answer(recording_send, 500, b"Internal Server Error")
                    return
            shapes = self.shapes
            if answer_shapes.missing(shapes, method, path):
                await _json_answer(recording_send, 404, {"detail": "Not found."})
                return
            if answer_shapes.touches(shapes, method, path):
                await inner(scope, _replay(body, receive), _reshaping(recording_send, shapes, path))
                return
            await inner(scope, _replay(body, receive), recording_send)
        finally:
            record = RequestRecord(
                method, path, query, status[0] if status else None, fault_name, body
            )
            with self._logged:
                self._log.append(record)
                self._logged.notify_all()


async def _read_body(scope: Scope, receive: Receive) -> bytes | None:
    """The whole body, or None when it is over the limit (read to its end all the same, so the
    client is not cut off mid-upload and sees the 413)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                if int(value) > MAX_BODY_BYTES * 10:
                    return None
            except ValueError:
                pass
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return None if size > MAX_BODY_BYTES else b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    done = False

    async def replay() -> Message:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _reshaping(send: Send, shapes: frozenset[str], path: str) -> Send:
    """A send that holds the answer back, and passes a 200 on as `shapes` make it."""
    held: list[Message] = []
    chunks: list[bytes] = []

    async def reshaping(message: Message) -> None:
        if message["type"] == "http.response.start":
            held.append(message)
            return
        if message["type"] != "http.response.body" or not held:
            await send(message)
            return
        chunks.append(bytes(message.get("body", b"")))
        if message.get("more_body", False):
            return
        start, body = held[0], b"".join(chunks)
        if start["status"] == 200:
            try:
                payload = json.loads(body)
            except ValueError:
                pass
            else:
                body = json.dumps(answer_shapes.reshape(shapes, path, payload)).encode()
        headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return reshaping


async def _discard(message: Message) -> None:
    return None


async def _drop(send: Send) -> None:
    """Close the connection without an answer. Over a real socket (uvicorn) the transport is
    closed under the server; in-process there is no socket, so raise what httpx raises when a
    server hangs up, which an httpx client surfaces as a transport error."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None and hasattr(transport, "close"):
        transport.close()
        for _ in range(3):  # let the server notice the disconnect before the app returns
            await asyncio.sleep(0)
        return
    import httpx

    raise httpx.RemoteProtocolError("Server disconnected without sending a response.")


async def _fault_answer(send: Send, fault: Fault) -> None:
    if fault.status == 429:
        await _json_answer(
            send,
            429,
            {"detail": f"Request was throttled. Expected available in {fault.retry_after} s."},
            [(b"retry-after", str(fault.retry_after).encode())],
        )
    elif fault.status >= 500:
        await _json_answer(send, fault.status, {"detail": "Service temporarily unavailable."})
    else:
        await _json_answer(send, fault.status, {"detail": "Injected fault."})


async def _json_answer(
    send: Send, status: int, payload: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _plain_answer(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
