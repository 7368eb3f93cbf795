"""The cycle collector is paused while vozzoctl builds what lives to the end of a command, and
restored after, even on failure; in a process of one command, what was built is frozen."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Vozzo
from vozzoctl import cycles, engine


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.usefixtures("collector_on")
def test_a_pause_restores_the_collector_even_on_failure() -> None:
    with pytest.raises(RuntimeError), cycles.paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_pauses_nest_and_a_disabled_collector_stays_disabled() -> None:
    with cycles.paused():
        with cycles.paused():
            pass
        assert not gc.isenabled()  # the inner pause did not resume it
    assert gc.isenabled()
    gc.disable()
    with cycles.paused():
        pass
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_a_plan_is_made_with_the_collector_paused(
    vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = engine.make_plan

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "make_plan", spy)
    vozzo.campaign("winter-promo")
    result = vozzo.run("plan", "-f", "campaigns")
    assert result.code == 0, result.all
    assert "create" in result.out
    assert seen and not any(seen)
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_in_a_process_of_one_command_what_a_pause_built_is_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cycles, "_freeze_on_resume", True)
    before = gc.get_freeze_count()
    try:
        with cycles.paused():
            kept = [[i] for i in range(1_000)]
        assert gc.get_freeze_count() >= before + len(kept)
        assert gc.isenabled()
    finally:
        gc.unfreeze()
