"""Many campaigns checked on two cores: half in this process, half in a child forked for it.

Checking a campaign (its fields, its recipients, calling safety, fingerprints) is pure Python,
about 0.15 ms, and independent of every other campaign: 10,000 take 1.5 s on one core. Where a
second core is free, a child forked once the files are read checks the second half while this
process checks the first, and sends back what it made, pickled, through a pipe.

The result is the one a single core gives, in the same order: the child runs the same code on
the same documents. Whatever goes wrong with the child (no fork on this system, an exception,
a signal, an answer cut short) only means this process checks that half itself.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a fork and the pickling cost more than the second core saves.
MINIMUM = 2_000


def in_halves(
    items: Sequence[T], work: Callable[[Sequence[T]], R], *, minimum: int | None = None
) -> list[R]:
    """`[work(first half), work(second half)]`, the second half in a forked child when that
    pays; `[work(items)]` when it does not. `work` must not depend on what the other half's
    call changes: each half's results are its return value, which must pickle."""
    if len(items) < (MINIMUM if minimum is None else minimum) or not _second_core():
        return [work(items)]
    half = len(items) // 2
    first, second = items[:half], items[half:]
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return [work(items)]
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return [work(items)]
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers or flushes
        os.close(read_end)
        _child(write_end, lambda: work(second))
    os.close(write_end)
    answer = b""
    reaped = False
    try:
        mine = work(first)
        with os.fdopen(read_end, "rb") as pipe:
            answer = pipe.read()
        _, status = os.waitpid(pid, 0)
        reaped = True
    finally:
        if not reaped:  # this half failed or was interrupted: the child's work is not wanted
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    # Our own child's answer, through our own pipe; anything short of a whole one is redone.
    theirs: R = pickle.loads(answer) if status == 0 and answer else work(second)
    return [mine, theirs]


def _child(fd: int, work: Callable[[], object]) -> None:
    code = 1
    try:
        answer = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(fd, "wb") as pipe:
            pipe.write(answer)
        code = 0
    finally:
        os._exit(code)


def _second_core() -> bool:
    """Fork only where it is safe and pays: Linux (macOS system libraries may start threads
    a fork cannot copy), no other thread running (its locks would be copied held), and at
    least two cores this process may use."""
    if sys.platform != "linux" or threading.active_count() != 1:
        return False
    return len(os.sched_getaffinity(0)) >= 2
