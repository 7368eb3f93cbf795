"""Reading a manifest file and the first checks of each document: size, encoding, YAML,
`${VAR}`, apiVersion and kind; pydantic's errors worded as located diagnostics."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from vozzoctl.manifest import fields, files
from vozzoctl.manifest.defaults import _Origin
from vozzoctl.manifest.diagnostics import closest, suggest
from vozzoctl.manifest.discovery import _MB, MAX_MANIFEST_BYTES, Found, _diag
from vozzoctl.manifest.envsubst import substitute
from vozzoctl.manifest.loading import _Base
from vozzoctl.manifest.yamlio import Document, FieldPath, YamlFile, dotted, read_yaml

# What would be valid, for fields that are missing or wrong.
FIELD_HINTS: dict[str, str] = {
    "apiVersion": "apiVersion: vozzoctl/v1",
    "kind": "kind: Campaign or kind: Defaults",
    "metadata": "metadata: {name: my-campaign}",
    "metadata.name": "a key such as winter-promo-2026",
    "spec": "a mapping with name, agent, schedule, retry and recipients",
    "spec.name": 'the campaign name in Vozzo, e.g. "Winter Promotion 2026"',
    "spec.agent": "the agent's UUID from the Vozzo platform",
    "spec.schedule": "schedule: {start_date: 2026-12-01, start_hour: 9, end_hour: 18}",
    "spec.schedule.start_date": "a date as YYYY-MM-DD, today or later",
    "spec.schedule.start_hour": "a whole hour 0-23, e.g. 9",
    "spec.schedule.end_hour": "a whole hour 0-23 after start_hour, e.g. 18",
    "spec.retry": "retry: {max_attempts: 3}",
    "spec.retry.max_attempts": "a whole number 1-5",
}


class _Reading(_Base):
    def read(self, found: Found, trees: files.Trees) -> YamlFile:
        shown, path = found.shown, found.path
        if trees.escapes(found.real, self.trees.get(shown) or path.parent):
            self.diagnostics.append(
                _diag(
                    shown,
                    0,
                    0,
                    "",
                    "is a symbolic link to a file outside the tree given with -f",
                    "copy the manifest into the tree instead of linking to it",
                )
            )
            return YamlFile(shown, "")
        try:
            raw, size = _read_at_most(path, MAX_MANIFEST_BYTES)
        except OSError as e:
            self.diagnostics.append(_diag(shown, 0, 0, "", f"cannot be read: {e.strerror}"))
            return YamlFile(shown, "")
        if raw is None:
            self.diagnostics.append(
                _diag(
                    shown,
                    0,
                    0,
                    "",
                    f"is {size / _MB:.1f} MB; a manifest holds at most "
                    f"{MAX_MANIFEST_BYTES // _MB} MB",
                    "put long recipient lists in CSV files, listed in spec.recipient_files",
                )
            )
            return YamlFile(shown, "")
        if b"\0" in raw:
            self.diagnostics.append(
                _diag(
                    shown,
                    0,
                    0,
                    "",
                    "is a binary file, not YAML",
                    "move it out of the manifest folders, or rename it without .yaml/.yml",
                )
            )
            return YamlFile(shown, "")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            self.diagnostics.append(
                _diag(shown, line, 0, "", "is not UTF-8 text", "save the file as UTF-8")
            )
            return YamlFile(shown, "")
        if not text.strip():
            self.diagnostics.append(
                _diag(shown, 1, 1, "", "is empty", "write a manifest in it, or delete it")
            )
            return YamlFile(shown, text)
        read = read_yaml(shown, text)
        if not read.diagnostics and all(d.data is None for d in read.documents):
            self.diagnostics.append(
                _diag(
                    shown,
                    1,
                    1,
                    "",
                    "is empty: it holds only comments",
                    "write a manifest in it, or delete it",
                )
            )
        return read

    def header(self, doc: Document) -> str | None:
        data = doc.data
        if not isinstance(data, dict):
            self.at(
                doc,
                (),
                "a manifest document must be a mapping",
                "start with apiVersion: vozzoctl/v1 and kind: Campaign",
            )
            return None

        def unset(path: FieldPath, message: str, hint: str) -> None:
            self.at(doc, path, message, hint)
            doc.trapped.add(path)  # its value is the unresolved text: no second message on it

        # a walk over every value, needed only when the file holds a reference at all
        substituted = substitute(data, self.env, unset) if doc.source.has_references else data
        doc.data = substituted
        version = substituted.get("apiVersion")
        if version != fields.API_VERSION:
            message = "is required" if version is None else f"{version!r} is not supported"
            self.at(doc, ("apiVersion",), message, FIELD_HINTS["apiVersion"])
            return None
        kind = substituted.get("kind")
        if kind not in ("Campaign", "Defaults"):
            message = "is required" if kind is None else f"{kind!r} is not a kind vozzoctl knows"
            self.at(doc, ("kind",), message, FIELD_HINTS["kind"])
            return None
        return str(kind)

    def validate(self, model: type[BaseModel], doc: Document, data: Any, origin: _Origin) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as e:
            errors = e.errors(include_url=False)
            # A misspelt field is reported once, as unknown with its suggestion, not a second
            # time as the field it was meant to be, missing.
            meant = {
                (*_loc(err)[:-1], close)
                for err in errors
                if err["type"] == "extra_forbidden"
                and (close := closest(str(_loc(err)[-1]), _fields_at(model, _loc(err)[:-1])))
            }
            for err in errors:
                if err["type"] == "missing" and _loc(err) in meant:
                    continue
                self.pydantic_error(model, err, doc, origin)
            return None

    def pydantic_error(
        self, model: type[BaseModel], err: Any, doc: Document, origin: _Origin
    ) -> None:
        loc = _loc(err)
        where, path = origin.source(doc, loc)
        kind = err["type"]
        name = dotted(loc)
        if kind == "missing":  # located at the key of the mapping that lacks it
            self.at(where, path, "is required", FIELD_HINTS.get(name, ""), key=True)
        elif kind == "extra_forbidden":
            valid = _fields_at(model, loc[:-1])
            self.at(where, path, "unknown field", suggest(str(loc[-1]), valid), key=True)
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            self.at(where, path, "must be a mapping", FIELD_HINTS.get(name, ""))
        elif kind == "list_type":
            self.at(where, path, "must be a list", FIELD_HINTS.get(name, ""))
        elif kind in ("string_type",):
            self.at(where, path, "must be text; quote it", FIELD_HINTS.get(name, ""))
        elif kind == "literal_error":
            self.at(where, path, f"{err.get('input')!r} is not valid", FIELD_HINTS.get(name, ""))
        else:
            error = err.get("ctx", {}).get("error")
            msg = str(error) if error is not None else str(err["msg"])
            self.at(where, path, msg, getattr(error, "hint", ""))


def _read_at_most(path: Path, cap: int) -> tuple[bytes | None, int]:
    """The file's bytes (None when it holds more than `cap`) and its size: one open and one
    size look-up on the open file (a manifest tree may hold ten thousand files)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        chunks: list[bytes] = []
        read = 0
        while size <= cap and (chunk := os.read(fd, max(size + 1, 65_536))):
            chunks.append(chunk)
            read += len(chunk)
            size = max(size, read)  # a file may grow while it is read
        return (b"".join(chunks) if size <= cap else None), size
    finally:
        os.close(fd)


def _fields_at(model: type[BaseModel], loc: FieldPath) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = getattr(current, "model_fields", {}).get(part)
        if info is None:
            return []
        current = _model_in(info.annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _loc(err: Any) -> FieldPath:
    loc: FieldPath = tuple(err["loc"])
    if loc and loc[-1] in ("function-before", "function-after"):
        loc = loc[:-1]
    return loc
