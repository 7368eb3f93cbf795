"""Many campaigns are checked on two cores, half in a forked child: the same results, in the
same order, as on one; and a child that fails only means its half is checked here."""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import FIXED_TODAY, Load, campaign_yaml, write
from test_corpus import CASES, CORPUS, ENV

from vozzoctl.manifest import halves, load_desired_state


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fork whatever the machine and however few the items (the tests run on Linux): one
    campaign alone is then checked in the child."""
    monkeypatch.setattr(halves, "_second_core", lambda: True)
    monkeypatch.setattr(halves, "MINIMUM", 1)


def pids(part: Sequence[int]) -> list[tuple[int, int]]:
    return [(i, os.getpid()) for i in part]


@pytest.mark.usefixtures("two_cores")
def test_the_second_half_is_checked_in_a_child_and_comes_back_in_order() -> None:
    first, second = halves.in_halves(range(10), pids)
    assert [i for i, _ in first + second] == list(range(10))
    assert {pid for _, pid in first} == {os.getpid()}
    assert {pid for _, pid in second} != {os.getpid()}


def test_few_items_stay_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(halves, "_second_core", lambda: True)
    [whole] = halves.in_halves(range(10), pids)  # MINIMUM is in the thousands
    assert {pid for _, pid in whole} == {os.getpid()}


def test_one_core_keeps_everything_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(halves, "_second_core", lambda: False)
    [whole] = halves.in_halves(range(10_000), pids)
    assert len(whole) == 10_000
    assert {pid for _, pid in whole} == {os.getpid()}


@pytest.mark.usefixtures("two_cores")
@pytest.mark.parametrize("how", ["raises", "dies", "is killed"])
def test_a_child_that_fails_leaves_its_half_to_this_process(how: str) -> None:
    parent = os.getpid()

    def work(part: Sequence[int]) -> list[tuple[int, int]]:
        if os.getpid() != parent:
            if how == "raises":
                raise RuntimeError("boom")
            if how == "dies":
                os._exit(3)
            os.kill(os.getpid(), signal.SIGKILL)
        return pids(part)

    first, second = halves.in_halves(range(10), work)
    assert [i for i, _ in first + second] == list(range(10))
    assert {pid for _, pid in first + second} == {parent}


@pytest.mark.usefixtures("two_cores")
def test_a_failure_here_kills_and_reaps_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    forked: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)

    def work(part: Sequence[int]) -> list[int]:
        if os.getpid() == parent:
            raise KeyboardInterrupt
        signal.pause()  # the child would wait for ever
        return list(part)

    with pytest.raises(KeyboardInterrupt):
        halves.in_halves(range(10), work)
    [pid] = forked
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left behind


@pytest.mark.usefixtures("two_cores")
@pytest.mark.parametrize("case", CASES)
def test_every_bad_input_reads_the_same_on_two_cores(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = CORPUS / case
    expected = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    monkeypatch.chdir(folder)
    result = load_desired_state(["."], today=FIXED_TODAY, env=ENV)
    assert [d.format() for d in result.diagnostics] == expected


def test_many_campaigns_load_the_same_on_two_cores(
    tmp_path: Path, load: Load, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = [campaign_yaml(f"key-{i:02d}", phones=(f"+9198123{i:05d}",)) for i in range(40)]
    docs[7] = campaign_yaml("key-07", phones=("+91123",))  # a bad number, in the first half
    docs[33] = campaign_yaml("key-03", phones=("+919812300333",))  # a key declared twice
    docs[35] = docs[35].replace("name: Winter Promotion key-35", "name: Winter Promotion key-05")
    write(tmp_path, {"a.yaml": "---\n".join(docs[:25]), "b/c.yaml": "---\n".join(docs[25:])})
    monkeypatch.setattr(halves, "_second_core", lambda: False)
    one = load()
    monkeypatch.setattr(halves, "_second_core", lambda: True)
    monkeypatch.setattr(halves, "MINIMUM", 2)
    two = load()
    assert len(one.errors) == 3
    assert [d.format() for d in two.diagnostics] == [d.format() for d in one.diagnostics]
    assert two.state == one.state
    assert [c.settings_sha for c in two.state] == [c.settings_sha for c in one.state]
