"""`vozzoctl demo`: the quick start, end to end, on an in-process emulator — no key, no network.

A copy of the example repository (shipped in `vozzoctl/data/example`, identical to
`campaigns.example/`) goes into a temporary folder, its dates shifted so that the earliest
campaign starts tomorrow in IST — so the demo works on any day. Then the real commands run, one
after the other, against an emulator answering through httpx's ASGI transport:

    validate → plan → apply → status → (a recipient added) → plan → apply → plan (no changes)

and, last, the emulator's clock jumps ahead so that `status` shows calls being placed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shlex
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any

from vozzoctl import clock
from vozzoctl.cli import runtime
from vozzoctl.errors import UsageError, VozzoctlError

DEMO_TOKEN = "demo-token"
DEMO_URL = "http://127.0.0.1:8765"  # never dialled: the in-process transport answers
_DATE = re.compile(r"^(?P<lead>\s*(?:start_date|end_date):\s*)(?P<date>\d{4}-\d{2}-\d{2})",
                   re.MULTILINE)  # fmt: skip
_AGENT = re.compile(r"^\s*agent:\s*([0-9a-fA-F-]{36})", re.MULTILINE)
STATE_FILE = "emulator.sqlite"
NEW_LEAD = "+919833078901,MR,Vikram Desai,2026-11-25\n"
LEADS = Path("campaigns/promotions/leads/winter-enquiries.csv")

Say = Callable[[str], None]
Run = Callable[[list[str]], int]


def example() -> Traversable:
    return resources.files("vozzoctl") / "data" / "example"


def copy_example(dest: Path) -> None:
    """Copy the packaged example (a wheel's files or a source tree alike) into `dest`."""

    def walk(src: Traversable, to: Path) -> None:
        to.mkdir(parents=True, exist_ok=True)
        for child in src.iterdir():
            if child.is_dir():
                walk(child, to / child.name)
            else:
                (to / child.name).write_bytes(child.read_bytes())

    walk(example(), dest)


def shift_dates(root: Path, tomorrow: dt.date) -> tuple[int, dt.date]:
    """Move every manifest date by the same number of days, so that the earliest start date
    is `tomorrow`; (days moved, the earliest start date it had)."""
    files = sorted(root.rglob("*.yaml"))
    starts = [
        dt.date.fromisoformat(m["date"])
        for f in files
        for m in _DATE.finditer(f.read_text(encoding="utf-8"))
        if "start_date" in m["lead"]
    ]
    if not starts:
        raise UsageError("the example has no start_date to shift")
    earliest = min(starts)
    delta = tomorrow - earliest

    def moved(m: re.Match[str]) -> str:
        return m["lead"] + (dt.date.fromisoformat(m["date"]) + delta).isoformat()

    for f in files:
        text = f.read_text(encoding="utf-8")
        f.write_text(_DATE.sub(moved, text), encoding="utf-8")
    return delta.days, earliest


def serve_commands(folder: Path, agents: list[str]) -> list[str]:
    """The shell lines that serve a kept demo's state again, at the URL its lockfile names."""
    port = DEMO_URL.rsplit(":", 1)[1]
    serve = ["vozzoctl", "emulator", "serve", "--port", port, "--state-file", STATE_FILE,
             "--token", DEMO_TOKEN]  # fmt: skip
    serve += [a for agent in agents for a in ("--agent", agent)]
    return [
        f"cd {shlex.quote(str(folder))}",
        f"{shlex.join(serve)} &",
        f"export VOZZO_BASE_URL={DEMO_URL} VOZZO_API_KEY={DEMO_TOKEN}",
        "vozzoctl status",
    ]


def agents_of(root: Path) -> list[str]:
    found = {m.lower() for f in root.rglob("*.yaml") for m in _AGENT.findall(f.read_text())}
    return sorted(found)


@contextlib.contextmanager
def _inside(folder: Path, env: dict[str, str]) -> Iterator[None]:
    """cwd and environment for the demo's commands; everything restored afterwards."""
    before_cwd = Path.cwd()
    before_env = {k: os.environ.get(k) for k in env}
    before_transport = getattr(runtime, "_transport_factory", None)
    before_clock = getattr(clock, "_clock", None)
    os.chdir(folder)
    os.environ.update(env)
    try:
        yield
    finally:
        os.chdir(before_cwd)
        for k, v in before_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        runtime.set_transport_factory(before_transport)
        clock.set_clock(before_clock)


@dataclass
class Demo:
    say: Say
    run: Run
    flags: list[str]

    def step(self, lines: list[str], args: list[str], expect: tuple[int, ...] = (0,)) -> None:
        self.say("")
        for line in lines:
            self.say(f"==> {line}")
        self.say(f"$ vozzoctl {' '.join(args)}")
        code = self.run([*args, *self.flags])
        if code not in expect:
            raise VozzoctlError(
                f"the demo stopped: `vozzoctl {' '.join(args)}` exited {code}",
                hint="run it with -v to see why, and report it: the demo should always pass",
            )


def run_demo(keep: str | None, *, say: Say, run: Run, flags: list[str]) -> Path:
    """Run the quick start; the folder it ran in (removed afterwards unless `keep`)."""
    import httpx

    from vozzoctl.emulator import ManualClock, create_app

    if keep is not None:
        folder = Path(keep).resolve()
        if folder.exists() and any(folder.iterdir()):
            raise UsageError(f"--keep {keep}: the folder is not empty", hint="name a new folder")
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix="vozzoctl-demo-"))
    try:
        copy_example(folder)
        start = dt.datetime.now(dt.UTC)
        agents = agents_of(folder)
        state_file = folder / STATE_FILE if keep is not None else None
        app = create_app(
            tokens=[DEMO_TOKEN], agents=agents, clock=ManualClock(start), seed=7,
            state_file=state_file,
        )  # fmt: skip
        env = {"VOZZO_API_KEY": DEMO_TOKEN, "VOZZO_BASE_URL": DEMO_URL}
        with _inside(folder, env):
            runtime.set_transport_factory(lambda: httpx.ASGITransport(app=app))
            clock.set_clock(app.emulator.now)
            tomorrow = clock.today_ist() + dt.timedelta(days=1)
            days, earliest = shift_dates(folder / "campaigns", tomorrow)
            _story(Demo(say, run, flags), days, earliest, tomorrow, app.emulator)
        app.emulator.close()
        if keep is not None:
            say("")
            say(f"The demo's folder is {folder}: manifests, vozzo.lock, and the emulator's")
            say(f"state in {STATE_FILE}. To go on where the demo stopped:")
            for line in serve_commands(folder, agents):
                say(f"  {line}")
    finally:
        if keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return folder


def _until_calls(emulator: Any) -> int:
    """Move the emulator's clock a day at a time until some call has been placed (at most
    three weeks); the days moved."""
    for day in range(1, 22):
        emulator.advance(dt.timedelta(days=1))
        if any(c.get("processed_records") for c in emulator.campaigns()):
            return day
    return 21


def _story(d: Demo, days: int, earliest: dt.date, tomorrow: dt.date, emulator: Any) -> None:
    say = d.say
    say("vozzoctl demo: the quick start on a local Vozzo emulator (no key, no network).")
    say(f"The example campaigns are copied into a fresh folder, their dates moved by {days:+} days")
    say(f"so that the first starts tomorrow, {tomorrow} IST (the example says {earliest}).")
    d.step(["Check the manifests offline: format, values, phone numbers, CSV files."],
           ["validate", "-f", "campaigns"])  # fmt: skip
    d.step(["Compare them with the (empty) account: every API call apply would make."],
           ["plan"])  # fmt: skip
    d.step(["Make the changes. On a terminal apply asks first; --auto-approve is for pipelines",
            "and demos. The lockfile vozzo.lock maps each key to the campaigns it made."],
           ["apply", "--auto-approve"])  # fmt: skip
    d.step(["The live state: nothing is called before its start date."], ["status"])
    with (Path.cwd() / LEADS).open("a", encoding="utf-8") as f:
        f.write(NEW_LEAD)
    d.step([f"A new lead is added to {LEADS}.",
            "A campaign keeps its recipients once created, so the new one goes into a new",
            "batch: 'Winter Follow-up 2026 #2'."],
           ["plan"])  # fmt: skip
    d.step(["Apply it."], ["apply", "--auto-approve"])
    d.step(["Plan again: the account matches the manifests (exit 0 with --detailed-exitcode)."],
           ["plan", "--detailed-exitcode"])  # fmt: skip
    days = _until_calls(emulator)
    d.step([f"Fast-forward: the emulator's clock jumps {days} days, to {clock.today_ist()};",
            "the running campaign has placed calls."],
           ["status"])  # fmt: skip
    say("")
    say("Done. Next: `vozzoctl emulator serve` for a local API that keeps running, or set")
    say("VOZZO_API_KEY and run `vozzoctl whoami` against your Vozzo account.")
