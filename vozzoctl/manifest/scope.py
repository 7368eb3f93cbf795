"""What a manifest needs beside itself to be checked: the Defaults that apply to it.

A manifest read alone misses its folder's Defaults, so a check of only the files that changed
(pre-commit passes those) would report what Defaults supply as missing. `with_defaults` widens a
list of changed files to what they need: every file holding a Defaults document in a changed
file's folder or a folder above it (up to `top`), and for a changed Defaults file, its whole
folder, since every manifest below it may change meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

YAML_SUFFIXES = (".yaml", ".yml")
# A document's top-level `kind: Defaults` line, quoted or not; a cheap look, no YAML parse.
_DEFAULTS = re.compile(rb"""^kind:[ \t]*["']?Defaults["']?[ \t]*(?:#.*)?$""", re.MULTILINE)


def holds_defaults(path: Path) -> bool:
    try:
        return bool(_DEFAULTS.search(path.read_bytes()))
    except OSError:
        return False


def _folders_up(folder: Path, top: Path) -> list[Path]:
    """`folder` and the folders above it up to `top`; only `folder` when it is not below `top`."""
    folder = folder.resolve()
    if folder != top and top not in folder.parents:
        return [folder]
    out = [folder]
    while out[-1] != top:
        out.append(out[-1].parent)
    return out


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in YAML_SUFFIXES and p.is_file() and not p.name.startswith(".")
    )


def with_defaults(files: Iterable[Path], top: Path) -> list[Path]:
    """The changed `files`, the Defaults files that apply to them, and the folders of changed
    Defaults files; paths as given or relative to the working folder, without repeats."""
    top = top.resolve()
    out: list[Path] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)

    for f in files:
        if f.is_file() and holds_defaults(f):
            add(f.parent)  # everything a changed Defaults applies to
        add(f)
        for folder in _folders_up(f.parent, top):
            if any(folder == s or s in folder.parents for s in seen if s.is_dir()):
                continue  # already read whole
            for candidate in _yaml_files(folder):
                if holds_defaults(candidate):
                    add(_relative(candidate))
    return out


def _relative(p: Path) -> Path:
    try:
        return p.relative_to(Path.cwd().resolve())
    except ValueError:
        return p
