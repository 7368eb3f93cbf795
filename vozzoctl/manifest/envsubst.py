"""`${VAR}` and `${VAR:-default}` in manifest strings; `$${` writes a literal `${`.

Only variables named `VOZZOCTL_VAR_*` are read, as Argo CD reads only `ARGOCD_ENV_*` for its
plugins: a manifest arrives in a pull request, and `${VOZZO_API_KEY}` in a campaign name would
otherwise publish the key in the plan posted back to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

_REF = re.compile(r"\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
PREFIX = "VOZZOCTL_VAR_"
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
        if not name.startswith(PREFIX) or name == PREFIX:
            hint = (
                "vozzoctl's own settings, the API key above all, are never read into a manifest"
                if name.startswith("VOZZO")
                else f"export it as {PREFIX}{name} and write ${{{PREFIX}{name}}}"
            )
            on_error(path, f"${{{name}}}: only variables named {PREFIX}* can be used here", hint)
            return m.group(0)
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
