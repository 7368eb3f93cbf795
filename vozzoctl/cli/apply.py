"""`vozzoctl apply`: make the live account match the manifests, recording in the lockfile."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from vozzoctl import applying, engine, lockfile
from vozzoctl.cli.common import Settings, common_options, settings
from vozzoctl.cli.plan import PLAN_KIND, emit, plan_options
from vozzoctl.cli.runtime import (
    check_scope,
    load_manifests,
    make_client,
    make_options,
    run_async,
)
from vozzoctl.clock import now_ist
from vozzoctl.errors import PlanError, StalePlanError, UsageError
from vozzoctl.plan.model import Action, Plan
from vozzoctl.plan.planner import Options
from vozzoctl.recorder import Recorder
from vozzoctl.render.plan import plan_json


@click.command()
@click.argument("planfile", required=False, type=click.Path(dir_okay=False))
@plan_options
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds to wait for another apply on the same lockfile.",
)
@common_options
def apply(
    planfile: str | None,
    paths: tuple[str, ...],
    targets: tuple[str, ...],
    selector: tuple[str, ...],
    prune: bool,
    allow_replace: bool,
    max_new_recipients: int,
    exclude_noncompliant: bool,
    auto_approve: bool,
    lock_timeout: float,
) -> int:
    """Make the live Vozzo account match the manifests.

    Plans first and asks before it changes anything (on a terminal; elsewhere it needs
    --auto-approve). Given a saved plan (`plan --out FILE`), it does exactly that plan, or
    nothing when anything it read has changed since. The lockfile is written after every
    successful call, so an interrupted apply is finished by the next one.

    \b
    Example:
      vozzoctl apply -f campaigns
      vozzoctl plan -f campaigns --out plan.json && vozzoctl apply plan.json
      vozzoctl apply -f campaigns --auto-approve        # in a deploy pipeline
    """
    s = settings()
    saved: dict[str, Any] | None = None
    if planfile:
        _refuse_plan_flags(planfile)
        saved = _read_planfile(Path(planfile), s)
        opts = saved["options"]
        paths = tuple(opts["paths"])
        options = make_options(
            targets=tuple(opts["targets"]),
            selector=tuple(f"{k}={v}" for k, v in opts["selector"].items()),
            prune=bool(opts["prune"]),
            allow_replace=bool(opts["allow_replace"]),
            max_new_recipients=int(opts["max_new_recipients"]),
            exclude_noncompliant=bool(opts.get("exclude_noncompliant", False)),
        )
    else:
        options = make_options(
            targets=targets,
            selector=selector,
            prune=prune,
            allow_replace=allow_replace,
            max_new_recipients=max_new_recipients,
            exclude_noncompliant=exclude_noncompliant,
        )
    desired = load_manifests(paths, s, exclude_noncompliant=options.exclude_noncompliant)
    path = Path(s.lockfile)
    with lockfile.LockfileLock(path, lock_timeout, on_wait=_say_waiting):
        lock = lockfile.load(path, s.api_url)
        check_scope(desired, lock, options)
        if saved is not None:
            engine.check_fresh(saved, desired, lock)
        return _plan_and_apply(s, desired, lock, options, saved, auto_approve)


def _say_waiting(message: str) -> None:
    click.echo(message, err=True)


# The flags that shape a plan; a saved plan carries its own, so any of them with a plan file
# would be silently ignored (or worse, believed).
_PLAN_FLAGS = {
    "paths": "-f/--file",
    "targets": "--target",
    "selector": "--selector",
    "prune": "--prune",
    "allow_replace": "--allow-replace",
    "max_new_recipients": "--max-new-recipients",
    "exclude_noncompliant": "--exclude-noncompliant",
    "pending_wait": "--pending-wait",
}


def _refuse_plan_flags(planfile: str) -> None:
    ctx = click.get_current_context()
    given = [
        flag
        for name, flag in _PLAN_FLAGS.items()
        if ctx.get_parameter_source(name) not in (None, ParameterSource.DEFAULT)
    ]
    if given:
        raise UsageError(
            f"apply {planfile} does the saved plan as it was made: {', '.join(given)} "
            "cannot change it",
            hint="drop the flag, or make a new plan with it: vozzoctl plan ... --out FILE",
        )


def _read_planfile(path: Path, s: Settings) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such plan file", hint="make one with plan --out") from None
    except ValueError:
        raise UsageError(f"{path}: is not a plan file", hint="make one with plan --out") from None
    if not isinstance(doc, dict) or doc.get("kind") != PLAN_KIND:
        raise UsageError(f"{path}: is not a vozzoctl plan", hint="make one with plan --out")
    if doc.get("format_version") != 1:
        raise UsageError(
            f"{path}: plan format_version {_shown(doc.get('format_version'))}; "
            "this vozzoctl reads version 1",
            hint="make the plan again with this vozzoctl: vozzoctl plan --out FILE",
        )
    problem = _plan_shape(doc)
    if problem:
        raise UsageError(
            f"{path}: is not a complete vozzoctl plan: {problem}",
            hint="make it again with plan --out; do not edit a saved plan",
        )
    if doc.get("api_url") != s.api_url:
        raise StalePlanError(
            f"{path} was made for {doc.get('api_url')}, not {s.api_url}",
            hint="apply it with the same --api-url / VOZZO_BASE_URL it was made with",
        )
    if doc.get("lockfile") != s.lockfile:
        raise StalePlanError(
            f"{path} was made with the lockfile {doc.get('lockfile')}, not {s.lockfile}",
            hint="pass the same --lockfile",
        )
    return doc


_OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "paths": (list,),
    "targets": (list,),
    "selector": (dict,),
    "prune": (bool,),
    "allow_replace": (bool,),
    "max_new_recipients": (int,),
}


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, int | float) else type(value).__name__


def _plan_shape(doc: dict[str, Any]) -> str | None:
    """What a plan file lacks, named by field and type (never by value), or None."""
    for name in ("api_url", "lockfile"):
        if not isinstance(doc.get(name), str):
            return f"{name} is missing or not text"
    opts = doc.get("options")
    if not isinstance(opts, dict):
        return "options is missing or not a mapping"
    for name, types in _OPTION_TYPES.items():
        value = opts.get(name)
        if not isinstance(value, types) or (name == "max_new_recipients" and value is True):
            return f"options.{name} is missing or not a {types[0].__name__}"
    if not all(isinstance(p, str) for p in opts["paths"] + opts["targets"]):
        return "options.paths and options.targets must hold text"
    if not all(isinstance(v, str) for v in [*opts["selector"], *opts["selector"].values()]):
        return "options.selector must map text to text"
    if not isinstance(opts.get("exclude_noncompliant", False), bool):
        return "options.exclude_noncompliant is not a bool"
    inputs = doc.get("inputs")
    if not isinstance(inputs, dict) or not isinstance(inputs.get("live"), dict):
        return "inputs is missing or incomplete"
    if not isinstance(doc.get("plan"), dict):
        return "plan is missing or not a mapping"
    return None


def _plan_and_apply(
    s: Settings,
    desired: Any,
    lock: lockfile.Lockfile,
    options: Options,
    saved: dict[str, Any] | None,
    auto_approve: bool,
) -> int:
    async def work() -> int:
        async with make_client(s) as client:
            made, live = await engine.plan(client, desired, lock, options)
            if saved is not None:
                engine.check_live_fresh(saved, made, live)
                if plan_json(made) != saved["plan"]:
                    raise StalePlanError(
                        "plan is stale: planned again now, it differs from the saved plan",
                        hint="run vozzoctl plan again and apply the new plan",
                    )
            else:
                emit(made, "text", s)
            if not made.safe:
                made.raise_if_unsafe()
            _say_paused(made)
            if not made.has_changes and not any(k.forget for k in made.keys):
                recorder = Recorder(Path(s.lockfile), lock, now_ist, desired)
                for k in made.keys:
                    recorder.declare(k)
                await recorder.flush()
                click.echo("Nothing to apply.", err=True)
                return 0
            if made.calls:
                await applying.check_can_write(client)
            if saved is None and not auto_approve and not _confirm(made):
                return 1
            recorder = Recorder(Path(s.lockfile), lock, now_ist, desired)
            done = 0

            with _progress(made) as say:

                def counted(line: str) -> None:
                    nonlocal done
                    done += ": failed: " not in line
                    say(line)

                try:
                    result = await applying.apply(client, made, recorder, progress=counted)
                except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels, then re-raises
                    _interrupted(done, s.lockfile)
                    raise
            return _report(made, result, recorder.lock)

    return run_async(work)


def _say_paused(made: Plan) -> None:
    """Paused campaigns stay paused: said on stderr too, where a deploy log shows it."""
    if made.held:
        keys = sorted({p.key for p in made.paused if not p.final})
        click.echo(
            f"warning: {made.held:,} campaign(s) of {', '.join(keys)} stay paused: apply does "
            f"not restart calls paused outside vozzoctl or by stop; `vozzoctl resume KEY` does",
            err=True,
        )


def _interrupted(done: int, lockfile_path: str) -> None:
    click.echo(
        f"Interrupted: {done} operation(s) done, each recorded in {lockfile_path} as it "
        "succeeded. Run `vozzoctl apply` again to finish the rest: a create that was in "
        "flight was recorded first, and is looked for before anything is sent again (the "
        "plan may ask you to wait a few minutes, until the API's lists would show it).",
        err=True,
    )


def _confirm(made: Plan) -> bool:
    if not sys.stdin.isatty():
        raise PlanError(
            "there is no terminal to ask for confirmation",
            hint="review the plan and pass --auto-approve, or apply a saved plan file",
        )
    n = len(made.changes)
    try:
        if click.confirm(f"Apply {n} change{'s' if n != 1 else ''}?", default=False, err=True):
            return True
    except click.exceptions.Abort:  # Ctrl-C or end of input at the question
        click.echo("", err=True)
    click.echo("Nothing was changed.", err=True)
    return False


@contextlib.contextmanager
def _progress(made: Plan) -> Iterator[applying.Progress]:
    """A progress bar on a terminal; plain lines in CI logs."""
    if not sys.stderr.isatty():
        yield lambda line: click.echo(f"  {line}", err=True)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    total = sum(len(k.operations) for k in made.keys)
    columns = (
        TextColumn("applying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=total)

        def say(line: str) -> None:
            bar.console.print(f"  {line}", highlight=False, markup=False)
            bar.update(task, advance=1, description=line.split(":", maxsplit=1)[0])

        yield say


# The plan's actions, as done: the summary of an apply uses the words its plan used.
DONE_WORDS = {
    Action.CREATE: "created",
    Action.ADOPT: "adopted",
    Action.REPLACE: "replaced",
    Action.APPEND: "appended",
    Action.END: "ended",
    Action.UPDATE: "updated",
}


def done_counts(made: Plan, result: applying.ApplyResult) -> str:
    """`1 appended, 2 updated`: the keys whose every operation succeeded, by the plan's action."""
    ok = {r.key for r in result.results if not r.failed}
    counts = Counter(k.action for k in made.changes if k.key in ok)
    parts = [f"{counts[a]} {w}" for a, w in DONE_WORDS.items() if counts[a]]
    return ", ".join(parts) or "nothing changed"


def _report(made: Plan, result: applying.ApplyResult, lock: lockfile.Lockfile) -> int:
    failed = [r for r in result.results if r.failed]
    for r in failed:
        click.echo(f"error: {r.key}: {r.failed}", err=True)
        for line in r.not_done[1:]:
            click.echo(f"  not done: {r.key}: {line}", err=True)
    for line in result.not_converged:
        click.echo(f"error: did not converge: {line}", err=True)
    summary = (
        f"Apply {'complete' if result.ok else 'incomplete'}: {done_counts(made, result)}; "
        f"{result.calls} API call(s); lockfile serial {lock.serial}."
    )
    if failed:
        summary += (
            f" {len(failed)} key(s) failed, with what they did recorded;"
            " run apply again once the cause is fixed."
        )
    click.echo(summary)
    return 0 if result.ok else 1
