"""Work grows linearly with the campaigns managed and held: counted, never timed.

Each test runs the same scenario at two sizes, ten times apart, and counts the work done (name
comparisons, requests): linear work grows about tenfold, quadratic work a hundredfold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from vozzoctl.lockfile import Batch, Entry, Lockfile
from vozzoctl.manifest.desired import DesiredCampaign, DesiredState
from vozzoctl.model import Recipient, Settings, State
from vozzoctl.plan import planner
from vozzoctl.plan.planner import LiveState, Options, items_needed, make_plan

AGENTS = ("619ec26c-4957-4926-70f8-fe7391b3527e", "3f0c9a52-7d1e-4b8a-9c2f-5e6d7a8b9c01")
TODAY = date(2026, 12, 1)


@dataclass(frozen=True)
class Live:
    campaign_id: str
    name: str
    agent_id: str | None
    state: State = State.TO_START
    start_date: date = date(2026, 12, 2)
    end_date: date | None = None
    start_hour: int = 9
    end_hour: int = 18
    allow_weekends: bool = False
    max_retry: int = 3
    max_retry_per_day: int = 3
    total_records: int | None = 1
    processed_records: int | None = 0
    created_at: datetime | None = None


def settings(i: int) -> Settings:
    return Settings(
        campaign_name=f"Scale Test {i:05d}",
        agent_uuid=AGENTS[i % 2],
        start_date=date(2026, 12, 2),
        end_date=None,
        start_hour=9,
        end_hour=18,
        allow_weekends=False,
        max_retry=3,
        max_retry_per_day=3,
    )


def account(n: int) -> tuple[DesiredState, Lockfile, LiveState]:
    """n keys, each with its recorded campaign; every tenth key also has an unrecorded second
    batch to adopt; and n finished campaigns of history on the same agents."""
    desired, entries, live = [], {}, {}
    for i in range(n):
        d = DesiredCampaign.build(f"k{i:05d}", settings(i), [Recipient(f"+9198{i:08d}")])
        desired.append(d)
        cid = f"c-{i}"
        live[cid] = Live(cid, d.settings.campaign_name, AGENTS[i % 2])
        entries[d.key] = Entry(
            (Batch(cid, d.settings.campaign_name, 1, d.recipients_sha),),
            d.settings_sha,
            d.recipients_sha,
        )
        if i % 10 == 0:
            extra = f"x-{i}"
            live[extra] = Live(extra, f"{d.settings.campaign_name} #2", AGENTS[i % 2])
        old = f"h-{i}"
        live[old] = Live(old, f"Old Campaign {i:05d}", AGENTS[i % 2], State.COMPLETED)
    lock = Lockfile("http://127.0.0.1:9", 1, entries)
    return DesiredState(tuple(desired)), lock, LiveState(live)


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> Iterator[list[int]]:
    calls = [0]
    real: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(module, name, counted)
        yield calls


def name_comparisons(monkeypatch: pytest.MonkeyPatch, n: int) -> int:
    desired, lock, live = account(n)
    options = Options(today=TODAY)
    with counting(monkeypatch, planner, "batch_number") as calls:
        needed = items_needed(desired, lock, live, options)
        # the adopted batches' keys need their calls read; give them what the API would
        items = {cid: () for cid in needed}
        plan = make_plan(desired, lock, LiveState(live.campaigns, items=items), options)
    adopted = sum(1 for k in plan.keys if k.action.value == "adopt")
    assert adopted == n // 10  # the plan found every unrecorded batch, and only those
    return calls[0]


def test_planning_compares_names_in_proportion_to_the_campaigns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small = name_comparisons(monkeypatch, 1_000)
    large = name_comparisons(monkeypatch, 10_000)
    assert small >= 1_000  # the count is real: every key's own batches are compared
    assert large <= 11 * small, f"{small:,} → {large:,} name comparisons: not linear"
