"""What every command shares: the common options, the settings they make, the error handler.

Common options are accepted both before the command name and after it
(`vozzoctl -v plan` and `vozzoctl plan -v`), as Terraform and kubectl users type them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import click

DEFAULT_API_URL = "https://backend.vozzo.ai"
URL_ENV = "VOZZO_BASE_URL"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Settings:
    """The common options after both places they may be given are merged."""

    api_url: str = DEFAULT_API_URL
    lockfile: str = "vozzo.lock"
    concurrency: int = 8
    timeout: float = 30.0
    verbose: bool = False
    color: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


_COMMON: list[tuple[str, dict[str, Any]]] = [
    # No click `envvar`: the command's own copy of the option would read the environment and
    # overwrite an --api-url given before the command. settings() falls back to it instead.
    ("--api-url", {"help": f"Vozzo API base URL (env {URL_ENV}).", "metavar": "URL"}),
    ("--lockfile", {"help": "Lockfile path (default vozzo.lock).", "metavar": "PATH"}),
    ("--concurrency", {"type": click.IntRange(1, 64), "help": "Parallel API requests (8)."}),
    ("--timeout", {"type": click.FloatRange(0.1, 600), "help": "Seconds per API request (30)."}),
]


def common_options(f: F) -> F:
    """Add the common options to a command or to the group; the values land in `ctx.obj`."""
    for name, kw in reversed(_COMMON):
        f = click.option(name, default=None, expose_value=False, callback=_store, **kw)(f)
    return offline_options(f)


def offline_options(f: F) -> F:
    """The common options of a command that reads no API and no lockfile: -v and --no-color.

    Its help lists only what it uses; the others are still accepted before the command name.
    """
    f = click.option(
        "-v",
        "--verbose",
        is_flag=True,
        default=None,
        expose_value=False,
        callback=_store,
        help="Log each request; show tracebacks.",
    )(f)
    f = click.option(
        "--no-color",
        is_flag=True,
        default=None,
        expose_value=False,
        callback=_store,
        help="No colour (also NO_COLOR).",
    )(f)
    return f


def _store(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if value is None or param.name is None:
        return
    root = ctx.find_root()
    root.ensure_object(dict)
    opts: dict[str, Any] = root.obj.setdefault("options", {})
    opts[param.name] = value


def settings(ctx: click.Context | None = None) -> Settings:
    """The merged common options of the current invocation."""
    ctx = ctx or click.get_current_context()
    root = ctx.find_root()
    opts: dict[str, Any] = (root.obj or {}).get("options", {})
    s = Settings()
    api_url = opts.get("api_url") or os.environ.get(URL_ENV, "").strip()
    if api_url:  # --api-url, before or after the command, beats the environment
        s = replace(s, api_url=str(api_url).rstrip("/"))
    if opts.get("lockfile"):
        s = replace(s, lockfile=str(opts["lockfile"]))
    if opts.get("concurrency"):
        s = replace(s, concurrency=int(opts["concurrency"]))
    if opts.get("timeout"):
        s = replace(s, timeout=float(opts["timeout"]))
    if opts.get("verbose"):
        s = replace(s, verbose=True)
    no_color = bool(opts.get("no_color")) or bool(os.environ.get("NO_COLOR"))
    return replace(s, color=not no_color)


def use_color(s: Settings, stream: Any = None) -> bool:
    """Colour only on a terminal, and never with --no-color or NO_COLOR."""
    stream = stream or sys.stdout
    return s.color and bool(getattr(stream, "isatty", lambda: False)())
