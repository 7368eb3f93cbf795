"""The lockfile: which live campaigns (batches) each key created, and what was last applied.

JSON with sorted keys, two-space indent and a final newline, so its diffs read well in review.
No phone numbers, no metadata values, no API key: only ids, names, counts and digests (the
recipients' digest is salted, and stretched wherever the numbers are not written in the
manifests themselves, so that one recipient's number cannot be found by trying all numbers:
see `manifest.desired.recipients_fingerprint`).

    {"format_version": 1, "serial": 3, "api_url": "https://backend.vozzo.ai",
     "campaigns": {"winter-promo": {
         "batches": [{"campaign_id", "campaign_name", "recipients", "recipients_sha256",
                      "final": "COMPLETED"}],
         "recipients_sha256": "…", "settings_sha256": "…",
         "pending": [{"campaign_name", "recipients", "recipients_sha256", "since",
                      "replaces": [campaign_id, …]}],
         "state": "RUNNING", "labels": {"team": "growth"},
         "stopped": {"at", "reason", "batches": [campaign_id, …]}}}}

`state` is the spec.state vozzoctl last applied for the key and `labels` its manifest labels
(both written by apply), so that a live campaign SUSPENDED where vozzoctl last left it RUNNING
is told apart from a manifest that asks to restart calls, and `stop --selector` works without
the manifests. `stopped` records the last `vozzoctl stop` of the key: when, why, which batches.
All three are optional: a lockfile written before them reads as "not known" (see
`vozzoctl.plan.pauses`), and a vozzoctl that predates them ignores them.

A batch's `final` (absent, `COMPLETED` or `ENDED`) is the state apply last read it in, once
that state is final: a finished campaign never changes, so a plan does not read it again (it
stands in as read, `plan.live.Finished`), and an account's reads grow with the campaigns still
live, not with its history. The mark can only spare a read, never let a write through: a plan
with a create for a key reads every batch of that key again, marks or not. An older lockfile
has no marks (every batch is read, as before); an older vozzoctl ignores them.

`pending` is the write-ahead record of a create that was sent and whose answer has not yet been
recorded; the next run looks for that campaign by name before anything else is created. A
replace writes it before it ends the old batches, naming them in `replaces`, so that a run
stopped between the ends and the create is finished by the next one.

Writes are atomic (temporary file, fsync, rename) and happen after every successful call while
`LockfileLock` holds `<lockfile>.lock`, so two applies never run on one lockfile at once and a
crash mid-apply loses nothing that was done.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from pydantic_core import from_json

from vozzoctl import cycles
from vozzoctl.errors import LockfileError, LockfileMismatchError, LockHeldError
from vozzoctl.redact import redact

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Batch:
    """One live campaign a key created (or adopted): batch 1 is `<name>`, then `<name> #2`, …"""

    campaign_id: str
    campaign_name: str
    recipients: int
    recipients_sha256: str
    # COMPLETED or ENDED once apply read the campaign in that (final) state; "" while live
    final: str = ""


FINAL_STATES = frozenset({"COMPLETED", "ENDED"})


@dataclass(frozen=True, slots=True)
class Pending:
    """A create that was sent but whose outcome is not recorded yet."""

    campaign_name: str
    recipients: int
    recipients_sha256: str
    since: str
    # The batches a replace ends before this create: written before the first of them is
    # ended, so a run interrupted between the ends and the create knows a create is owed.
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Stop:
    """A `vozzoctl stop` of a key: when (ISO time), why, and the batches it suspended."""

    at: str
    reason: str
    batches: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    batches: tuple[Batch, ...] = ()
    settings_sha256: str = ""
    recipients_sha256: str = ""
    pending: tuple[Pending, ...] = ()
    state: str = ""  # the spec.state last applied; "" when not known (an older lockfile)
    labels: tuple[tuple[str, str], ...] = ()
    stopped: Stop | None = None

    @property
    def campaign_ids(self) -> tuple[str, ...]:
        return tuple(b.campaign_id for b in self.batches)


@dataclass(frozen=True)
class Lockfile:
    api_url: str
    serial: int = 0
    campaigns: dict[str, Entry] = field(default_factory=dict)

    def entry(self, key: str) -> Entry | None:
        return self.campaigns.get(key)

    def owner_of(self, campaign_id: str) -> str | None:
        return self._owners.get(campaign_id)

    @cached_property
    def _owners(self) -> dict[str, str]:
        """Campaign id → the key that records it, built once per lockfile value (the first
        key in the file wins, as a scan in order would find it)."""
        owners: dict[str, str] = {}
        for key, entry in self.campaigns.items():
            for b in entry.batches:
                owners.setdefault(b.campaign_id, key)
        return owners

    def with_entry(self, key: str, entry: Entry | None) -> Lockfile:
        campaigns = dict(self.campaigns)
        if entry is None:
            campaigns.pop(key, None)
        else:
            campaigns[key] = entry
        return replace(self, campaigns=campaigns)

    def to_json(self) -> str:
        """`json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)` and a newline, put
        together from each entry's text, made once per entry value: apply writes the file
        after every call, and encoding all of it each time made an apply of N creates O(N²)
        (indent= takes json's pure-Python encoder)."""
        texts = [entry_text(k, e) for k, e in sorted(self.campaigns.items())]
        head, tail = document_frame(self.api_url, self.serial, bool(texts))
        return head + ",\n".join(texts) + tail

    def fingerprint(self) -> str:
        import hashlib

        return hashlib.sha256(self.to_json().encode()).hexdigest()


def document_frame(api_url: str, serial: int, entries: bool) -> tuple[str, str]:
    """The file's text before and after its entries, which go between the two joined by
    `",\\n"` (each an `entry_text`, in key order)."""
    url = json.dumps(api_url, ensure_ascii=False)
    head = f'{{\n  "api_url": {url},\n  "campaigns": {{' + ("\n" if entries else "")
    tail = (
        "\n  }" if entries else "}"
    ) + f',\n  "format_version": {FORMAT_VERSION},\n  "serial": {int(serial)}\n}}\n'
    return head, tail


@functools.lru_cache(maxsize=16_384)
def entry_text(key: str, entry: Entry) -> str:
    """`"key": {...}` as it appears inside `"campaigns"` (two levels deep) in the file."""
    text = json.dumps({key: _entry_json(entry)}, indent=2, sort_keys=True, ensure_ascii=False)
    # '{\n  "key": {\n ... \n  }\n}': drop the braces, indent one level more. Strings in
    # JSON hold no raw newline, so every line break is structural.
    return "\n".join("  " + line for line in text[2:-2].split("\n"))


def _entry_json(entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {
        "batches": [
            {
                "campaign_id": b.campaign_id,
                "campaign_name": b.campaign_name,
                "recipients": b.recipients,
                "recipients_sha256": b.recipients_sha256,
                **({"final": b.final} if b.final else {}),
            }
            for b in entry.batches
        ],
        "recipients_sha256": entry.recipients_sha256,
        "settings_sha256": entry.settings_sha256,
    }
    if entry.pending:
        out["pending"] = [
            {
                "campaign_name": p.campaign_name,
                "recipients": p.recipients,
                "recipients_sha256": p.recipients_sha256,
                "since": p.since,
                **({"replaces": list(p.replaces)} if p.replaces else {}),
            }
            for p in entry.pending
        ]
    if entry.state:
        out["state"] = entry.state
    if entry.labels:
        out["labels"] = dict(entry.labels)
    if entry.stopped is not None:
        out["stopped"] = {
            "at": entry.stopped.at,
            "reason": entry.stopped.reason,
            "batches": list(entry.stopped.batches),
        }
    return out


def load(path: Path, api_url: str) -> Lockfile:
    """The lockfile at `path`, or an empty one when there is none; refused when written for
    another API URL."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lockfile(api_url=api_url)
    except OSError as e:
        raise LockfileError(f"{path}: cannot be read: {e.strerror}") from None
    try:
        with cycles.paused():  # an entry per key, all kept: nothing for the collector to find
            lock = _parse(from_json(text))  # json.loads's values, in half its time
    except (ValueError, KeyError, TypeError) as e:
        raise LockfileError(
            f"{path}: is not a vozzoctl lockfile ({e})",
            hint="restore it from git; a lost lockfile is recovered by adopting live campaigns "
            "by name, so moving it aside is also safe",
        ) from None
    if lock.api_url.rstrip("/") != api_url.rstrip("/"):
        raise LockfileMismatchError(
            f"{path} was written for {lock.api_url}, not {api_url}",
            hint="use the lockfile of that account (--lockfile PATH), or the API URL it was "
            "written for (--api-url)",
        )
    return lock


def _parse(doc: Any) -> Lockfile:
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    version = doc.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(f"format_version {version!r}; this vozzoctl reads {FORMAT_VERSION}")
    campaigns: dict[str, Entry] = {}
    # Positional arguments and lists, not keywords and generators: 10,000 entries are read
    # in every plan.
    for key, raw in dict(doc["campaigns"]).items():
        labels = dict(raw.get("labels", {}))
        campaigns[str(key)] = Entry(
            tuple([_batch(b) for b in raw.get("batches", ())]),
            str(raw.get("settings_sha256", "")),
            str(raw.get("recipients_sha256", "")),
            tuple([_pending(p) for p in raw.get("pending", ())]),
            str(raw.get("state", "")),
            tuple(sorted([(str(k), str(v)) for k, v in labels.items()])),
            _stop(raw.get("stopped")),
        )
    return Lockfile(api_url=str(doc["api_url"]), serial=int(doc["serial"]), campaigns=campaigns)


def _batch(b: Any) -> Batch:
    return Batch(
        str(b["campaign_id"]),
        str(b["campaign_name"]),
        int(b["recipients"]),
        str(b["recipients_sha256"]),
        _final(b.get("final")),
    )


def _pending(p: Any) -> Pending:
    return Pending(
        campaign_name=str(p["campaign_name"]),
        recipients=int(p["recipients"]),
        recipients_sha256=str(p["recipients_sha256"]),
        since=str(p.get("since", "")),
        replaces=tuple(str(c) for c in p.get("replaces", [])),
    )


def _final(raw: Any) -> str:
    """A batch's final mark as read: anything but COMPLETED or ENDED reads as none, so that
    the campaign is read again (a mark spares reads; a wrong one must not spare more)."""
    return raw if isinstance(raw, str) and raw in FINAL_STATES else ""


def _stop(raw: Any) -> Stop | None:
    if raw is None:
        return None
    return Stop(
        at=str(raw["at"]),
        reason=str(raw.get("reason", "")),
        batches=tuple(str(c) for c in raw.get("batches", [])),
    )


def save(path: Path, lock: Lockfile) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of either."""
    write_text(path, redact(lock.to_json()))  # a campaign name may hold the key: never on disk


def write_text(path: Path, text: str) -> None:
    """Write `text` (a lockfile, its key already masked) to `path` atomically and durably."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class LockfileLock:
    """`<lockfile>.lock`, held for a whole apply; a second apply says it is waiting (naming the
    holder's pid), waits, then fails naming the holder."""

    def __init__(
        self, path: Path, timeout: float, on_wait: Callable[[str], None] | None = None
    ) -> None:
        self.path = Path(f"{path}.lock")
        self.timeout = timeout
        self._on_wait = on_wait
        import filelock  # only an apply takes the lock: plan and validate do not import it

        self._timeout_error = filelock.Timeout
        self._lock = filelock.FileLock(str(self.path), timeout=timeout)

    def __enter__(self) -> Self:
        try:
            self._lock.acquire(timeout=0)
        except self._timeout_error:
            if self.timeout > 0 and self._on_wait is not None:
                self._on_wait(
                    f"Waiting for {self.path}, held by {self._who()} (up to {self.timeout:g}s)..."
                )
            try:
                self._lock.acquire(timeout=self.timeout)
            except self._timeout_error:
                raise LockHeldError(
                    f"{self.path} is held by {self._who()}: another apply is running on this "
                    "lockfile",
                    hint=f"wait for it to finish, or raise --lock-timeout (now {self.timeout:g}s)",
                ) from None
        with contextlib.suppress(OSError):  # the pid is only for a waiting apply's message
            self.path.write_text(f"{os.getpid()}\n", encoding="utf-8")
        return self

    def _who(self) -> str:
        holder = self._holder()
        return f"process {holder}" if holder else "another process"

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()

    def _holder(self) -> int | None:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None
