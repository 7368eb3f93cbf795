"""The lockfile as apply changes it: every change on disk before apply goes on from it.

Apply writes the whole lockfile (atomically) after every successful call, so a crash loses
nothing, and the write-ahead record of a create is on disk before the create is sent. With
thousands of keys that is thousands of writes of a file that grows with each: re-encoding and
re-masking every entry for each write made an apply of N creates cost O(N²) CPU.
`LockfileText` keeps each entry's text, so a write encodes and masks only the entries that
changed since the last; the rest is joining texts already made.
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from vozzoctl import lockfile
from vozzoctl.lockfile import Batch, Entry, Lockfile, Pending
from vozzoctl.manifest.desired import DesiredState
from vozzoctl.model import State
from vozzoctl.plan.model import CreateOp, KeyPlan, UpdateOp
from vozzoctl.redact import redact


class LockfileText:
    """A lockfile's entries and its file text, kept together as entries change one by one.

    `text()` equals `redact(lock.to_json())` of the same lockfile: each entry's text is made
    and masked once per value of the entry, and masked texts are joined. (Masking piece by
    piece finds every key that masking the whole would: a key is printable ASCII without
    spaces, and pieces meet only at line breaks.)
    """

    def __init__(self, lock: Lockfile) -> None:
        self.api_url = lock.api_url
        self.serial = lock.serial
        self.entries: dict[str, Entry] = dict(lock.campaigns)
        # In key order, as keys come and go: the keys, and each one's masked text ("" until
        # made: the keys in `_changed` are made at the next `text()`).
        self._keys = sorted(self.entries)
        self._texts = [""] * len(self._keys)
        self._changed: set[str] = set(self._keys)

    def set(self, key: str, entry: Entry | None) -> None:
        at = bisect.bisect_left(self._keys, key)
        known = at < len(self._keys) and self._keys[at] == key
        if entry is None:
            if known:
                del self._keys[at], self._texts[at], self.entries[key]
                self._changed.discard(key)
            return
        if not known:
            self._keys.insert(at, key)
            self._texts.insert(at, "")
        self.entries[key] = entry
        self._changed.add(key)

    def text(self) -> str:
        for key in self._changed:
            at = bisect.bisect_left(self._keys, key)
            self._texts[at] = redact(lockfile.entry_text(key, self.entries[key]))
        self._changed.clear()
        head, tail = lockfile.document_frame(self.api_url, self.serial, bool(self._keys))
        return redact(head) + ",\n".join(self._texts) + redact(tail)

    def lockfile(self) -> Lockfile:
        return Lockfile(self.api_url, self.serial, dict(self.entries))


class Recorder:
    """The lockfile as apply changes it: every change written at once, atomically."""

    def __init__(
        self,
        path: Path,
        lock: Lockfile,
        clock: Callable[[], dt.datetime],
        desired: DesiredState | None = None,
    ) -> None:
        self.path = path
        self.clock = clock
        self._file = LockfileText(lock)
        # What `finish` records beside the fingerprints: each key's spec.state and labels.
        self._declared = {d.key: (d.settings.state.value, d.labels) for d in desired or ()}
        self._bumped = False
        self._mutex = asyncio.Lock()
        self._changes = 0  # changes made to the entries
        self._saved = 0  # of those, how many the file holds

    @property
    def lock(self) -> Lockfile:
        """The lockfile as recorded so far: a copy, made in time proportional to its size."""
        return self._file.lockfile()

    def entry(self, key: str) -> Entry | None:
        return self._file.entries.get(key)

    async def _write(self, key: str, change: Callable[[Entry], Entry | None]) -> None:
        """Change the key's entry and return once the file holds the change."""
        mine = self._change(key, change)
        if mine is not None:
            await self._written(mine)

    def _change(self, key: str, change: Callable[[Entry], Entry | None]) -> int | None:
        """Change the key's entry in memory (the next write takes it to disk); the change's
        number, or None when nothing changed."""
        new = change(self.entry(key) or Entry())
        if new == self.entry(key):
            return None
        self._file.set(key, new)
        if not self._bumped:
            self._file.serial += 1
            self._bumped = True
        self._changes += 1
        return self._changes

    async def _written(self, mine: int) -> None:
        """Return once the file holds change number `mine`.

        Group commit: one save at a time writes the latest text, in a thread so that
        requests go on meanwhile, and takes every change made before it began; a change that
        such a save already wrote is not written again.
        """
        async with self._mutex:
            if self._saved >= mine:
                return
            text, count = self._file.text(), self._changes
            await asyncio.to_thread(lockfile.write_text, self.path, text)
            self._saved = count

    async def flush(self) -> None:
        """Return once the file holds every change made so far."""
        await self._written(self._changes)

    async def intend(self, key: str, op: CreateOp, replaces: tuple[str, ...] = ()) -> None:
        """Record that `op` is about to be sent (once per name: a replace records it before
        ending the batches it `replaces`, and the create itself finds it there)."""
        since = self.clock().isoformat(timespec="seconds")
        pending = Pending(
            op.campaign_name, len(op.recipients), op.recipients_sha256, since, replaces
        )

        def change(e: Entry) -> Entry:
            # Once more for a name already pending: a new attempt, so a new time.
            if any(p.campaign_name == op.campaign_name for p in e.pending):
                return replace(
                    e,
                    pending=tuple(
                        replace(p, since=since) if p.campaign_name == op.campaign_name else p
                        for p in e.pending
                    ),
                )
            return replace(e, pending=(*e.pending, pending))

        await self._write(key, change)

    async def record(self, key: str, batch: Batch) -> None:
        self.record_soon(key, batch)
        await self.flush()

    def record_soon(self, key: str, batch: Batch) -> None:
        """Record a campaign made (or found) in place of the key's pending create of its name;
        on disk with the next write, which must come before the next create is sent."""

        def change(e: Entry) -> Entry:
            batches = tuple(b for b in e.batches if b.campaign_id != batch.campaign_id)
            pending = tuple(p for p in e.pending if p.campaign_name != batch.campaign_name)
            return replace(e, batches=(*batches, batch), pending=pending)

        self._change(key, change)

    async def abandon(self, key: str, name: str) -> None:
        await self._write(
            key,
            lambda e: replace(e, pending=tuple(p for p in e.pending if p.campaign_name != name)),
        )

    def declare(self, k: KeyPlan) -> None:
        """Record a managed key's declared spec.state and labels when an apply had nothing to
        send: "last applied" must follow the manifest even when the account already matched
        it, or a later change back to RUNNING would not read as the intent it is. Its batches
        read finished are noted final too, and the plan's digests recorded. On disk with the
        next write (`flush`): one write for all the keys, not one each."""
        if self.entry(k.key) is None:
            return

        def fingerprinted(e: Entry) -> Entry:
            # The plan found the account matching: its digests are the ones to compare with
            # next time (one of another form, e.g. numbers moved from a manifest into a CSV,
            # made it read the key's calls; recorded, the next plan need not).
            return replace(
                _noted_final(e, k.finals),
                settings_sha256=k.settings_sha256 or e.settings_sha256,
                recipients_sha256=k.recipients_sha256 or e.recipients_sha256,
            )

        if k.key not in self._declared:
            self._change(k.key, fingerprinted)
            return
        state, labels = self._declared[k.key]
        self._change(k.key, lambda e: replace(fingerprinted(e), state=state, labels=labels))

    async def finish(self, k: KeyPlan) -> None:
        if k.forget:
            await self._write(k.key, lambda e: None)
            return
        # Every operation of the key succeeded: any create still pending is one an earlier
        # run did not complete and this plan has made good (or found needless).
        state, labels = self._declared.get(k.key, ("", ()))
        # A manifest that asked to restart calls (and got it) ends the record of a stop.
        restarted = any(
            isinstance(op, UpdateOp)
            and any(c.name == "state" and c.after == State.RUNNING.value for c in op.changes)
            for op in k.operations
        )

        def change(e: Entry) -> Entry:
            return replace(
                _noted_final(e, k.finals),
                settings_sha256=k.settings_sha256,
                recipients_sha256=k.recipients_sha256,
                pending=(),
                state=state or e.state,
                labels=labels if state else e.labels,
                stopped=None if restarted else e.stopped,
            )

        await self._write(k.key, change)


def _noted_final(e: Entry, finals: Iterable[tuple[str, str]]) -> Entry:
    """`e` with the batches `finals` names noted final (COMPLETED or ENDED, as read)."""
    states = dict(finals)
    if not states:
        return e
    return replace(
        e,
        batches=tuple(
            replace(b, final=states[b.campaign_id]) if b.campaign_id in states else b
            for b in e.batches
        ),
    )
