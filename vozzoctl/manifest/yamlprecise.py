"""The precise reader: PyYAML's composed nodes (libyaml when present) walked into values,
keeping the line and column of every key and value, refusing duplicate keys, and naming YAML
1.1's traps instead of mis-reading them: an unquoted `010` (octal 8), `08`/`09`,
`yes`/`no`/`on`/`off`, sexagesimal `1:30`, and impossible dates such as `2026-13-45`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from vozzoctl.manifest.diagnostics import Diagnostic, Severity
from vozzoctl.manifest.yamldoc import Document, FieldPath, YamlFile, alias_bomb, dotted
from vozzoctl.pii import mask_phone

try:  # libyaml's parser when PyYAML was built with it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_TAG = "tag:yaml.org,2002:"
_MAX_NODES = 5_000_000
_MAX_DEPTH = 64
# Values the walk may visit again through an alias (yaml-rs has its own bound).
_MAX_REPLAYED_VALUES = 100_000


def read_precise(display: str, text: str) -> YamlFile:
    """PyYAML's nodes walked into values, with every position kept and every trap named."""
    if text.startswith("\ufeff"):
        text = text[1:]
    out = YamlFile(display, text)
    loader = _Loader(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            doc = Document(out, index, None, positions={}, key_positions={})
            if node is not None:
                doc.line = node.start_mark.line + 1
                doc.data = _Walker(loader, doc, out.diagnostics).value(node, ())
            out.documents.append(doc)
            index += 1
    except _Replayed:
        out.diagnostics.append(alias_bomb(display, text))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = (e.problem or e.context or "invalid YAML").strip()
        hint = _yaml_hint(problem, e.context or "", e.context_mark)
        out.diagnostics.append(
            Diagnostic(Severity.ERROR, display, line, col, "", f"invalid YAML: {problem}", hint)
        )
    except yaml.YAMLError as e:  # reader errors (control characters, bad encoding)
        out.diagnostics.append(
            Diagnostic(Severity.ERROR, display, 0, 0, "", f"invalid YAML: {_first_line(e)}")
        )
    finally:
        loader.dispose()
    return out


def _yaml_hint(problem: str, context: str, opened: yaml.Mark | None) -> str:
    if "'\\t'" in problem or "\\t" in problem or "tab character" in problem:
        return "YAML indents with spaces only: replace the tab with spaces"
    if "mapping values are not allowed" in problem:
        return "a value holding ': ' must be quoted"
    flow = {"flow mapping": "{ ... }", "flow sequence": "[ ... ]"}
    for kind, pair in flow.items():
        if kind in context and opened is not None:
            return (
                f"the {pair[0]} at line {opened.line + 1}, column {opened.column + 1} "
                f"is not closed: end it with {pair[-1]}, or quote a value holding {pair[0]}"
            )
    return ""


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


class _Replayed(Exception):
    """Aliases expanded past the bound."""


class _Walker:
    """Turns one document's nodes into Python values, recording positions and traps."""

    def __init__(self, loader: Any, doc: Document, diagnostics: list[Diagnostic]) -> None:
        self.loader = loader
        self.doc = doc
        self.diagnostics = diagnostics
        self.count = 0
        self.stack: set[int] = set()
        self.walked: set[int] = set()  # collections already turned into values once
        self.replaying = 0  # how deep inside an alias's second (or later) expansion
        self.replayed = 0

    def error(self, node: yaml.Node, path: FieldPath, message: str, hint: str = "") -> None:
        m = node.start_mark
        self.doc.trapped.add(path)
        self.diagnostics.append(
            Diagnostic(
                Severity.ERROR,
                self.doc.source.display,
                m.line + 1,
                m.column + 1,
                dotted(path),
                message,
                hint,
            )
        )

    def value(self, node: yaml.Node, path: FieldPath) -> Any:
        self.count += 1
        if self.replaying:
            self.replayed += 1
            if self.replayed > _MAX_REPLAYED_VALUES:
                raise _Replayed
        if self.count > _MAX_NODES or len(path) > _MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                problem="too many nested or repeated values (an alias bomb?)",
                problem_mark=node.start_mark,
            )
        assert self.doc.positions is not None
        self.doc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.stack:
            raise yaml.MarkedYAMLError(
                problem="an alias refers to itself", problem_mark=node.start_mark
            )
        self.stack.add(id(node))
        again = id(node) in self.walked
        self.replaying += again
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
        finally:
            self.stack.discard(id(node))
            self.replaying -= again
            self.walked.add(id(node))
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover

    def mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[Any, Any]:
        # YAML merge keys (<<): PyYAML puts the merged pairs first; a key of the mapping's own
        # (or of a later merge) then overrides them, as YAML specifies, and is no duplicate.
        own = sum(1 for k, _ in node.value if k.tag != _TAG + "merge")
        self.loader.flatten_mapping(node)
        merged = len(node.value) - own
        out: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        overridable: set[Any] = set()
        assert self.doc.key_positions is not None
        for n, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                self.error(key_node, path, "a key must be a plain name, not a list or mapping")
                continue
            key = self.scalar(key_node, path)
            if isinstance(key, dt.date | list | dict) or key is None:
                key = key_node.value
            child = (*path, key if isinstance(key, str | int) else str(key))
            if key in overridable and key in first_seen:
                del first_seen[key]
            if n < merged:
                overridable.add(key)
            else:
                overridable.discard(key)
            if key in first_seen:
                self.error(
                    key_node,
                    child,
                    f"duplicate key {key_node.value!r} (first at line {first_seen[key]})",
                    "keep one of them",
                )
                continue
            first_seen[key] = key_node.start_mark.line + 1
            self.doc.key_positions[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            out[key] = self.value(value_node, child)
        return out

    def scalar(self, node: yaml.ScalarNode, path: FieldPath) -> Any:
        tag, text = node.tag, node.value
        plain = not node.style  # libyaml gives '' for plain, PyYAML None
        if tag == _TAG + "str":
            if plain and re.fullmatch(r"[-+]?0[0-9_]+", text):
                number = int(text.replace("_", ""))
                if _phone_like(text):
                    self.error(
                        node,
                        path,
                        f"{mask_phone(text)} is read as text by YAML 1.1 and as a number by "
                        "YAML 1.2",
                        "quote it; a phone number is written with + and the country code",
                    )
                else:
                    self.error(
                        node,
                        path,
                        f"{text} is read as text by YAML 1.1 and as the number {number} by "
                        "YAML 1.2",
                        f'quote it ("{text}") or write {number}',
                    )
            return text
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "value":  # a plain `=`: text in YAML 1.2, and to anyone reading it
            return text
        if tag == _TAG + "bool":
            if text.lower() not in ("true", "false"):
                self.error(
                    node,
                    path,
                    f"{text} is read by YAML 1.1 as the boolean "
                    f"{str(self.loader.construct_yaml_bool(node)).lower()}",
                    f'write true or false for a yes/no setting, or quote it ("{text}") for text',
                )
                return text
            return text.lower() == "true"
        if tag == _TAG + "int":
            digits = text.lstrip("+-").replace("_", "")
            if ":" in text or (len(digits) > 1 and digits[0] == "0" and digits[1].isdigit()):
                value = self.loader.construct_yaml_int(node)
                kind = "base-60 number" if ":" in text else "octal number"
                if _phone_like(text):
                    self.error(
                        node,
                        path,
                        f"{mask_phone(text)} is read by YAML 1.1 as an {kind}",
                        "quote it; a phone number is written with + and the country code",
                    )
                    return text
                self.error(
                    node,
                    path,
                    f"{text} is read by YAML 1.1 as the {kind} {value}",
                    f'quote it ("{text}"), or write the number without leading zeros',
                )
                return text
            return self.loader.construct_yaml_int(node)
        if tag == _TAG + "float":
            if ":" in text:
                self.error(
                    node, path, f"{text} is read by YAML 1.1 as a base-60 number", "quote it"
                )
                return text
            return self.loader.construct_yaml_float(node)
        if tag == _TAG + "timestamp":
            # Dates stay text, as written, in both readers (yaml-rs reads even a quoted date as a
            # date); fields that want a date parse it, and metadata sends it as written.
            try:
                self.loader.construct_yaml_timestamp(node)
                return text
            except ValueError:
                self.error(
                    node,
                    path,
                    f"{text} is not a real date",
                    "write a date that exists, as YYYY-MM-DD; quote it if it is text",
                )
                return text
        self.error(
            node,
            path,
            f"the YAML tag {tag} is not supported here",
            "remove the tag; write the value plainly",
        )
        return text


def _phone_like(text: str) -> bool:
    """Long enough to be someone's phone number: shown masked, never as written."""
    return sum(c.isdigit() for c in text) >= 7
