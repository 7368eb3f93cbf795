"""`kind: Defaults`: merged per folder, farthest first, field by field into mappings; and
where each merged value came from, for messages.

A folder's Defaults are merged once (`Chain`), and each campaign's spec over that: where a
field came from is worked out only when a message needs it (`_Origin`)."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from vozzoctl.manifest import models
from vozzoctl.manifest.yamlio import Document, FieldPath


@dataclass
class _Defaults:
    doc: Document
    spec: dict[str, Any]
    folder: Path


@dataclass
class Chain:
    """The Defaults over a folder's manifests, farthest first, and their specs merged."""

    defaults: list[_Defaults] = field(default_factory=list)

    @cached_property
    def merged(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for d in self.defaults:
            _deep_merge(out, d.spec)
        return out

    @cached_property
    def checked(self) -> dict[str, BaseModel]:
        """The merged schedule and retry, each validated once as a campaign's (the valid ones):
        a campaign that leaves them as they are is given the model, which pydantic takes as it
        is, instead of checking the same mapping again for every campaign of the folder."""
        out: dict[str, BaseModel] = {}
        for name, model in _SHARED_MODELS.items():
            value = self.merged.get(name)
            # not valid: each campaign checks it and reports it where it stands, as before
            if isinstance(value, dict):
                with contextlib.suppress(ValidationError):
                    out[name] = model.model_validate(value)
        return out

    def checked_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        """`spec` (merged over these Defaults) with their mappings it left untouched as models."""
        if not self.checked:
            return spec
        same = {k: m for k, m in self.checked.items() if spec.get(k) is self.merged[k]}
        return {**spec, **same} if same else spec


class _Origin:
    """Which Defaults document a merged field came from, so its errors point there: worked
    out by merging once more, noting where each field came from, when a message asks."""

    def __init__(self, spec: dict[str, Any] | None = None, chain: Chain | None = None) -> None:
        self._spec = spec
        self._chain = chain

    @cached_property
    def table(self) -> dict[FieldPath, Document | None]:  # None: the campaign's own document
        table: dict[FieldPath, Document | None] = {}
        if self._spec is None or self._chain is None:
            return table
        merged: dict[str, Any] = {}
        for d in self._chain.defaults:
            _deep_merge(merged, d.spec, table, d.doc)
        _deep_merge(merged, self._spec, table, None)
        return table

    def source(self, doc: Document, path: FieldPath) -> tuple[Document, FieldPath]:
        table = self.table
        for cut in range(len(path), 1, -1):
            if path[:cut] in table:
                return table[path[:cut]] or doc, path
        return doc, path


def _merge_defaults(spec: dict[str, Any], chain: Chain) -> tuple[dict[str, Any], _Origin]:
    """The campaign's spec over its Defaults, farthest first, field by field into mappings."""
    merged = dict(chain.merged)
    _deep_merge(merged, spec)
    return merged, _Origin(spec, chain)


_MERGED_MAPPINGS = ("schedule", "retry", "metadata")
_SHARED_MODELS: dict[str, type[BaseModel]] = {"schedule": models.Schedule, "retry": models.Retry}
_IMMUTABLE = (str, int, float, dt.date, type(None))  # bool is an int; datetime a date


def _deep_merge(
    into: dict[str, Any],
    src: dict[str, Any],
    origin: dict[FieldPath, Document | None] | None = None,
    doc: Document | None = None,
) -> None:
    """`src` merged over `into`; with `origin`, noting `doc` as where each field came from."""
    for k, v in src.items():
        if k in _MERGED_MAPPINGS and isinstance(v, dict) and isinstance(into.get(k), dict):
            into[k] = mapping = dict(into[k])
            for sub, item in v.items():
                # shared with the Defaults it came from, unless it is a value that cannot change
                mapping[sub] = item if isinstance(item, _IMMUTABLE) else copy.copy(item)
                if origin is not None:
                    origin[("spec", k, sub)] = doc
        else:
            into[k] = v
            if origin is not None:
                origin[("spec", k)] = doc
                if isinstance(v, dict):
                    for sub in v:
                        origin[("spec", k, sub)] = doc
