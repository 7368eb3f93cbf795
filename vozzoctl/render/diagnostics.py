"""Diagnostics of the manifests as text lines or one JSON document."""

from __future__ import annotations

import json
from collections.abc import Sequence

from vozzoctl.manifest import LoadResult
from vozzoctl.manifest.diagnostics import Diagnostic, Severity

_RED, _YELLOW, _GREEN, _BOLD, _RESET = "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[1m", "\x1b[0m"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def diagnostic_lines(diagnostics: Sequence[Diagnostic], *, color: bool = False) -> list[str]:
    lines = []
    for d in diagnostics:
        text = d.format()
        if color:
            tint = _RED if d.severity is Severity.ERROR else _YELLOW
            text = f"{_BOLD}{d.location}:{_RESET} {tint}{text[len(d.location) + 2 :]}{_RESET}"
        lines.append(text)
    return lines


def summary_line(result: LoadResult, *, color: bool = False) -> str:
    errors, warnings = len(result.errors), len(result.warnings)
    files = _plural(len(result.files), "file")
    if errors:
        text = f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {files}"
        return f"{_RED}{text}{_RESET}" if color else text
    text = (
        f"{files} valid: {_plural(len(result.state), 'campaign')}, "
        f"{_plural(result.state.recipient_count, 'recipient')}"
    )
    if warnings:
        text += f", {_plural(warnings, 'warning')}"
    return f"{_GREEN}{text}{_RESET}" if color else text


def as_json(result: LoadResult) -> str:
    doc = {
        "format_version": 1,
        "valid": result.ok,
        "files": result.files,
        "summary": {
            "errors": len(result.errors),
            "warnings": len(result.warnings),
            "campaigns": len(result.state),
            "recipients": result.state.recipient_count,
        },
        "campaigns": [
            {
                "key": c.key,
                "name": c.settings.campaign_name,
                "source": c.source,
                "recipients": len(c.recipients),
            }
            for c in result.state
        ],
        "diagnostics": [d.as_json() for d in result.diagnostics],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)
