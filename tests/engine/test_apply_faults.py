"""Apply under the emulator's injected faults: rate limits, 5xx, delays, dropped connections and
creates that commit but lose their answer. Whatever the schedule, no campaign is made twice,
nobody is held by two live campaigns, an apply whose reads fail sends nothing, and applies
spaced past --pending-wait converge — in two, plus one for each apply in which the API failed a
request after every retry — with an empty plan after.

The engine runs through its Python API (`engine.plan`, `applying.apply`) so that the client's
retry waits can be skipped: `VozzoClient(sleep=...)` records them instead of sleeping.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AGENT, AGENT2, API_URL, TOKEN
from vozzoctl import applying, engine, lockfile
from vozzoctl.api import VozzoClient
from vozzoctl.api.retry import RetryPolicy
from vozzoctl.emulator import EmulatorApp, ManualClock, create_app
from vozzoctl.emulator.pytest_plugin import EMULATOR_NOW
from vozzoctl.errors import VozzoctlError
from vozzoctl.manifest import load_desired_state
from vozzoctl.plan.pending import DEFAULT_PENDING_WAIT
from vozzoctl.plan.planner import Options
from vozzoctl.recorder import Recorder

CREATE = {"method": "POST", "path": "/v1alpha/campaign"}
UPDATE = {"method": "POST", "path": "/v1alpha/campaign/update-campaign/*"}
READS = [
    {"method": "GET", "path": "/v1alpha/campaigns/agent/*"},  # the bulk read, and the count
    {"method": "GET", "path": "/v1alpha/campaign/*/items"},
    {"method": "GET", "path": "/v1alpha/campaign/*"},  # detail (and items)
    {"method": "GET"},
]
FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05, max_total_wait=60.0)


@dataclass(frozen=True)
class Applied:
    """What one apply did: whether it completed, its report, whether its plan was made (its
    reads answered), and how many writes (POST requests) the API received from it."""

    ok: bool
    report: str
    planned: bool
    writes: int


@dataclass
class Scene:
    """A campaigns folder and its lockfile, an emulator, and how vozzoctl is run on them."""

    app: EmulatorApp
    root: Path
    waits: list[float]

    @property
    def lockfile(self) -> Path:
        return self.root / "vozzo.lock"

    def write(self, key: str, phones: list[str], **spec: Any) -> None:
        doc: dict[str, Any] = {
            "apiVersion": "vozzoctl/v1",
            "kind": "Campaign",
            "metadata": {"name": key},
            "spec": {
                "name": key.upper(),
                "agent": spec.pop("agent", AGENT),
                "schedule": {"start_date": "2026-03-03", "start_hour": 9, "end_hour": 18},
                "retry": {"max_attempts": 3},
                "recipients": [{"phone": p} for p in phones],
                **spec,
            },
        }
        folder = self.root / "campaigns"
        folder.mkdir(exist_ok=True)
        (folder / f"{key}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")

    def client(self) -> VozzoClient:
        async def sleep(seconds: float) -> None:
            self.waits.append(seconds)
            await asyncio.sleep(0)

        return VozzoClient(
            API_URL,
            TOKEN,
            concurrency=4,
            timeout=5.0,
            retry=FAST,
            transport=httpx.ASGITransport(app=self.app),
            sleep=sleep,
        )

    def _inputs(self) -> tuple[Any, lockfile.Lockfile, Options]:
        today = self.app.emulator.today()
        loaded = load_desired_state([self.root / "campaigns"], today=today)
        assert loaded.ok, loaded.diagnostics
        lock = lockfile.load(self.lockfile, API_URL)
        now = self.app.emulator.now()
        return loaded.state, lock, Options(today=today, allow_replace=True, now=now)

    def plan(self) -> Any:
        desired, lock, options = self._inputs()

        async def work() -> Any:
            async with self.client() as client:
                made, _ = await engine.plan(client, desired, lock, options)
                return made

        return asyncio.run(work())

    def apply(self) -> tuple[bool, str]:
        """One `apply --auto-approve`: whether it completed, and what it reported."""
        applied = self.apply_once()
        return applied.ok, applied.report

    def apply_once(self) -> Applied:
        desired, lock, options = self._inputs()
        before = len(self.app.emulator.requests)
        planned = False

        async def work() -> tuple[bool, str]:
            nonlocal planned
            async with self.client() as client:
                made, _ = await engine.plan(client, desired, lock, options)
                made.raise_if_unsafe()
                planned = True
                recorder = Recorder(self.lockfile, lock, self.app.emulator.now)
                result = await applying.apply(client, made, recorder)
                failed = [f"{r.key}: {r.failed}" for r in result.results if r.failed]
                return result.ok, "; ".join(failed + result.not_converged)

        try:
            with lockfile.LockfileLock(self.lockfile, 0):
                ok, report = asyncio.run(work())
        except VozzoctlError as e:  # a read failed, in the plan or after the writes
            ok, report = False, e.message
        writes = [r for r in self.app.emulator.requests[before:] if r.method == "POST"]
        return Applied(ok, report, planned, len(writes))

    # ---- what the API holds

    def campaigns(self) -> list[dict[str, Any]]:
        return self.app.emulator.campaigns()

    def names(self) -> Counter[str]:
        return Counter(c["campaign_config"]["campaign_name"] for c in self.campaigns())

    def live_holders(self) -> Counter[str]:
        held: Counter[str] = Counter()
        for c in self.campaigns():
            if c["campaign_state"] not in ("ENDED", "COMPLETED"):
                held.update(i["to_phone_number"] for i in self.app.emulator.items(c["campaign_id"]))
        return held


def new_scene(tmp: Path) -> Scene:
    app = create_app(tokens=[TOKEN], agents=[AGENT, AGENT2], clock=ManualClock(EMULATOR_NOW))
    return Scene(app, tmp, [])


def phones(start: int, n: int) -> list[str]:
    return [f"+9198200{i:05d}" for i in range(start, start + n)]


def set_the_stage(scene: Scene) -> None:
    """Three keys applied cleanly, then edits that need every kind of call: an append, updates
    (with a state change), a replace (end, then create), a create then start, a plain create,
    one on the second agent."""
    scene.write("a", phones(0, 2))
    scene.write("b", phones(10, 2))
    scene.write("f", phones(50, 3), state="RUNNING")
    ok, why = scene.apply()
    assert ok, why
    scene.write("f", phones(50, 2), state="RUNNING")  # one removed: replace with --allow-replace
    scene.write("a", phones(0, 3))  # append "A #2"
    scene.write("b", phones(10, 2), state="RUNNING", retry={"max_attempts": 4})
    scene.write("c", phones(20, 3), state="RUNNING")
    scene.write("d", phones(30, 1))
    scene.write("e", phones(40, 2), agent=AGENT2, state="SUSPENDED")


def check_converged(scene: Scene) -> None:
    scene.app.emulator.clear_faults()
    names = scene.names()
    assert max(names.values()) == 1, f"a campaign was made twice: {names}"
    assert sorted(names) == ["A", "A #2", "B", "C", "D", "E", "F", "F #2"]
    twice = [p for p, n in scene.live_holders().items() if n > 1]
    assert not twice, f"held by two live campaigns: {twice}"
    made = scene.plan()
    assert made.safe, made.all_errors
    assert not made.has_changes, [(k.key, k.action) for k in made.changes]
    text = scene.lockfile.read_text()
    assert '"pending"' not in text
    states = {c["campaign_config"]["campaign_name"]: c["campaign_state"] for c in scene.campaigns()}
    assert states == {
        "A": "TO_START",
        "A #2": "TO_START",
        "B": "RUNNING",
        "C": "RUNNING",
        "D": "TO_START",
        "E": "SUSPENDED",
        "F": "ENDED",
        "F #2": "RUNNING",
    }
    [new] = [c for c in scene.campaigns() if c["campaign_config"]["campaign_name"] == "F #2"]
    held = [i["to_phone_number"] for i in scene.app.emulator.items(new["campaign_id"])]
    assert held == phones(50, 2)


# How an apply says that the API kept failing one request after every retry.
GAVE_UP = f"({FAST.max_attempts} attempts"


def apply_until_converged(scene: Scene) -> list[str]:
    """Applies, each past the wait for creates whose answer was lost, until one completes:
    within two, plus one for each apply in which the API failed a request after every retry.

    Such an apply fails closed: when the request was one of the plan's reads, nothing is sent
    (a refusal before the first write), and the schedule's create faults meet the next apply
    instead. The creates that apply leaves pending are not sent again before the wait, so it
    takes a third apply; an apply budget of two flat would call that a failure to converge.
    """
    reports: list[str] = []
    gave_up = 0
    while len(reports) < 2 + gave_up:
        applied = scene.apply_once()
        if applied.ok:
            return reports
        if not applied.planned:
            assert applied.writes == 0, f"refused after {applied.writes} write(s): {applied}"
        reports.append(applied.report)
        gave_up += GAVE_UP in applied.report
        scene.app.emulator.advance(DEFAULT_PENDING_WAIT + timedelta(seconds=1))
    pytest.fail(f"{len(reports)} applies did not converge: {reports}")


# ------------------------------------------------------------------------------ random schedules

hits = st.one_of(
    st.lists(st.integers(1, 8), min_size=1, max_size=4, unique=True),
    st.integers(1, 4).map(lambda n: {"first": n}),
)
answers = st.one_of(
    st.builds(
        lambda s: {"action": "status", "status": 429, "retry_after": s}, st.sampled_from([0, 1])
    ),
    st.sampled_from([{"action": "status", "status": 503}, {"action": "status", "status": 502}]),
    st.integers(1, 40).map(lambda ms: {"action": "delay", "delay_ms": ms}),
)
create_faults = st.one_of(
    answers,
    st.sampled_from(
        [{"action": "commit_then_drop"}, {"action": "commit_then_500"}, {"action": "drop"}]
    ),
)
read_faults = st.one_of(answers, st.just({"action": "drop"}))
update_faults = st.one_of(
    answers, st.sampled_from([{"action": "drop"}, {"action": "commit_then_drop"}])
)
rules = st.one_of(
    st.builds(lambda on, a: {**CREATE, "on": on, **a}, hits, create_faults),
    st.builds(lambda on, a: {**UPDATE, "on": on, **a}, hits, update_faults),
    st.builds(
        lambda where, on, a: {**where, "on": on, **a}, st.sampled_from(READS), hits, read_faults
    ),
)


def _unanswered_late(plan: list[dict[str, Any]]) -> bool:
    """Whether the schedule fails a create after the fourth create request: a create that
    fails without committing (5xx, drop) is not sent again until the next apply, and the first
    apply that gets past its reads sends at least four creates (only F #2 waits on an earlier
    write), so later failures can land on the one re-send."""
    for r in plan:
        if r.get("path") != CREATE["path"] or r["action"] in ("delay", "commit_then_drop"):
            continue
        if (r["action"] == "status" and r["status"] == 429) or r["action"] == "commit_then_500":
            continue  # 429 is retried at once; a commit is found by name
        on = r["on"]
        if (on["first"] if isinstance(on, dict) else max(on)) > 4:
            return True
    return False


# An unanswered create is never sent again in the same apply: it is looked for by name and
# count, and otherwise left pending for a plan after --pending-wait. Two applies spaced past that
# wait converge as long as no create fails twice — and the API does not outlast the retries of
# a request: such an apply fails closed, and is one more (`apply_until_converged`).
@pytest.mark.slow
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plan=st.lists(rules, min_size=1, max_size=3).filter(lambda p: not _unanswered_late(p)))
def test_any_fault_schedule_converges_without_duplicates(
    plan: list[dict[str, Any]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scene = new_scene(Path(tmp))
        try:
            set_the_stage(scene)
            scene.app.emulator.set_fault_plan({"rules": plan})
            apply_until_converged(scene)
            check_converged(scene)
        finally:
            scene.app.emulator.close()


# ------------------------------------------------------------------------------ named schedules


@pytest.fixture
def scene(tmp_path: Path) -> Any:
    s = new_scene(tmp_path)
    set_the_stage(s)
    yield s
    s.app.emulator.close()


def creates(scene: Scene) -> list[str]:
    return [
        r.json()["campaign_name"]
        for r in scene.app.emulator.requests
        if r.method == "POST" and r.path == "/v1alpha/campaign"
    ]


@pytest.mark.parametrize("action", ["commit_then_drop", "commit_then_500"])
def test_a_create_that_lost_its_answer_is_adopted_in_the_same_apply(
    scene: Scene, action: str
) -> None:
    scene.app.emulator.clear_requests()
    scene.app.emulator.set_fault_plan({"rules": [{**CREATE, "on": "every", "action": action}]})
    ok, why = scene.apply()
    assert ok, why
    assert sorted(creates(scene)) == [
        "A #2",
        "C",
        "D",
        "E",
        "F #2",
    ]  # each sent once, found by name
    check_converged(scene)


def test_a_create_refused_with_503_is_never_sent_again_in_the_same_apply(scene: Scene) -> None:
    """A 5xx after a create leaves its outcome unknown. Sending it again a second later, when
    the lists may not show it yet, is how people got called twice: the key fails instead, the
    lockfile keeps the create pending with its time, and a plan sends it only once the wait
    has passed and neither the list nor the count finds it."""
    scene.app.emulator.set_fault_plan(
        {"rules": [{**CREATE, "on": {"first": 10}, "action": "status", "status": 503}]}
    )
    scene.app.emulator.clear_requests()
    ok, why = scene.apply()
    assert not ok
    assert "the API answered 503 after the request was sent" in why
    assert "It is not sent again in this run: the lockfile keeps it pending since 04:30 UTC" in why
    assert Counter(creates(scene)) == {"A #2": 1, "C": 1, "D": 1, "E": 1, "F #2": 1}
    assert "A #2" not in scene.names()
    pending = [p for e in json.loads(scene.lockfile.read_text())["campaigns"].values()
               for p in e.get("pending", ())]  # fmt: skip
    assert sorted(p["campaign_name"] for p in pending) == ["A #2", "C", "D", "E", "F #2"]
    assert {p["since"] for p in pending} == {"2026-03-02T04:30:00+00:00"}
    scene.app.emulator.clear_faults()

    scene.app.emulator.advance(minutes=2)  # within the wait: nothing is sent, the plan says when
    held = scene.plan()
    assert not held.safe and not any(k.operations for k in held.keys if k.key == "c")
    [c] = [k for k in held.keys if k.key == "c"]
    assert c.errors == (
        "may exist: 'C' was sent at 04:30 UTC and its answer was lost; it is not found by name "
        "or count yet, but lists can lag behind new campaigns: plan again after 04:35 UTC "
        "(--pending-wait sets how long to wait)",
    )
    scene.app.emulator.clear_requests()
    ok, _ = scene.apply()
    assert not ok and creates(scene) == []

    scene.app.emulator.advance(minutes=4)  # past it: both witnesses still say absent
    made = scene.plan()
    [c] = [k for k in made.keys if k.key == "c"]
    assert (
        "may exist: 'C' not found by name or count since 04:30 UTC; apply will send it" in c.notes
    )
    ok, why = scene.apply()
    assert ok, why
    check_converged(scene)


def test_an_unanswered_create_that_shows_late_in_the_lists_is_adopted_not_sent_again(
    scene: Scene,
) -> None:
    """The create committed, its answer was lost, and the lists show new campaigns only ten
    minutes later: the look-up finds nothing, the count disagrees with the list, and nothing
    is sent again — not in this apply, and not in a plan made while the list lags."""
    scene.app.emulator.advance(minutes=11)  # the stage's campaigns are listed by now
    scene.app.emulator.list_lag = 600.0
    scene.app.emulator.set_fault_plan(
        {"rules": [{**CREATE, "on": [1], "action": "commit_then_drop"}]}
    )
    scene.app.emulator.clear_requests()
    ok, why = scene.apply()
    assert not ok
    assert "whether the campaign was made is unknown" in why
    scene.app.emulator.clear_faults()
    scene.app.emulator.advance(minutes=6)  # past the wait, but the list still lags: refused
    sent = len(creates(scene))
    ok, why = scene.apply()
    assert not ok and "/count" in why  # the count sees it, the list not yet
    assert len(creates(scene)) == sent
    scene.app.emulator.advance(minutes=5)
    apply_until_converged(scene)
    check_converged(scene)
    assert max(Counter(creates(scene)).values()) == 1


def test_rate_limits_are_waited_out_as_retry_after_says(scene: Scene) -> None:
    scene.app.emulator.set_fault_plan(
        {"rules": [{"on": [1, 2, 5], "action": "status", "status": 429, "retry_after": 1}]}
    )
    ok, why = scene.apply()
    assert ok, why
    assert scene.waits == [1.0, 1.0, 1.0]
    check_converged(scene)


def test_dropped_reads_are_retried(scene: Scene) -> None:
    scene.app.emulator.set_fault_plan(
        {"rules": [{"method": "GET", "on": {"first": 3}, "action": "drop"}]}
    )
    ok, why = scene.apply()
    assert ok, why
    check_converged(scene)


def test_a_replace_whose_create_failed_after_the_end_is_finished_by_the_next_apply(
    scene: Scene,
) -> None:
    """Regression: a replace ends the old batch, then its create fails (or the process dies).
    The numbers then looked held by the ENDED batch: the next plan said "no changes" and the
    numbers that remain were never called. The write-ahead record now names the batches the
    replace ends, and the next run creates the new batch."""
    scene.app.emulator.set_fault_plan(
        {"rules": [{**CREATE, "on": "every", "action": "status", "status": 503}]}
    )
    ok, _ = scene.apply()
    assert not ok
    states = {c["campaign_config"]["campaign_name"]: c["campaign_state"] for c in scene.campaigns()}
    assert states["F"] == "ENDED" and "F #2" not in states
    scene.app.emulator.clear_faults()
    made = scene.plan()
    [f] = [k for k in made.keys if k.key == "f"]
    assert f.action.value == "replace"
    assert any(
        "an earlier replace ended 1 campaign(s) but did not create 'F #2'" in n for n in f.notes
    )
    apply_until_converged(scene)
    check_converged(scene)


AGENT_LISTS = {"method": "GET", "path": "/v1alpha/campaigns/agent/*"}  # and their counts
RATE_LIMITED = {"action": "status", "status": 429, "retry_after": 0}
GAVE_UP_ON_A_LIST = re.compile(
    r"^the Vozzo API kept rate-limiting GET /v1alpha/campaigns/agent/\S+ \(429\) after every "
    r"retry \(5 attempts, Retry-After 0s\)$"
)


def test_reads_rate_limited_past_every_retry_stop_apply_before_any_write(scene: Scene) -> None:
    """The API rate-limits the agents' lists for longer than the client retries: the apply
    stops at its reads, names the request and how often it was tried, sends nothing and leaves
    the lockfile as it was. The next apply does the whole plan."""
    scene.app.emulator.set_fault_plan({"rules": [{**AGENT_LISTS, "on": "every", **RATE_LIMITED}]})
    saved = scene.lockfile.read_bytes()
    applied = scene.apply_once()
    assert (applied.ok, applied.planned, applied.writes) == (False, False, 0)
    assert GAVE_UP_ON_A_LIST.match(applied.report), applied.report
    assert scene.lockfile.read_bytes() == saved
    scene.app.emulator.clear_faults()
    ok, why = scene.apply()
    assert ok, why
    check_converged(scene)


def test_creates_unanswered_after_a_refused_apply_are_sent_by_a_third(scene: Scene) -> None:
    """Found by the fault-schedule property (two 503 creates and rate-limited reads): an apply
    refused at its reads sends nothing, so the schedule's create faults meet the second apply.
    It sends every create once and fails the two unanswered ones, kept pending and not sent
    again in that run; only a third apply, past --pending-wait, finds them absent by name and
    count and sends them. Each campaign is made once."""
    scene.app.emulator.set_fault_plan({"rules": [{**AGENT_LISTS, "on": "every", **RATE_LIMITED}]})
    scene.app.emulator.clear_requests()
    refused = scene.apply_once()
    assert (refused.ok, refused.planned, refused.writes) == (False, False, 0)
    scene.app.emulator.set_fault_plan(
        {"rules": [{**CREATE, "on": [1, 2], "action": "status", "status": 503}]}
    )
    scene.app.emulator.advance(DEFAULT_PENDING_WAIT + timedelta(seconds=1))

    second = scene.apply_once()
    assert not second.ok and second.planned
    assert second.report.count("It is not sent again in this run") == 2, second.report
    assert Counter(creates(scene)) == {"A #2": 1, "C": 1, "D": 1, "E": 1, "F #2": 1}
    assert len(scene.names()) == 8 - 2
    pending = [p for e in json.loads(scene.lockfile.read_text())["campaigns"].values()
               for p in e.get("pending", ())]  # fmt: skip
    assert len(pending) == 2

    scene.app.emulator.advance(DEFAULT_PENDING_WAIT + timedelta(seconds=1))
    ok, why = scene.apply()
    assert ok, why
    assert sorted(Counter(creates(scene)).values()) == [1, 1, 1, 2, 2]  # 503 made nothing
    check_converged(scene)


def test_a_create_the_api_refused_is_not_left_pending(scene: Scene) -> None:
    """A 429 after every retry proves the API did not act on the create (the client sends a
    create again only on such answers). The key fails, but the attempt is not kept pending: the
    next plan sends it at once, without waiting --pending-wait or saying it "may exist". A
    replace keeps its record, the one thing that says its new batch is owed once the old one
    is ended."""
    scene.app.emulator.set_fault_plan({"rules": [{**CREATE, "on": "every", **RATE_LIMITED}]})
    ok, why = scene.apply()
    assert not ok
    assert why.count("kept rate-limiting POST /v1alpha/campaign (429) after every retry") == 5
    assert scene.names() == {"A": 1, "B": 1, "F": 1}
    entries = json.loads(scene.lockfile.read_text())["campaigns"]
    pending = {k: [p["campaign_name"] for p in e["pending"]] for k, e in entries.items()
               if e.get("pending")}  # fmt: skip
    assert pending == {"f": ["F #2"]}
    scene.app.emulator.clear_faults()

    made = scene.plan()  # at once
    by_key = {k.key: k for k in made.keys}
    for key in ("a", "c", "d", "e"):
        assert not by_key[key].errors and by_key[key].operations, key
        assert not any("may exist" in n for n in by_key[key].notes), by_key[key].notes
    [held] = by_key["f"].errors
    assert held.startswith("may exist: 'F #2' was sent at 04:30 UTC")
    scene.app.emulator.advance(DEFAULT_PENDING_WAIT + timedelta(seconds=1))
    ok, why = scene.apply()
    assert ok, why
    check_converged(scene)
