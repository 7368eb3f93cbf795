"""Which files are manifests, and how a path is shown: relative to the working folder."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path

from vozzoctl.manifest.diagnostics import Diagnostic, Severity

_MB = 1024 * 1024  # as `ls -lh` and `du -h` count them


MAX_MANIFEST_BYTES = 32 * _MB


YAML_SUFFIXES = (".yaml", ".yml")


DEFAULT_PATH = "campaigns"


def display_path(path: Path) -> str:
    """The path as a user typed it, relative to the working folder when it lies below it."""
    return _display(path, os.getcwd())


@functools.lru_cache(maxsize=65_536)  # a file is shown for every message and campaign it holds
def _display(path: Path, cwd: str) -> str:
    try:
        return path.resolve().relative_to(_resolved_cwd(cwd)).as_posix()
    except ValueError:
        return path.as_posix()


@functools.lru_cache(maxsize=4)
def _resolved_cwd(cwd: str) -> Path:
    return Path(cwd).resolve()


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Manifest files under `paths`, in a stable order, skipping hidden files and folders."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    seen: set[Path] = set()
    for root in paths:
        if root.is_file():
            candidates = [root]
        elif root.is_dir():
            candidates = sorted(
                (
                    p
                    for p in root.rglob("*")
                    if p.suffix.lower() in YAML_SUFFIXES
                    and p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(root).parts)
                ),
                key=lambda p: p.relative_to(root).as_posix(),
            )
        else:
            problems.append(
                _diag(
                    display_path(root),
                    0,
                    0,
                    "",
                    "is not a regular file or folder (a device, pipe or socket)"
                    if root.exists()
                    else "no such file or folder",
                    "give manifests with -f PATH, a file or a folder",
                )
            )
            continue
        for p in candidates:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                found.append(p)
    return found, problems


def _diag(
    file: str, line: int, col: int, fld: str, message: str, hint: str = "", *, warning: bool = False
) -> Diagnostic:
    sev = Severity.WARNING if warning else Severity.ERROR
    return Diagnostic(sev, file, line, col, fld, message, hint)
