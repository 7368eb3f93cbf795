"""`${VAR}` and `${VAR:-default}` in manifest strings; `$${` writes a literal `${`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_REF = re.compile(r"\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_BAD = re.compile(r"(?<!\$)\$\{(?![A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\})")

FieldPath = tuple[str | int, ...]


def substitute(
    value: Any,
    env: Mapping[str, str],
    on_error: Callable[[FieldPath, str, str], None],
    path: FieldPath = (),
) -> Any:
    """A copy of `value` with every reference in every string replaced."""
    if isinstance(value, str):
        return _one(value, env, on_error, path) if "${" in value else value
    if isinstance(value, dict):
        return {k: substitute(v, env, on_error, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, env, on_error, (*path, i)) for i, v in enumerate(value)]
    return value


def _one(
    text: str,
    env: Mapping[str, str],
    on_error: Callable[[FieldPath, str, str], None],
    path: FieldPath,
) -> str:
    if _BAD.search(text):
        on_error(
            path,
            "a ${ reference is not closed or not a variable name",
            "write ${NAME} or ${NAME:-default}; $${ writes a literal ${",
        )
        return text

    def repl(m: re.Match[str]) -> str:
        if m.group(1):  # $${...}: literal
            return m.group(0)[1:]
        name, default = m.group(2), m.group(3)
        if name in env:
            return env[name]
        if default is not None:
            return default
        on_error(
            path,
            f"environment variable {name} is not set",
            f"set {name}, or give a default: ${{{name}:-value}}",
        )
        return m.group(0)

    return _REF.sub(repl, text)
