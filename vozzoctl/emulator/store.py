"""The emulator's campaigns: held in memory, written through to SQLite, guarded by one lock.

Reads never touch the database (that keeps list and detail fast); every change is committed
before the answer is sent, so a `--state-file` survives a restart, and a "commit then drop"
fault really has committed. Progress (simulation.advance) is applied under the same lock, at
read time, from the injected clock.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from vozzoctl.emulator import simulation
from vozzoctl.emulator.records import Campaign, Item
from vozzoctl.emulator.validation import NewCampaign
from vozzoctl.model import State

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS campaigns (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    campaign_id TEXT NOT NULL, position INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (campaign_id, position)
);
"""


class Store:
    """All campaigns of every org; `state_file=None` keeps them in memory only."""

    def __init__(self, state_file: str | Path | None = None, *, seed: int = 0) -> None:
        self.seed = seed
        self._lock = threading.RLock()
        target = ":memory:" if state_file is None else str(state_file)
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._campaigns: dict[str, Campaign] = {}
        # (org, agent) → its campaigns in the order made: a page of an agent's campaigns is a
        # slice, not a walk through the whole account
        self._by_agent: dict[tuple[int, str], list[Campaign]] = {}
        try:
            self._db.execute(
                "PRAGMA journal_mode=WAL" if state_file else "PRAGMA journal_mode=MEMORY"
            )
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._load()
        except sqlite3.DatabaseError:  # not a database, or not ours: the caller says so
            self._db.close()
            raise
        self._seq = max((c.seq for c in self._campaigns.values()), default=0)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- reads (each advances what it shows to `now`) ----------------------------------------

    def get(self, org_id: int, campaign_id: str, now: datetime) -> Campaign | None:
        with self._lock:
            c = self._campaigns.get(campaign_id)
            if c is None or c.org_id != org_id:
                return None
            self._advance(c, now)
            return c

    def campaigns(
        self, org_id: int, now: datetime, *, agent_id: str | None = None
    ) -> list[Campaign]:
        """The org's campaigns (of one agent, when given: its own index), newest first."""
        with self._lock:
            out = []
            # held in the order of seq (loaded by seq, created with the next one): newest first
            # is the reverse, with no sort per request
            held = (
                self._campaigns.values()
                if agent_id is None
                else self._by_agent.get((org_id, agent_id), [])
            )
            for c in reversed(held):
                if c.org_id != org_id:
                    continue
                if c.state is State.RUNNING:
                    self._advance(c, now)
                out.append(c)
            return out

    def agent_page(
        self, org_id: int, agent_id: str, now: datetime, start: int, size: int
    ) -> tuple[list[Campaign], int]:
        """`size` of the agent's campaigns from `start`, newest first, and how many it has in
        all; only the campaigns shown are advanced to `now`."""
        with self._lock:
            held = self._by_agent.get((org_id, agent_id), [])
            end = len(held) - start  # newest first: counted from the end of `held`
            page = held[max(0, end - size) : end][::-1] if end > 0 else []
            for c in page:
                if c.state is State.RUNNING:
                    self._advance(c, now)
            return page, len(held)

    def read(self, fn: Callable[[], T]) -> T:
        """Run `fn` under the store's lock, so what it renders is one consistent moment."""
        with self._lock:
            return fn()

    # ---- writes -------------------------------------------------------------------------------

    def create(self, org_id: int, new: NewCampaign, now: datetime) -> Campaign:
        with self._lock:
            self._seq += 1
            seq = self._seq
            cid = str(uuid.uuid4())
            items = [
                Item(str(uuid.uuid4()), i, r.phone, r.language, r.metadata)
                for i, r in enumerate(new.recipients)
            ]
            c = Campaign(
                id=cid,
                seq=seq,
                org_id=org_id,
                agent_id=new.agent_id,
                name=new.name,
                state=State.TO_START,
                start_date=new.start_date,
                end_date=new.end_date,
                start_hour=new.start_hour,
                end_hour=new.end_hour,
                allow_weekends=new.allow_weekends,
                max_total=new.max_total,
                max_per_day=new.max_per_day,
                created_at=now,
                updated_at=now,
                items=items,
            )
            self._hold(c)
            self._save(c, items)
            return c

    def update(self, c: Campaign, fn: Callable[[Campaign], Iterable[Item]]) -> None:
        """Apply `fn` (which returns the items it changed) to a campaign got from this store."""
        with self._lock:
            items = list(fn(c))
            self._save(c, items)

    # ---- for tests and tools --------------------------------------------------------------------

    def all(self) -> list[Campaign]:
        with self._lock:
            return sorted(self._campaigns.values(), key=lambda c: c.seq, reverse=True)

    def advance_all(self, now: datetime) -> None:
        with self._lock:
            for c in self._campaigns.values():
                self._advance(c, now)

    # ---- internals ------------------------------------------------------------------------------

    def _hold(self, c: Campaign) -> None:
        self._campaigns[c.id] = c
        self._by_agent.setdefault((c.org_id, c.agent_id), []).append(c)

    def _advance(self, c: Campaign, now: datetime) -> None:
        changed, items = simulation.advance(c, now, self.seed)
        if changed:
            self._save(c, items)

    def _save(self, c: Campaign, items: Iterable[Item]) -> None:
        db = self._db
        db.execute("BEGIN")
        try:
            db.execute(
                "INSERT OR REPLACE INTO campaigns (id, seq, data) VALUES (?, ?, ?)",
                (c.id, c.seq, json.dumps(c.to_json())),
            )
            db.executemany(
                "INSERT OR REPLACE INTO items (campaign_id, position, data) VALUES (?, ?, ?)",
                [(c.id, it.position, json.dumps(it.to_json())) for it in items],
            )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _load(self) -> None:
        items: dict[str, list[Item]] = {}
        for cid, data in self._db.execute(
            "SELECT campaign_id, data FROM items ORDER BY campaign_id, position"
        ):
            items.setdefault(cid, []).append(Item.from_json(json.loads(data)))
        for cid, data in self._db.execute("SELECT id, data FROM campaigns ORDER BY seq"):
            self._hold(Campaign.from_json(json.loads(data), items.get(cid, [])))
