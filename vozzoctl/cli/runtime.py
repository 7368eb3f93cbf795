"""What the commands that talk to the API share: manifests loaded or refused, a client, options."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import click

from vozzoctl.cli.common import Settings, use_color
from vozzoctl.clock import now_ist, today_ist
from vozzoctl.errors import ManifestError, UsageError
from vozzoctl.lockfile import Lockfile
from vozzoctl.manifest import DesiredState, load_desired_state
from vozzoctl.plan.pending import DEFAULT_PENDING_WAIT
from vozzoctl.plan.planner import Options, scope_errors
from vozzoctl.render.diagnostics import diagnostic_lines

T = TypeVar("T")

# Lets tests and `vozzoctl demo` run commands against an in-process emulator: a factory of
# httpx transports, used instead of the network when set.
TransportFactory = Callable[[], Any]
_transport_factory: TransportFactory | None = None


def set_transport_factory(factory: TransportFactory | None) -> None:
    global _transport_factory  # noqa: PLW0603 - one seam, set by the demo and tests
    _transport_factory = factory


def load_manifests(
    paths: tuple[str, ...], s: Settings, *, exclude_noncompliant: bool = False
) -> DesiredState:
    """The desired state, or ManifestError after every problem is printed: nothing is sent."""
    result = load_desired_state(
        list(paths), today=today_ist(), exclude_noncompliant=exclude_noncompliant
    )
    color = use_color(s, sys.stderr)
    for line in diagnostic_lines(result.diagnostics, color=color):
        click.echo(line, err=True)
    if not result.ok:
        n = len(result.errors)
        raise ManifestError(
            f"{n} error{'s' if n != 1 else ''} in the manifests: nothing was sent",
            tuple(result.diagnostics),
            hint="fix them (vozzoctl validate lists them too), then run again",
        )
    return result.state


def check_scope(desired: DesiredState, lock: Lockfile, options: Options) -> None:
    """Refuse --target / --selector that name nothing, before the account is read."""
    errors = scope_errors(desired, lock, options)
    if errors:
        raise UsageError(
            "; ".join(errors),
            hint="check the keys (metadata.name) and labels of the manifests; "
            "`vozzoctl validate` reads them all",
        )


def make_client(s: Settings, wrap: Callable[[Any], Any] | None = None) -> Any:
    """A VozzoClient for the settings; `wrap` (doctor's recorder) wraps its transport."""
    from vozzoctl.api import VozzoClient

    transport = _transport_factory() if _transport_factory is not None else None
    if wrap is not None:
        import httpx

        transport = wrap(transport or httpx.AsyncHTTPTransport())
    return VozzoClient(s.api_url, concurrency=s.concurrency, timeout=s.timeout, transport=transport)


def run_async(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(factory())


def parse_selector(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"--selector {v!r} is not key=value", hint="e.g. --selector team=growth"
            )
        out[key.strip()] = value.strip()
    return out


def make_options(
    *,
    targets: tuple[str, ...],
    selector: tuple[str, ...],
    prune: bool,
    allow_replace: bool,
    max_new_recipients: int,
    exclude_noncompliant: bool = False,
) -> Options:
    return Options(
        now=now_ist(),
        pending_wait=_pending_wait(),
        today=today_ist(),
        allow_replace=allow_replace,
        prune=prune,
        targets=frozenset(targets),
        selector=parse_selector(selector),
        max_new_recipients=max_new_recipients,
        exclude_noncompliant=exclude_noncompliant,
    )


def store_pending_wait(ctx: click.Context, param: click.Parameter, value: int | None) -> None:
    """`--pending-wait SECONDS` (plan and apply): kept on the root context for make_options."""
    if value is not None:
        ctx.find_root().ensure_object(dict)
        ctx.find_root().obj["pending_wait"] = value


def _pending_wait() -> timedelta:
    ctx = click.get_current_context(silent=True)
    value = (ctx.find_root().obj or {}).get("pending_wait") if ctx is not None else None
    return DEFAULT_PENDING_WAIT if value is None else timedelta(seconds=int(value))


async def closing(client: Any, work: Callable[[Any], Awaitable[T]]) -> T:
    async with client:
        return await work(client)
