"""How a RUNNING campaign places its calls, computed lazily up to the clock's `now`.

A campaign has `LINES` dialer lines. It calls its due items in `campaign_data` order, one call
per free line, only inside its window: `start_time` ≤ IST hour < `end_time`, on weekdays unless
`allow_on_weekends`, from `campaign_start_date` to `campaign_end_date`. A call's outcome and
length are drawn from `(seed, campaign seq, item position, attempt)`, so a run is the same for
the same seed whatever the request pattern. An answered call completes its item; otherwise the
item is retried `retry_delay` minutes after the call ended, at most `max_calls_in_a_day` times an
IST day and `max_calls_total` times in all, then FAILED. When every item is done and the last
call has ended, the campaign becomes COMPLETED.

`advance(c, now)` is idempotent and only ever places calls after the last time it ran (`sim_at`),
so what a reader saw never changes behind its back.
"""

from __future__ import annotations

import heapq
import random
from datetime import datetime, timedelta

from vozzoctl.emulator.clock import IST, ist_at, ist_date
from vozzoctl.emulator.records import (
    CANCELLED,
    COMPLETED,
    DONE_STATUSES,
    FAILED,
    RETRY_DELAY_MINUTES,
    SCHEDULED,
    CallLog,
    Campaign,
    Item,
)
from vozzoctl.model import State

LINES = 5
MAX_CALLS_PER_ADVANCE = 1_000_000  # a bound on the loop, far above any real campaign

OUTCOMES = (("ANSWERED", 0.55), ("NO_ANSWER", 0.25), ("BUSY", 0.12), ("FAILED", 0.08))
CATEGORIES = ("interested", "callback_requested", "not_interested", "wrong_number")


def start_running(c: Campaign, now: datetime) -> None:
    """Called when the campaign becomes RUNNING: nothing is placed before this moment."""
    c.sim_at = now
    c.wake_at = None
    if not c.lines:
        c.lines = [now] * LINES
    first = next_slot(c, now)
    for it in c.items:
        if it.status == SCHEDULED and it.attempts == 0:
            it.next_attempt_at = first


def cancel_pending(c: Campaign) -> list[Item]:
    changed = []
    for it in c.items:
        if it.status == SCHEDULED:
            it.status = CANCELLED
            it.next_attempt_at = None
            changed.append(it)
    return changed


def advance(c: Campaign, now: datetime, seed: int) -> tuple[bool, list[Item]]:
    """Place every call due up to `now`; returns (campaign changed, items changed)."""
    if c.state is not State.RUNNING or c.sim_at is None:
        return False, []
    if now <= c.sim_at or (c.wake_at is not None and now < c.wake_at):
        return False, []
    floor = c.sim_at
    if not c.lines:
        c.lines = [floor] * LINES
    changed: dict[int, Item] = {}
    heap: list[tuple[datetime, int]] = []
    for it in c.items:
        if it.status == SCHEDULED:
            heapq.heappush(heap, (it.next_attempt_at or floor, it.position))
    by_pos = {it.position: it for it in c.items}
    placed = 0
    while heap and placed < MAX_CALLS_PER_ADVANCE:
        due, pos = heapq.heappop(heap)
        line = min(range(len(c.lines)), key=c.lines.__getitem__)
        cand = max(due, c.lines[line], floor)
        if cand > now:
            heapq.heappush(heap, (due, pos))
            break
        it = by_pos[pos]
        start = _slot_for(c, it, cand)
        if start is None:  # past the end date: never called
            continue
        if start > cand:
            heapq.heappush(heap, (start, pos))
            continue
        _place(c, it, start, line, seed)
        placed += 1
        changed[pos] = it
        if it.status == SCHEDULED and it.next_attempt_at is not None:
            heapq.heappush(heap, (it.next_attempt_at, pos))
    c.sim_at = now
    c.wake_at = max(heap[0][0], min(c.lines)) if heap else None
    if not heap and all(it.status in DONE_STATUSES for it in c.items):
        finished = max((it.logs[-1].ended_at for it in c.items if it.logs), default=now)
        if finished <= now:
            c.state = State.COMPLETED
            c.updated_at = finished
            c.wake_at = None
        else:
            c.wake_at = finished
    return True, list(changed.values())


def next_slot(c: Campaign, when: datetime) -> datetime | None:
    """The first moment at or after `when` inside the campaign's window, or None if none."""
    t = max(when, ist_at(c.start_date, c.start_hour))
    for _ in range(16):  # a weekend and a late hour at most; 16 is ample
        day = ist_date(t)
        if c.end_date is not None and day > c.end_date:
            return None
        hour = t.astimezone(IST).hour
        if (not c.allow_weekends and day.weekday() >= 5) or hour >= c.end_hour:
            t = ist_at(day + timedelta(days=1), c.start_hour)
        elif hour < c.start_hour:
            t = ist_at(day, c.start_hour)
        else:
            return t
    return None


def _slot_for(c: Campaign, it: Item, when: datetime) -> datetime | None:
    t = next_slot(c, when)
    for _ in range(16):
        if t is None:
            return None
        day = ist_date(t)
        if sum(1 for log in it.logs if ist_date(log.started_at) == day) < c.per_day:
            return t
        t = next_slot(c, ist_at(day + timedelta(days=1), 0))
    return None


def _place(c: Campaign, it: Item, start: datetime, line: int, seed: int) -> None:
    attempt = it.attempts + 1
    rng = random.Random(f"{seed}:{c.seq}:{it.position}:{attempt}")
    roll, acc, outcome = rng.random(), 0.0, OUTCOMES[-1][0]
    for name, p in OUTCOMES:
        acc += p
        if roll < acc:
            outcome = name
            break
    category = None
    goal = False
    if outcome == "ANSWERED":
        seconds = rng.randint(40, 240)
        category = rng.choice(CATEGORIES)
        goal = category == "interested" and rng.random() < 0.6
        summary = f"Spoke with the customer for {seconds} s; {category.replace('_', ' ')}."
        tags: tuple[str, ...] = ("answered", category)
    elif outcome == "NO_ANSWER":
        seconds, summary, tags = 30, "Rang for 30 s with no answer.", ("no_answer",)
    elif outcome == "BUSY":
        seconds, summary, tags = 8, "The line was busy.", ("busy",)
    else:
        seconds, summary, tags = 3, "The call could not be connected.", ("failed",)
    end = start + timedelta(seconds=seconds)
    it.logs.append(CallLog(attempt, start, end, outcome, summary, category, goal, tags))
    it.attempts = attempt
    it.last_attempt_at = start
    c.lines[line] = end
    if outcome == "ANSWERED":
        it.status, it.next_attempt_at = COMPLETED, None
    elif attempt >= c.max_total:
        it.status, it.next_attempt_at = FAILED, None
    else:
        retry = _slot_for(c, it, end + timedelta(minutes=RETRY_DELAY_MINUTES))
        it.next_attempt_at = retry
        if retry is None:  # no window left before the end date
            it.status = FAILED
