"""Files a manifest names (`recipient_files`, `suppress`), confined to the tree given with -f.

A manifest arrives in a pull request, and whatever vozzoctl says about it is posted back there.
So, like kustomize's default load restrictor, a manifest may name only files in or below the
tree it was given from: no absolute paths, no `..` out of it, no symbolic link that resolves
outside it, regular files only (a device such as /dev/zero never ends, a FIFO never answers),
and no file bigger than a cap. The file is opened without blocking and checked on the open
descriptor, so nothing can be swapped in between the check and the read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MB = 1024 * 1024  # as `ls -lh` and `du -h` count them
MAX_DATA_FILE_BYTES = 256 * MB


class FileRefused(ValueError):
    """A named file that is not read; the message never quotes its content."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Confined:
    """A file found inside the tree: the path to show, and its open descriptor."""

    path: Path
    handle: BinaryIO
    size: int


def tree_of(given: Path) -> Path:
    """The tree a path given with -f stands for: the folder itself, or a file's folder."""
    return given if given.is_dir() else given.parent


def open_confined(
    name: str, base: Path, tree: Path, *, tree_shown: str, cap: int = MAX_DATA_FILE_BYTES
) -> Confined:
    """Open `name` (relative to the folder `base`) for reading, or say why not.

    Raises FileRefused; the caller closes the handle.
    """
    if Path(name).is_absolute() or name.startswith("~"):
        raise FileRefused(
            "is an absolute path",
            f"name files relative to the manifest's folder, in or below {tree_shown!r}",
        )
    root = Path(os.path.abspath(tree))
    path = Path(os.path.abspath(base / name))  # `..` folded as written, links not followed
    if not _within(path, root):
        raise FileRefused(
            f"is not in or below {tree_shown!r}, the folder given with -f",
            "keep recipient and do-not-call files inside the manifests' tree",
        )
    try:
        real = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        raise FileRefused(
            "no such file", "files are named relative to the manifest's folder"
        ) from None
    except (OSError, RuntimeError) as e:  # a link loop, a permission problem
        reason = getattr(e, "strerror", None) or "a symbolic link loop"
        raise FileRefused(f"cannot be read: {reason}", "") from None
    if not _within(real, Path(os.path.realpath(root))):
        raise FileRefused(
            f"is a symbolic link to a file outside {tree_shown!r}, the folder given with -f",
            "copy the file into the manifests' tree instead of linking to it",
        )
    if real.is_dir():
        raise FileRefused("is a folder, not a file", "name a CSV or text file inside it")
    try:
        # NOFOLLOW: a link put in place of the checked file after the check is not followed
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
        fd = os.open(real, flags | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise FileRefused(f"cannot be read: {e.strerror}", "") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FileRefused(
            "is not a regular file (a device, pipe or socket)",
            "name a CSV or text file saved in the repository",
        )
    if info.st_size > cap:
        os.close(fd)
        raise FileRefused(
            f"is {info.st_size / MB:.1f} MB; a file named by a manifest holds at most "
            f"{cap // MB} MB",
            "split it into several files",
        )
    os.set_blocking(fd, True)
    return Confined(path, os.fdopen(fd, "rb"), info.st_size)


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def shown_name(name: str) -> str:
    """A file name from a manifest, for a message: one line, long digit runs masked."""
    from vozzoctl.pii import mask_phones_in

    text = mask_phones_in(name)
    if not text.isprintable() or len(text) > 200:
        text = repr(text[:200])
    return text


class Trees:
    """The trees given with -f, to find which one a discovered manifest lies in and whether it
    is a symbolic link out of it. Each tree's absolute and real path is found once per run."""

    def __init__(self, given: list[Path]) -> None:
        self._trees = [(tree_of(g), os.path.abspath(tree_of(g))) for g in given]
        self._real: dict[Path, str] = {}

    def tree_for(self, absolute: str, fallback: Path) -> Path:
        """The first tree holding the manifest at `absolute` (links not followed), else
        `fallback`."""
        for tree, root in self._trees:
            if _inside(absolute, root):
                return tree
        return fallback

    def escapes(self, real: str, tree: Path) -> bool:
        """Whether a manifest whose real path is `real`, found in `tree`, lies outside it."""
        root = self._real.get(tree)
        if root is None:
            root = self._real[tree] = os.path.realpath(tree)
        return not _inside(real, root)


def _inside(path: str, root: str) -> bool:
    """`_within` for normalised absolute paths as text."""
    return path == root or path.startswith(root.rstrip("/") + "/")
