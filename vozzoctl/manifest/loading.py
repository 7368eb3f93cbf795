"""What every stage of loading shares: the loader's state, the files a manifest may open,
and one way to report a problem at a document's field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from vozzoctl.manifest import files
from vozzoctl.manifest.defaults import Chain, _Defaults
from vozzoctl.manifest.diagnostics import Diagnostic
from vozzoctl.manifest.discovery import _diag, display_path
from vozzoctl.manifest.suppress import Problem as SuppressProblem
from vozzoctl.manifest.suppress import Suppression
from vozzoctl.manifest.yamlio import Document, FieldPath, dotted


class _Base:
    def __init__(self, today: dt.date, env: Mapping[str, str]) -> None:
        self.today = today
        self.env = env
        self.diagnostics: list[Diagnostic] = []
        self.exclude_noncompliant = False
        self.dnc_lists: dict[Path, tuple[Suppression, list[SuppressProblem]]] = {}
        self.trees: dict[str, Path] = {}  # a manifest as shown → the tree given with -f
        self._chains: dict[Path, Chain] = {}

    def chain_of(self, folder: Path, defaults: dict[Path, _Defaults]) -> Chain:
        """The Defaults over the manifests of a (resolved) folder, farthest first: found and
        merged once per folder (a folder may hold many files), in as many look-ups as it is
        deep."""
        chain = self._chains.get(folder)
        if chain is None:
            above = (*reversed(folder.parents), folder)
            chain = self._chains[folder] = Chain([defaults[f] for f in above if f in defaults])
        return chain

    def open_named(self, doc: Document, path: FieldPath, name: str) -> Any:
        """A file named at `path` of `doc`, opened inside its tree, or None (reported)."""
        shown = doc.source.display
        tree = self.trees.get(shown, Path(shown).parent)
        try:
            return files.open_confined(
                name, Path(shown).parent, tree, tree_shown=display_path(tree) or "."
            )
        except files.FileRefused as e:
            self.at(doc, path, f"{files.shown_name(name)}: {e}", e.hint)
            return None

    # -- reporting ----------------------------------------------------------------------------
    def at(
        self,
        doc: Document,
        path: FieldPath,
        message: str,
        hint: str = "",
        *,
        key: bool = False,
        warning: bool = False,
    ) -> None:
        if not key and any(path[: len(t)] == t for t in doc.trapped):
            return  # the YAML reader already named the problem with this value
        line, col = doc.locate(path, key=key)
        self.diagnostics.append(
            _diag(doc.source.display, line, col, dotted(path), message, hint, warning=warning)
        )
