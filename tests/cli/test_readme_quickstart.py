"""The README's quick start on a local emulator runs as pasted and prints what the README shows.

Its shell blocks run in bash, in a copy of this repository, with this checkout's `vozzoctl` on
PATH (the block's own venv and `pip install .` lines are left out: this checkout is installed)
and the emulator's port moved to a free one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from vozzoctl.clock import today_ist
from vozzoctl.demo import shift_dates

ROOT = Path(__file__).resolve().parents[2]
SECTION = ("## Quick start on a local emulator", "## Quick start against your account")
INSTALL = re.compile(r"^python3 -m (venv|pip install)\b")


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index(SECTION[0]) : text.index(SECTION[1])]


def fenced(text: str) -> list[tuple[str, str]]:
    """(language, body) of every fenced block, in order."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, re.S | re.M)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_the_quick_start_runs_as_pasted_and_shows_its_output(tmp_path: Path) -> None:
    blocks = [body for lang, body in fenced(section()) if lang == "sh"]
    shown = [body for lang, body in fenced(section()) if lang == ""]
    assert len(blocks) == 2 and len(shown) == 2
    lines = [line for b in blocks for line in b.splitlines() if not INSTALL.match(line)]
    assert len(lines) == sum(len(b.splitlines()) for b in blocks) - 2
    port = free_port()
    script = "set -e\n" + "\n".join(lines).replace("8765", str(port)) + "\nkill %1\n"
    repo = tmp_path / "vozzoctl"
    shutil.copytree(ROOT / "campaigns.example", repo / "campaigns.example")
    example = repo / "campaigns.example" / "campaigns"
    starts = [dt.date.fromisoformat(d) for d in
              re.findall(r"start_date: (\d{4}-\d{2}-\d{2})", "".join(
                  p.read_text() for p in example.rglob("*.yaml")))]  # fmt: skip
    shifted = min(starts) <= today_ist()
    if shifted:  # the example's dates have passed: move them, as the demo does
        shift_dates(example, today_ist() + dt.timedelta(days=1))
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOZZO_")}
    env |= {"NO_COLOR": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"}
    done = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    out = done.stdout.splitlines() + done.stderr.splitlines()
    assert done.returncode == 0, "\n".join(out) + (repo / "emulator.log").read_text()
    for expected in shown:
        for line in expected.splitlines():
            if line.startswith("(the plan again"):
                continue
            # every line shown, word for word; only the summaries once the dates had to move
            if not shifted or line.startswith(("Plan: ", "Apply complete", "No changes")):
                assert line in out, line
    assert (repo / "campaigns.example" / "vozzo.lock").is_file()
