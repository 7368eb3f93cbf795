"""Python's cycle collector, paused while vozzoctl builds what lives to the end of a command.

Loading manifests, reading the lockfile and planning make hundreds of thousands of objects that
all stay alive (a campaign, a recipient, a lockfile entry, a batch read from the account) and no
reference cycles to speak of. The collector would walk them again and again as they grow: about
a tenth of the CPU of a plan of 10,000 campaigns. Reference counting still frees everything
dropped on the way; what is paused is only the search for cycles, which resumes after.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_freeze_on_resume = False


def one_command_per_process() -> None:
    """Called by the process entry (`vozzoctl ...`): what is built while paused then lives to the
    end of the process, so on resuming it is frozen out of the collector's sight (`gc.freeze`)
    instead of walked again by every collection after. Not set where commands run in a longer
    process (tests), whose objects do not all live that long."""
    global _freeze_on_resume  # noqa: PLW0603 - one switch, set once by the process entry
    _freeze_on_resume = True


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No cycle collection inside; restored as it was on leaving, even on failure. Nests."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if _freeze_on_resume:
                gc.freeze()
            gc.enable()
