"""`kind: Defaults`: merged per folder, farthest first, field by field into mappings; and
where each merged value came from, for messages."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vozzoctl.manifest.yamlio import Document, FieldPath


@dataclass
class _Defaults:
    doc: Document
    spec: dict[str, Any]
    folder: Path


@dataclass
class _Origin:
    """Which Defaults document a merged field came from, so its errors point there."""

    table: dict[FieldPath, Document | None]  # None: the campaign's own document

    def source(self, doc: Document, path: FieldPath) -> tuple[Document, FieldPath]:
        for cut in range(len(path), 1, -1):
            if path[:cut] in self.table:
                return self.table[path[:cut]] or doc, path
        return doc, path


def _merge_defaults(spec: dict[str, Any], chain: list[_Defaults]) -> tuple[dict[str, Any], _Origin]:
    """The campaign's spec over its Defaults, farthest first, field by field into mappings."""
    merged: dict[str, Any] = {}
    origin: dict[FieldPath, Document | None] = {}
    for d in chain:
        _deep_merge(merged, d.spec, ("spec",), origin, d.doc)
    _deep_merge(merged, spec, ("spec",), origin, None)
    return merged, _Origin(origin)


_MERGED_MAPPINGS = ("schedule", "retry", "metadata")
_IMMUTABLE = (str, int, float, dt.date, type(None))  # bool is an int; datetime a date


def _deep_merge(
    into: dict[str, Any],
    src: dict[str, Any],
    path: FieldPath,
    origin: dict[FieldPath, Any],
    doc: Document | None,
) -> None:
    for k, v in src.items():
        here = (*path, k)
        if (
            len(path) == 1
            and k in _MERGED_MAPPINGS
            and isinstance(v, dict)
            and isinstance(into.get(k), dict)
        ):
            into[k] = dict(into[k])
            for sub, item in v.items():
                # shared with the Defaults it came from, unless it is a value that cannot change
                into[k][sub] = item if isinstance(item, _IMMUTABLE) else copy.copy(item)
                origin[(*here, sub)] = doc
        else:
            into[k] = v
            origin[here] = doc
            if isinstance(v, dict):
                for sub in v:
                    origin[(*here, sub)] = doc
