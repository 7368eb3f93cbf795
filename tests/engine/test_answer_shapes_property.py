"""Any answer shapes, list lag and fault schedule: no campaign name is ever created twice, and
every refusal names the endpoint, before any write.

Each example: three keys applied cleanly and edited (every kind of call pending, as in
test_apply_faults), the lockfile perhaps lost, then one apply against an emulator that answers
in random shapes (`vozzoctl.emulator.shapes`), with a random list lag and fault schedule. Then
the emulator answers as the docs say again and two applies, spaced past the lag and the wait
for unanswered creates, must converge.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.engine.test_apply_faults import (
    Scene,
    apply_until_converged,
    check_converged,
    new_scene,
    rules,
    set_the_stage,
)
from vozzoctl import applying, engine, lockfile
from vozzoctl.emulator.shapes import SHAPES
from vozzoctl.errors import UnexpectedAnswerError
from vozzoctl.plan.pending import DEFAULT_PENDING_WAIT
from vozzoctl.recorder import Recorder

ENDPOINT_PREFIX = "GET /v1alpha/"


def writes(scene: Scene) -> list[str]:
    return [r.path for r in scene.app.emulator.requests if r.method == "POST"]


def created(scene: Scene) -> Counter[str]:
    """Every campaign name the API made (the store: requests that committed)."""
    return scene.names()


def apply_once(scene: Scene) -> UnexpectedAnswerError | None:
    """One apply; the refusal when its plan refused an answer."""
    desired, lock, options = scene._inputs()

    async def work() -> None:
        async with scene.client() as client:
            made, _ = await engine.plan(client, desired, lock, options)
            if not made.safe:
                return
            recorder = Recorder(scene.lockfile, lock, scene.app.emulator.now)
            await applying.apply(client, made, recorder)

    try:
        with lockfile.LockfileLock(scene.lockfile, 0):
            asyncio.run(work())
    except UnexpectedAnswerError as e:
        return e
    return None


@pytest.mark.slow
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    shapes=st.sets(st.sampled_from(sorted(SHAPES))),
    lag=st.sampled_from([0.0, 30.0, 600.0]),
    lose_lockfile=st.booleans(),
    faults=st.lists(rules, max_size=2),
)
def test_no_name_is_created_twice_and_every_refusal_names_its_endpoint(
    shapes: set[str], lag: float, lose_lockfile: bool, faults: list[dict[str, Any]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scene = new_scene(Path(tmp))
        emulator = scene.app.emulator
        try:
            set_the_stage(scene)
            emulator.advance(seconds=lag + 1)  # the stage's own campaigns are listed by now
            if lose_lockfile:
                scene.lockfile.unlink()
            emulator.shapes = frozenset(shapes)
            emulator.list_lag = lag
            emulator.set_fault_plan({"rules": faults})
            emulator.clear_requests()

            refused = apply_once(scene)

            event("refused" if refused is not None else "applied")
            if refused is not None:
                assert refused.message.startswith(ENDPOINT_PREFIX), refused.message
                assert refused.hint is not None and "nothing was written" in refused.hint
                assert writes(scene) == [], "a refusal came after a write"
            assert max(created(scene).values()) == 1, created(scene)

            emulator.shapes = frozenset()
            emulator.clear_faults()
            emulator.advance(DEFAULT_PENDING_WAIT + timedelta(seconds=lag + 1))
            apply_until_converged(scene)
            emulator.list_lag = 0.0
            check_converged(scene)
        finally:
            emulator.close()
