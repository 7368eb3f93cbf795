"""What `doctor --record DIR` keeps of the answers: redacted samples, one file per endpoint.

    RecordingTransport   wraps the client's transport and keeps each answer (never a header,
                         so never the key)
    redact(body)         ids, states, dates, counts and the shape kept; phone numbers, names,
                         e-mail addresses, metadata values and free text masked
    write_samples(dir)   one JSON file per endpoint, mode 0600, for a maintainer to turn into
                         test fixtures

Redaction keeps by rule, not by guess: a string survives only under a key known to hold an id,
a state, a date or a time; every other string is masked. Metadata keeps its keys (the shape) and
its type (a JSON string or an object), never a value.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from vozzoctl.pii import mask_phone, mask_phones_in

# Keys whose string values are kept: they say what shape and state an answer has, never whom.
_KEEP = frozenset(
    {
        "campaign_state",
        "state",
        "status",
        "call_state",
        "outcome",
        "agent_language",
        "timezone",
        "preferred_timeslot",
        "start_time",
        "end_time",
        "permissions",
        "success",
        "last_login",
    }
)
_NAMES = frozenset({"campaign_name"})
_PHONES = frozenset({"to_phone_number", "phone", "phone_number"})
_METADATA = frozenset({"metadata"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
MASK = "***"


@dataclass
class Sample:
    method: str
    path: str
    query: str
    status: int
    body: bytes


@dataclass
class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes every request to `inner` and keeps each answer's status and body."""

    inner: httpx.AsyncBaseTransport
    samples: list[Sample] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.samples.append(
            Sample(
                request.method,
                request.url.path,
                request.url.query.decode("ascii", "replace"),
                response.status_code,
                body,
            )
        )
        return httpx.Response(
            response.status_code, headers=response.headers, content=body, request=request
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


class Redactor:
    """Masks one answer at a time; campaign names map to stable stand-ins across answers
    (`Campaign 1`, `Campaign 1 #2`), so that batches still read as batches."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def __call__(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            if key in _METADATA:
                return _mask_values(value)
            return {mask_phones_in(str(k)): self(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v, key) for v in value]
        if not isinstance(value, str):
            return value
        if key in _METADATA:
            return _mask_metadata_text(value)
        if key in _PHONES:
            return mask_phone(value)
        if key in _NAMES:
            return self._name(value)
        if key == "id" or key.endswith(("_id", "_uuid", "_at", "_date")) or key in _KEEP:
            return mask_phones_in(value)
        if _EMAIL.match(value):
            return "user@example.invalid"
        return MASK

    def _name(self, name: str) -> str:
        base, sep, number = name.rpartition(" #")
        if not (sep and number.isdigit()):
            base, number = name, ""
        stand_in = self._names.setdefault(base, f"Campaign {len(self._names) + 1}")
        return f"{stand_in} #{number}" if number else stand_in


def _mask_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {mask_phones_in(str(k)): _mask_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_values(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return 0
    return MASK


def _mask_metadata_text(text: str) -> str:
    try:
        parsed = json.loads(text)
    except ValueError:
        return MASK
    return json.dumps(_mask_values(parsed), sort_keys=True, separators=(",", ":"))


def sample_name(method: str, path: str) -> str:
    """A file name for an endpoint: ids and agents replaced by their role."""
    parts = [p for p in path.split("/") if p and p != "v1alpha"]
    named: list[str] = []
    for i, part in enumerate(parts):
        prev = parts[i - 1] if i else ""
        if prev in ("campaign", "analytics", "agent", "item") and part not in ("items", "count"):
            named.append({"agent": "agent", "item": "item-id"}.get(prev, "id"))
        else:
            named.append(re.sub(r"[^a-z0-9-]", "-", part.lower()))
    return f"{method.lower()}-{'-'.join(named)}"


def write_samples(
    directory: Path, samples: list[Sample], redact_key: Callable[[str], str]
) -> list[Path]:
    """The first answer of each endpoint (and query style), redacted, one file each, 0600."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    redact = Redactor()
    written: dict[str, Path] = {}
    for s in samples:
        style = "-".join(
            sorted(k for k, _, _ in (p.partition("=") for p in s.query.split("&")) if k)
        )
        name = sample_name(s.method, s.path) + (f"--{style}" if style else "")
        if name in written:
            continue
        try:
            body: Any = redact(json.loads(s.body))
        except ValueError:
            body = {"not_json": len(s.body)}
        doc = {
            "request": f"{s.method} {mask_phones_in(s.path)}"
            + (f"?{mask_phones_in(s.query)}" if s.query else ""),
            "status": s.status,
            "body": body,
        }
        text = redact_key(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        path = directory / f"{name}.json"
        _write_private(path, text)
        written[name] = path
    return list(written.values())


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
