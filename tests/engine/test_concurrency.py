"""Two applies at once on one lockfile (two processes): the second waits for the first, or with
`--lock-timeout 0` fails naming the lock's holder; never a duplicate campaign, and the serial
grows by one per apply that changed anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.conftest import AGENT, TOKEN
from vozzoctl.emulator import EmulatorApp, create_app
from vozzoctl.emulator.server import running_emulator

pytestmark = pytest.mark.slow

CHILD_TIMEOUT_S = 60
KEYS = [f"k{i}" for i in range(6)]


HOLD_FIRST_WRITE = {"rules": [{"method": "POST", "on": {"first": 1}, "action": "hold"}]}


class Shared:
    """One campaigns folder and lockfile, one emulator, and applies started on them.

    Timing is never assumed: the emulator parks the first apply's first write (a `hold` fault)
    until the test releases it, so "the first apply holds the lock" is an observed fact, and a
    waiting apply says so on stderr before the test lets the first one go on."""

    def __init__(self, app: EmulatorApp, url: str, root: Path) -> None:
        self.app, self.url, self.root = app, url, root
        self.children: list[subprocess.Popen[str]] = []

    def write(self, key: str, end_hour: int = 18) -> None:
        n = KEYS.index(key)
        doc = {
            "apiVersion": "vozzoctl/v1",
            "kind": "Campaign",
            "metadata": {"name": key},
            "spec": {
                "name": key.upper(),
                "agent": AGENT,
                "state": "RUNNING",
                "schedule": {"start_date": "2099-01-01", "start_hour": 9, "end_hour": end_hour},
                "retry": {"max_attempts": 3},
                "recipients": [{"phone": f"+9198200{n:03d}{i:02d}"} for i in range(2)],
            },
        }
        folder = self.root / "campaigns"
        folder.mkdir(exist_ok=True)
        (folder / f"{key}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        env = {**os.environ, "VOZZO_API_KEY": TOKEN, "VOZZO_BASE_URL": self.url}
        child = subprocess.Popen(
            [sys.executable, "-m", "vozzoctl", *args],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.children.append(child)
        return child

    def spawn_parked(self, *args: str) -> subprocess.Popen[str]:
        """An apply whose first write the emulator parks: once this returns, the child is inside
        that write and so holds the lockfile's lock (taken before its first read)."""
        self.app.emulator.set_fault_plan(HOLD_FIRST_WRITE)
        child = self.spawn(*args)
        if not self.app.emulator.wait_held(timeout=CHILD_TIMEOUT_S):
            child.kill()
            out, err = child.communicate()
            pytest.fail(f"the first apply made no write: exit {child.returncode}\n{out}\n{err}")
        return child

    @staticmethod
    def wait_until_waiting(child: subprocess.Popen[str]) -> str:
        """Read `child`'s stderr until it says it is waiting for the lock; returns that line."""
        assert child.stderr is not None
        for line in child.stderr:  # ends at EOF: a child that exits without waiting fails below
            if line.startswith("Waiting for "):
                return line
        pytest.fail(f"the second apply never waited for the lock: exit {child.wait()}")

    @staticmethod
    def finish(child: subprocess.Popen[str]) -> tuple[int, str, str]:
        out, err = child.communicate(timeout=CHILD_TIMEOUT_S)
        return child.returncode, out, err

    def names(self) -> Counter[str]:
        return Counter(c["campaign_config"]["campaign_name"] for c in self.app.emulator.campaigns())

    def serial(self) -> int:
        return int(json.loads((self.root / "vozzo.lock").read_text())["serial"])


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Shared]:
    app = create_app(tokens=[TOKEN], agents=[AGENT])
    s: Shared | None = None
    try:
        with running_emulator(app) as url:
            s = Shared(app, url, tmp_path)
            try:
                yield s
            finally:
                app.emulator.release()  # no parked request may outlive the test
                for child in s.children:
                    if child.poll() is None:
                        child.kill()
                    child.communicate()  # reaps the child and closes its pipes, in every case
    finally:
        app.emulator.close()


def test_a_second_apply_waits_for_the_first_then_finds_nothing_to_do(shared: Shared) -> None:
    for key in KEYS:
        shared.write(key)
    first = shared.spawn_parked("apply", "--auto-approve", "--concurrency", "1")
    second = shared.spawn("apply", "--auto-approve", "--concurrency", "1")
    waiting = shared.wait_until_waiting(second)
    assert f"vozzo.lock.lock, held by process {first.pid} (up to 30s)" in waiting
    assert first.poll() is None
    shared.app.emulator.release()
    code1, out1, err1 = shared.finish(first)
    code2, _, err2 = shared.finish(second)
    assert code1 == 0, err1
    assert "Apply complete" in out1
    assert code2 == 0, err2
    assert "Nothing to apply." in err2  # it read the lockfile the first one wrote
    assert shared.names() == Counter(k.upper() for k in KEYS)
    assert shared.serial() == 1


def test_with_no_lock_timeout_the_second_apply_fails_naming_the_holder(shared: Shared) -> None:
    for key in KEYS:
        shared.write(key)
    first = shared.spawn_parked("apply", "--auto-approve", "--concurrency", "1")
    code2, _, err2 = shared.finish(shared.spawn("apply", "--auto-approve", "--lock-timeout", "0"))
    assert first.poll() is None  # still parked: it held the lock all along
    shared.app.emulator.release()
    code1, _, err1 = shared.finish(first)
    assert code1 == 0, err1
    assert code2 == 1
    assert f"vozzo.lock.lock is held by process {first.pid}: another apply is running" in err2
    assert "hint: wait for it to finish, or raise --lock-timeout (now 0s)" in err2
    assert "Waiting for" not in err2
    assert shared.names() == Counter(k.upper() for k in KEYS)
    assert shared.serial() == 1


def test_the_serial_grows_by_one_per_apply_that_changed_anything(shared: Shared) -> None:
    for key in KEYS:
        shared.write(key)
    assert shared.finish(shared.spawn("apply", "--auto-approve"))[0] == 0
    assert shared.serial() == 1
    for key in KEYS[:3]:
        shared.write(key, end_hour=17)  # three updates, one apply
    first = shared.spawn_parked("apply", "--auto-approve", "--concurrency", "1")
    for key in KEYS[3:]:
        shared.write(key, end_hour=16)  # the second apply sees these, after the first ends
    second = shared.spawn("apply", "--auto-approve")
    shared.wait_until_waiting(second)
    shared.app.emulator.release()
    assert shared.finish(first)[0] == 0
    code2, out2, err2 = shared.finish(second)
    assert code2 == 0, err2
    assert "Apply complete" in out2
    assert shared.serial() == 3
    assert shared.finish(shared.spawn("apply", "--auto-approve"))[0] == 0
    assert shared.serial() == 3
    assert shared.names() == Counter(k.upper() for k in KEYS)
    ends = Counter(
        r.params.get("campaign_end_time")
        for r in shared.app.emulator.requests
        if "update-campaign" in r.path and "campaign_end_time" in r.params
    )
    assert ends == Counter({"17": 3, "16": 3})  # each apply sent its own edits, once
