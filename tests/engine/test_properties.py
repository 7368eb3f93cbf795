"""Random sequences of manifest edits and applies, against the emulator, as a user runs them.

After every apply that succeeds: the plan is empty; no number is held by two live (not ENDED,
not COMPLETED) campaigns; every declared number is held by one of the key's campaigns; and,
read from what the API received, no create ever held a number already sent for that key,
except in a replace, which must have ended every live campaign holding it first. An apply
that fails must be a refusal that sent nothing, and only after a number was removed or changed,
or for a state the key's campaign cannot go to (a key removed and written again asks that).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import AGENT, API_URL, TOKEN, Vozzo
from vozzoctl import clock
from vozzoctl.cli import runtime
from vozzoctl.emulator import EmulatorApp, ManualClock, RequestRecord, create_app
from vozzoctl.emulator.pytest_plugin import EMULATOR_NOW
from vozzoctl.model import TRANSITIONS, State, can_transition

KEYS = ("k0", "k1", "k2")
# Each key its own numbers: the invariants below are about what vozzoctl adds, not about a
# number a user lists under two keys on purpose.
POOL = {k: tuple(f"+91982{n}0{i}2345" for i in range(5)) for n, k in enumerate(KEYS)}
LIVE_STATES = (State.TO_START, State.RUNNING, State.SUSPENDED)
CREATE_PATH = "/v1alpha/campaign"


def base_name(key: str) -> str:
    return key.upper()


def key_of(name: str) -> str | None:
    for key in KEYS:
        if name == base_name(key) or name.startswith(base_name(key) + " #"):
            return key
    return None


@dataclass
class Spec:
    """What one key's manifest declares."""

    recipients: dict[str, int]  # phone → metadata version
    state: State = State.TO_START
    end_hour: int = 18
    max_attempts: int = 3
    weekends: bool = True

    def copy(self) -> Spec:
        return Spec(dict(self.recipients), self.state, self.end_hour, self.max_attempts,
                    self.weekends)  # fmt: skip


def has_spare(key: str, spec: Spec) -> bool:
    return len(spec.recipients) < len(POOL[key])


def has_several(_: str, spec: Spec) -> bool:
    return len(spec.recipients) > 1


def can_move(_: str, spec: Spec) -> bool:
    return bool(TRANSITIONS[spec.state])


@dataclass
class World:
    """The emulator and a campaigns folder; vozzoctl is pointed at them by the test."""

    app: EmulatorApp
    vozzo: Vozzo
    log: list[RequestRecord] = field(default_factory=list)


class Surface:
    """The one place the machine reaches the test's environment (set by the test function)."""

    capsys: pytest.CaptureFixture[str]
    tmp: Path
    current: EmulatorApp | None = None
    runs: int = 0


class ApplyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        Surface.runs += 1
        root = Surface.tmp / f"run{Surface.runs}"
        root.mkdir()
        os.chdir(root)
        app = create_app(tokens=[TOKEN], agents=[AGENT], clock=ManualClock(EMULATOR_NOW))
        Surface.current = app
        self.world = World(app, Vozzo(app, root, Surface.capsys))
        self.declared: dict[str, Spec] = {}
        self.applied: dict[str, Spec] = {}  # the last spec applied per key with live campaigns
        self.sent: dict[str, set[str]] = {k: set() for k in KEYS}
        self.replace_used = False
        self.minutes = 0

    def teardown(self) -> None:
        self.world.app.emulator.close()
        Surface.current = None

    # ------------------------------------------------------------------ manifests

    def write(self, key: str) -> None:
        spec = self.declared[key]
        vozzo = self.world.vozzo
        vozzo.campaign(
            key,
            name=base_name(key),
            state=spec.state.value,
            schedule={
                "start_date": vozzo.day(0),
                "start_hour": 9,
                "end_hour": spec.end_hour,
                "weekends": spec.weekends,
            },
            retry={"max_attempts": spec.max_attempts},
            recipients=[
                {"phone": p, "metadata": {"v": v}} for p, v in sorted(spec.recipients.items())
            ],
        )

    def undeclared(self) -> list[str]:
        return [k for k in KEYS if k not in self.declared]

    @initialize(key=st.sampled_from(KEYS), data=st.data())
    def first_key(self, key: str, data: st.DataObject) -> None:
        self.declare(key, data)

    @precondition(lambda self: bool(self.undeclared()))
    @rule(data=st.data())
    def add_key(self, data: st.DataObject) -> None:
        """A key not in the folder (never, or no longer: its campaigns stay) is written."""
        self.declare(data.draw(st.sampled_from(self.undeclared())), data)

    def declare(self, key: str, data: st.DataObject) -> None:
        phones = data.draw(st.sets(st.sampled_from(POOL[key]), min_size=1, max_size=3))
        state = data.draw(st.sampled_from(LIVE_STATES))
        self.declared[key] = Spec(dict.fromkeys(phones, 0), state)
        self.write(key)

    @precondition(lambda self: len(self.declared) > 1)  # an empty folder is an error
    @rule(data=st.data())
    def remove_key(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.declared)))
        del self.declared[key]
        (self.world.vozzo.root / "campaigns" / f"{key}.yaml").unlink()

    def keys_where(self, ok: Callable[[str, Spec], bool]) -> list[str]:
        return sorted(k for k, spec in self.declared.items() if ok(k, spec))

    @precondition(lambda self: bool(self.keys_where(has_spare)))
    @rule(data=st.data())
    def add_recipient(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(self.keys_where(has_spare)))
        spare = sorted(set(POOL[key]) - set(self.declared[key].recipients))
        self.declared[key].recipients[data.draw(st.sampled_from(spare))] = 0
        self.write(key)

    @precondition(lambda self: bool(self.keys_where(has_several)))
    @rule(data=st.data())
    def remove_recipient(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(self.keys_where(has_several)))
        recipients = self.declared[key].recipients
        del recipients[data.draw(st.sampled_from(sorted(recipients)))]
        self.write(key)

    @precondition(lambda self: bool(self.declared))
    @rule(data=st.data())
    def change_recipient(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.declared)))
        recipients = self.declared[key].recipients
        recipients[data.draw(st.sampled_from(sorted(recipients)))] += 1
        self.write(key)

    @precondition(lambda self: bool(self.declared))
    @rule(
        data=st.data(),
        end_hour=st.integers(12, 20),
        max_attempts=st.integers(1, 5),
        weekends=st.booleans(),
    )
    def change_settings(
        self, data: st.DataObject, end_hour: int, max_attempts: int, weekends: bool
    ) -> None:
        key = data.draw(st.sampled_from(sorted(self.declared)))
        spec = self.declared[key]
        spec.end_hour, spec.max_attempts, spec.weekends = end_hour, max_attempts, weekends
        self.write(key)

    @precondition(lambda self: bool(self.keys_where(can_move)))
    @rule(data=st.data())
    def change_state(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(self.keys_where(can_move)))
        spec = self.declared[key]
        spec.state = data.draw(st.sampled_from(sorted(TRANSITIONS[spec.state])))
        self.write(key)

    @precondition(lambda self: bool(self.keys_where(lambda k, _: k in self.applied)))
    @rule(data=st.data())
    def revert_to_applied(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(self.keys_where(lambda k, _: k in self.applied)))
        self.declared[key] = self.applied[key].copy()
        self.write(key)

    @precondition(lambda self: self.minutes < 360)
    @rule(minutes=st.integers(5, 90))
    def time_passes(self, minutes: int) -> None:
        """Calls are placed meanwhile (the campaigns start today, 09-18, from 10:00 IST)."""
        self.world.app.emulator.advance(minutes=minutes)
        self.minutes += minutes

    # ------------------------------------------------------------------ apply

    @rule()
    def apply_plain(self) -> None:
        self.apply(allow_replace=False, prune=False)

    @rule()
    def apply_plain_again(self) -> None:  # applies as often as edits, about
        self.apply(allow_replace=False, prune=False)

    @rule(allow_replace=st.booleans(), prune=st.booleans())
    def apply(self, allow_replace: bool, prune: bool) -> None:
        emulator = self.world.app.emulator
        before = {c["campaign_id"]: c["campaign_state"] for c in emulator.campaigns()}
        emulator.clear_requests()
        flags = [*(["--allow-replace"] if allow_replace else []), *(["--prune"] if prune else [])]
        result = self.world.vozzo.run("apply", "--auto-approve", *flags)
        log = emulator.requests
        self.world.log.extend(log)
        if result.code != 0:
            assert [r for r in log if r.method == "POST"] == [], "a refused apply wrote"
            if "is not possible" in result.err:  # a key written again, with a state it left
                assert self.state_unreachable(), result.all
                return
            assert "cannot be done in place" in result.err, result.all
            assert not allow_replace, result.all
            assert self.something_removed_or_changed(), result.all
            return
        assert "Apply complete" in result.out or "Nothing to apply" in result.err, result.all
        self.replace_used |= allow_replace
        self.check_creates(log, before, replace=allow_replace)
        for key in KEYS:
            if key in self.declared:
                self.applied[key] = self.declared[key].copy()
            elif prune:
                self.applied.pop(key, None)
        assert self.world.vozzo.run("plan", "--detailed-exitcode").code == 0
        planned = self.world.vozzo.run("plan", "--detailed-exitcode", *flags)
        assert planned.code == 0, planned.all
        self.check_held()

    def state_unreachable(self) -> bool:
        """Whether a key's declared state is one its campaign, as last applied, cannot go to:
        only a key removed from the folder and written again can ask that."""
        return any(
            key in self.applied and not can_transition(self.applied[key].state, spec.state)
            for key, spec in self.declared.items()
        )

    def something_removed_or_changed(self) -> bool:
        for key, spec in self.declared.items():
            was = self.applied.get(key)
            if was and any(spec.recipients.get(p) != v for p, v in was.recipients.items()):
                return True
        return False

    def campaigns(self) -> dict[str, dict[str, Any]]:
        return {c["campaign_id"]: c for c in self.world.app.emulator.campaigns()}

    def phones_of(self, campaign_id: str) -> set[str]:
        return {i["to_phone_number"] for i in self.world.app.emulator.items(campaign_id)}

    def check_creates(
        self, log: list[RequestRecord], before: dict[str, str], *, replace: bool
    ) -> None:
        """What the API received: a number is sent twice for a key only by a replace, and only
        once every live campaign of the key holding it was ended, earlier in this apply."""
        by_name = {
            c["campaign_config"]["campaign_name"]: cid for cid, c in self.campaigns().items()
        }
        ended: set[str] = {cid for cid, state in before.items() if state in ("ENDED", "COMPLETED")}
        existing: set[str] = set(before)
        for record in log:
            if record.method != "POST" or record.status is None or record.status >= 300:
                continue
            if record.path.startswith("/v1alpha/campaign/update-campaign/"):
                if record.params.get("campaign_status") == "ENDED":
                    ended.add(record.path.split("/")[4])
                continue
            assert record.path == CREATE_PATH
            body = record.json()
            key = key_of(body["campaign_name"])
            assert key is not None
            phones = {d["to_phone_number"] for d in body["campaign_data"]}
            again = phones & self.sent[key]
            if again:
                assert replace, f"{key}: sent again without a replace"
                for cid in existing:
                    name = self.campaigns()[cid]["campaign_config"]["campaign_name"]
                    if key_of(name) == key and self.phones_of(cid) & again:
                        assert cid in ended, f"{name} still live when its numbers were sent again"
            self.sent[key] |= phones
            existing.add(by_name[body["campaign_name"]])

    def check_held(self) -> None:
        campaigns = self.campaigns()
        holders: dict[str, list[str]] = {}
        by_key: dict[str, set[str]] = {k: set() for k in KEYS}
        live_by_key: dict[str, set[str]] = {k: set() for k in KEYS}
        for cid, c in campaigns.items():
            key = key_of(c["campaign_config"]["campaign_name"])
            assert key is not None
            phones = self.phones_of(cid)
            by_key[key] |= phones
            if c["campaign_state"] not in ("ENDED", "COMPLETED"):
                live_by_key[key] |= phones
                for p in phones:
                    holders.setdefault(p, []).append(c["campaign_config"]["campaign_name"])
        twice = {p[-4:]: names for p, names in holders.items() if len(names) > 1}
        assert not twice, f"numbers in two live campaigns: {twice}"
        for key, spec in self.declared.items():
            if spec.state is State.ENDED:
                continue
            missing = set(spec.recipients) - by_key[key]
            assert not missing, f"{key}: declared but in none of its campaigns: {missing}"
            stray = live_by_key[key] - set(spec.recipients)
            assert not stray, f"{key}: live campaigns hold numbers no longer declared: {stray}"

    @invariant()
    def lockfile_has_no_pending(self) -> None:
        path = self.world.vozzo.root / "vozzo.lock"
        if path.exists():
            assert '"pending"' not in path.read_text()


@pytest.fixture
def surface(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # restored after the machine's chdirs
    monkeypatch.setenv("VOZZO_API_KEY", TOKEN)
    monkeypatch.setenv("VOZZO_BASE_URL", API_URL)
    Surface.capsys, Surface.tmp, Surface.runs = capsys, tmp_path, 0

    def transport() -> httpx.ASGITransport:
        assert Surface.current is not None
        return httpx.ASGITransport(app=Surface.current)

    def now() -> Any:
        assert Surface.current is not None
        return Surface.current.emulator.now() + timedelta(0)

    runtime.set_transport_factory(transport)
    clock.set_clock(now)
    try:
        yield
    finally:
        runtime.set_transport_factory(None)
        clock.set_clock(None)


@pytest.mark.slow
def test_random_edits_and_applies_never_call_anyone_twice(surface: None) -> None:
    run_state_machine_as_test(
        ApplyMachine,
        settings=settings(
            settings(),  # the loaded profile: ci runs 25 examples
            deadline=None,
            stateful_step_count=25,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )


# ---------------------------------------------------------------------- found by the machine


def test_a_number_removed_after_a_replace_is_refused_not_left_live(vozzo: Vozzo) -> None:
    """A replace sends a number again in a new batch and ends the old one. The planner read the
    ended batch's copy first, saw it was final, and so let a later removal pass as "nothing to
    do": apply exited 0 and the removed number stayed in the live batch, to be called."""
    a, b = POOL["k0"][:2]
    vozzo.campaign("k0", recipients=[{"phone": a, "metadata": {"v": 0}}])
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign(
        "k0", recipients=[{"phone": a, "metadata": {"v": 1}}, {"phone": b, "metadata": {"v": 0}}]
    )
    assert vozzo.run("apply", "--auto-approve", "--allow-replace").code == 0
    assert vozzo.run("plan", "--detailed-exitcode").code == 0
    vozzo.campaign("k0", recipients=[{"phone": b, "metadata": {"v": 0}}])  # a removed
    planned = vozzo.run("plan")
    assert planned.code == 1
    assert "cannot be done in place: 1 recipient(s) removed" in planned.out
    assert vozzo.run("apply", "--auto-approve").code == 1
    assert vozzo.run("apply", "--auto-approve", "--allow-replace").code == 0
    live = [c for c in vozzo.live() if c["campaign_state"] not in ("ENDED", "COMPLETED")]
    [batch] = live
    assert [i["to_phone_number"] for i in vozzo.app.emulator.items(batch["campaign_id"])] == [b]


def test_a_number_sent_again_by_a_replace_is_compared_with_its_live_copy(vozzo: Vozzo) -> None:
    """The same mix-up compared a replaced number with the ended batch's copy: the next plan
    that read the calls warned it "changed in the manifest", though the live copy matched."""
    a, b = POOL["k0"][:2]
    vozzo.campaign("k0", recipients=[{"phone": a, "metadata": {"v": 0}}])
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("k0", recipients=[{"phone": a, "metadata": {"v": 1}}])
    assert vozzo.run("apply", "--auto-approve", "--allow-replace").code == 0
    vozzo.campaign(
        "k0", recipients=[{"phone": a, "metadata": {"v": 1}}, {"phone": b, "metadata": {"v": 0}}]
    )
    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 2
    assert "(append)" in planned.out
    assert "changed in the manifest" not in planned.out


def test_a_key_written_again_with_a_state_its_campaign_left_is_refused(vozzo: Vozzo) -> None:
    """Found by the machine once add_key could write a removed key again: the campaign of a
    key taken out of the folder lives on (SUSPENDED here), and the key written back with
    TO_START asks a move no campaign can make. The plan says so and apply sends nothing."""
    phone = POOL["k0"][0]
    vozzo.campaign("k0", recipients=[{"phone": phone}])
    vozzo.campaign("k1", recipients=[{"phone": POOL["k1"][0]}], state="SUSPENDED")
    assert vozzo.run("apply", "--auto-approve").code == 0
    (vozzo.root / "campaigns" / "k1.yaml").unlink()
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("k1", recipients=[{"phone": POOL["k1"][0]}], state="TO_START")
    vozzo.app.emulator.clear_requests()
    applied = vozzo.run("apply", "--auto-approve")
    assert applied.code == 1
    assert "state SUSPENDED → TO_START is not possible (to pause, use SUSPENDED)" in applied.err
    assert [r for r in vozzo.app.emulator.requests if r.method == "POST"] == []
