"""Work grows linearly with the campaigns managed and held: counted, never timed.

Each test runs the same scenario at two sizes, ten times apart, and counts the work done (name
comparisons, requests): linear work grows about tenfold, quadratic work a hundredfold.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AGENT, Vozzo
from vozzoctl import lockfile as lockfile_module
from vozzoctl import recorder as recorder_module
from vozzoctl import redact
from vozzoctl.lockfile import Batch, Entry, Lockfile
from vozzoctl.manifest.desired import DesiredCampaign, DesiredState
from vozzoctl.model import Recipient, Settings, State
from vozzoctl.plan import batches as batch_module
from vozzoctl.plan.model import Action, CreateOp, KeyPlan
from vozzoctl.plan.planner import LiveState, Options, items_needed, make_plan
from vozzoctl.recorder import Recorder

AGENTS = ("619ec26c-4957-4926-70f8-fe7391b3527e", "3f0c9a52-7d1e-4b8a-9c2f-5e6d7a8b9c01")
TODAY = date(2026, 12, 1)
NOW = datetime.fromisoformat("2026-12-01T10:00:00+05:30")
URL = "http://127.0.0.1:9"


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
    with counting(monkeypatch, batch_module, "batch_number") as calls:
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


def test_each_keys_batches_are_found_once_per_read(monkeypatch: pytest.MonkeyPatch) -> None:
    desired, lock, live = account(100)
    options = Options(today=TODAY)
    with counting(monkeypatch, batch_module, "_find") as found:
        needed = items_needed(desired, lock, live, options)
        live.items.update({cid: () for cid in needed})  # type: ignore[attr-defined]
        make_plan(desired, lock, live, options)
        assert found[0] == 100  # the plan's pass over the keys reuses what the first found
        other = Lockfile(lock.api_url, lock.serial + 1, dict(lock.campaigns))
        make_plan(desired, other, live, options)
        assert found[0] == 200  # another lockfile: found again, never taken from the first


def add_history(vozzo: Vozzo, count: int) -> None:
    """`count` finished campaigns of the key's agent, older than anything vozzoctl made."""
    from vozzoctl.emulator.validation import NewCampaign
    from vozzoctl.emulator.validation import Recipient as Row

    emu = vozzo.app.emulator
    org = emu.store.all()[0].org_id
    for i in range(count):
        made = emu.store.create(
            org,
            NewCampaign(
                AGENT, f"Old {i}", date(2026, 1, 1), None, 9, 18, False, 3, None,
                (Row(f"+9198{i:08d}", "EN", "{}"),),
            ),
            emu.now(),
        )  # fmt: skip
        made.state = State.COMPLETED


def plan_requests(vozzo: Vozzo) -> list[str]:
    vozzo.app.emulator.clear_requests()
    result = vozzo.run("plan", "--detailed-exitcode")
    assert result.code == 0, result.all
    return [f"{r.method} {r.path}" for r in vozzo.app.emulator.requests]


def test_a_plan_of_recorded_campaigns_does_not_read_the_accounts_history(vozzo: Vozzo) -> None:
    for key in ("alpha", "beta", "gamma"):
        vozzo.campaign(key)
    assert vozzo.run("apply", "--auto-approve").code == 0
    add_history(vozzo, 400)
    small = plan_requests(vozzo)
    add_history(vozzo, 3_600)
    large = plan_requests(vozzo)
    # the agent's newest page, then, as the recorded campaigns not on it are fewer than the
    # pages left, one detail request each, however many finished campaigns the account holds
    assert small == large
    assert sorted(small) == sorted(
        [f"GET /v1alpha/campaigns/agent/{AGENT}"]
        + [f"GET /v1alpha/campaign/{b['campaign_id']}" for b in batches(vozzo)]
    )


def batches(vozzo: Vozzo) -> list[dict[str, Any]]:
    return [b for e in vozzo.lockfile()["campaigns"].values() for b in e["batches"]]


def agent_reads(vozzo: Vozzo) -> tuple[set[int], int]:
    """The pages of the agent's campaigns read, and how often its count was."""
    requests = vozzo.app.emulator.requests
    pages = {
        int(r.params["page"]) for r in requests if r.path == f"/v1alpha/campaigns/agent/{AGENT}"
    }
    return pages, sum(1 for r in requests if r.path.endswith("/count"))


def test_a_new_key_reads_its_agent_in_full_with_the_count_as_witness(vozzo: Vozzo) -> None:
    vozzo.campaign("alpha")
    assert vozzo.run("apply", "--auto-approve").code == 0
    add_history(vozzo, 250)
    vozzo.campaign("beta")  # a name the lockfile does not record: to be created
    vozzo.app.emulator.clear_requests()
    planned = vozzo.run("plan")
    assert planned.code == 0, planned.all
    assert "+ beta" in planned.out
    assert agent_reads(vozzo) == ({1, 2, 3}, 1)  # all 252 campaigns, then the count


def test_an_append_reads_its_agent_in_full_before_it_is_planned(vozzo: Vozzo) -> None:
    vozzo.campaign("alpha")
    assert vozzo.run("apply", "--auto-approve").code == 0
    add_history(vozzo, 250)
    vozzo.campaign("alpha", phones=["+919820012345", "+919845023456", "+919845023457"])
    vozzo.app.emulator.clear_requests()
    planned = vozzo.run("plan")
    assert planned.code == 0, planned.all
    assert "Alpha #2" in planned.out
    pages, counts = agent_reads(vozzo)
    # the newest page (alpha's batch is not on it: a detail request), then the full read
    # and its witness
    assert pages == {1, 2, 3} and counts == 1


def test_recorded_campaigns_read_by_agent_stop_at_the_page_that_holds_the_last(
    vozzo: Vozzo,
) -> None:
    keys = [f"key-{i}" for i in range(5)]
    for key in keys[:2]:
        vozzo.campaign(key)
    assert vozzo.run("apply", "--auto-approve").code == 0
    add_history(vozzo, 150)  # between the first two and the last three
    for key in keys[2:]:
        vozzo.campaign(key)
    assert vozzo.run("apply", "--auto-approve").code == 0
    # page 1 holds the newest three; the other two are as many as the pages left: read by
    # agent, newest first
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("plan", "--detailed-exitcode").code == 0
    assert agent_reads(vozzo) == ({1, 2}, 0)  # the oldest two stand on page 2
    add_history(vozzo, 1_000)  # twelve pages now: page 1, then one detail request each
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("plan", "--detailed-exitcode").code == 0
    assert agent_reads(vozzo) == ({1}, 0)
    details = [r for r in vozzo.app.emulator.requests if r.path.startswith("/v1alpha/campaign/")]
    assert len(details) == 5


def lockfile_work(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, n: int) -> tuple[int, str]:
    """Characters masked to record n creates as apply does, 16 at a time (each key's pending
    create, then its id, then its fingerprints), and the lockfile text written last."""
    masked = [0]
    written = [""]

    def counted(text: str) -> str:
        masked[0] += len(text)
        return redact.redact(text)

    def write(path: Path, text: str) -> None:
        written[0] = text

    monkeypatch.setattr(recorder_module, "redact", counted)
    monkeypatch.setattr(lockfile_module, "redact", counted)
    monkeypatch.setattr(lockfile_module, "write_text", write)
    recorder = Recorder(tmp_path / "vozzo.lock", Lockfile(URL), lambda: NOW)
    gate = asyncio.Semaphore(16)

    async def create(i: int) -> None:
        d = DesiredCampaign.build(f"k{i:05d}", settings(i), [Recipient(f"+9198{i:08d}")])
        name = d.settings.campaign_name
        op = CreateOp(name, 1, d.settings, d.recipients, d.recipients_sha)
        async with gate:
            await recorder.intend(d.key, op)
            await asyncio.sleep(0)  # the POST
            await recorder.record(d.key, Batch(f"c-{i}", name, 1, d.recipients_sha))
        await recorder.finish(
            KeyPlan(
                d.key,
                Action.CREATE,
                (op,),
                settings_sha256=d.settings_sha,
                recipients_sha256=d.recipients_sha,
            )
        )

    async def run() -> None:
        await asyncio.gather(*(create(i) for i in range(n)))

    asyncio.run(run())
    return masked[0], written[0]


def test_recording_creates_masks_text_in_proportion_to_the_creates(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    small, _ = lockfile_work(monkeypatch, tmp_path, 300)
    large, text = lockfile_work(monkeypatch, tmp_path, 3_000)
    doc = json.loads(text)
    assert len(doc["campaigns"]) == 3_000  # every create recorded, none left pending
    assert not any(e.get("pending") for e in doc["campaigns"].values())
    assert small >= 300 * 3 * 200  # the count is real: three entry texts a key, masked
    # Each write also masks the file's first and last lines, and how many changes one write
    # takes varies from run to run (it runs in a thread): up to a fifth more a key, either way.
    # Masking the whole file at each write, as before, gave 81 times as much.
    assert large <= 15 * small, f"{small:,} → {large:,} characters masked: not linear"
