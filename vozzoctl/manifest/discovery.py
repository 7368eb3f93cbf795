"""Which files are manifests, and how a path is shown: relative to the working folder."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Found:
    """A manifest file found under a path given with -f, with what is known of it from the walk.

    `real` is the file's real path (symbolic links resolved) and `folder` its folder's; both
    come from the walk itself: below a given folder the walk follows no link to a folder, so a
    file that is no link itself lies at the given folder's real path plus its own relative path.
    Only a file that is a link is resolved on its own.
    """

    path: Path  # as it was found: the path given, joined with the path below it
    shown: str  # as messages show it
    absolute: str  # os.path.abspath(path): `..` folded as written, links not followed
    real: str  # os.path.realpath(path)
    folder: Path  # path.parent, resolved


def discover(paths: Iterable[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Manifest files under `paths`, in a stable order, skipping hidden files and folders."""
    found, problems = discover_found(paths)
    return [f.path for f in found], problems


def discover_found(paths: Iterable[Path]) -> tuple[list[Found], list[Diagnostic]]:
    """`discover`, with each file's real path, folder and shown name found on the way: one
    walk of each folder, and no look-up of links per file unless the file is one."""
    found: list[Found] = []
    problems: list[Diagnostic] = []
    seen: set[str] = set()
    cwd = _resolved_cwd(os.getcwd()).as_posix()
    for root in paths:
        if root.is_file():
            candidates = [_one_file(root, cwd)]
        elif root.is_dir():
            candidates = _walk(root, cwd)
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
        for f in candidates:
            if f.real not in seen:
                seen.add(f.real)
                found.append(f)
    return found, problems


def _one_file(path: Path, cwd: str) -> Found:
    real = os.path.realpath(path)
    folder = Path(os.path.realpath(path.parent))
    return Found(path, _shown(path, real, cwd), os.path.abspath(path), real, folder)


def _walk(root: Path, cwd: str) -> list[Found]:
    """Every manifest below the folder `root`, sorted by its path below it. As `rglob` does, it
    enters no link to a folder and no folder it may not read; it skips hidden names."""
    absolute = os.path.abspath(root)
    real_root = os.path.realpath(root)
    files: list[tuple[str, bool]] = []  # (path below root, is a link)
    pending = [""]
    while pending:
        below = pending.pop()
        try:
            with os.scandir(os.path.join(absolute, below)) as entries:
                listed = list(entries)
        except PermissionError:
            continue
        for entry in listed:
            name = entry.name
            if name.startswith("."):
                continue
            rel = f"{below}/{name}" if below else name
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(rel)
                elif _suffix(name).lower() in YAML_SUFFIXES and entry.is_file():
                    files.append((rel, entry.is_symlink()))
            except OSError:
                continue
    files.sort()
    out = []
    folders: dict[str, Path] = {}
    for rel, link in files:
        path = root / rel
        real = os.path.realpath(path) if link else os.path.join(real_root, rel)
        parent = rel.rpartition("/")[0]
        folder = folders.get(parent)
        if folder is None:
            folder = folders[parent] = Path(real_root, parent)
        shown = _shown(path, real, cwd)
        out.append(Found(path, shown, os.path.join(absolute, rel), real, folder))
    return out


def _suffix(name: str) -> str:
    """`Path(name).suffix`, without making a Path."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def _shown(path: Path, real: str, cwd: str) -> str:
    """`display_path(path)`, given the path's real path and the working folder's."""
    prefix = cwd.rstrip("/") + "/"
    return real[len(prefix) :] if real.startswith(prefix) else path.as_posix()


def _diag(
    file: str, line: int, col: int, fld: str, message: str, hint: str = "", *, warning: bool = False
) -> Diagnostic:
    sev = Severity.WARNING if warning else Severity.ERROR
    return Diagnostic(sev, file, line, col, fld, message, hint)
