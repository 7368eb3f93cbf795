"""Campaigns whose calls stay stopped, said first in every rendering of a plan.

A stop's reason is typed by a person and travels through the lockfile into pull-request
comments: it is masked (phone numbers), flattened to one line, cut short, and escaped for
Markdown here, whatever the stop command already refused.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from vozzoctl.plan.pauses import Paused, clean

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&@:])")


def md(text: str) -> str:
    """Inert in GitHub and GitLab Markdown: every character that could start markup escaped."""
    return _MD_SPECIAL.sub(r"\\\1", clean(text))


def _line(p: Paused) -> str:
    return f"{p.key}: {p.campaign_name} ({p.campaign_id}) {p.state.value}: {p.message}"


def _head(paused: Sequence[Paused]) -> str:
    held = [p for p in paused if not p.final]
    keys = len({p.key for p in paused})
    if held:
        return (
            f"CALLS STOPPED: {len(held):,} campaign(s) of {keys:,} key(s) the manifests want "
            "RUNNING stay paused; apply will not restart them"
        )
    return f"CALLS STOPPED: {len(paused):,} campaign(s) of {keys:,} key(s) ended outside vozzoctl"


def text_lines(paused: Sequence[Paused]) -> list[str]:
    if not paused:
        return []
    return [f"!! {_head(paused)}", *(f"   {_line(p)}" for p in paused), ""]


def markdown_lines(paused: Sequence[Paused]) -> list[str]:
    if not paused:
        return []
    lines = [f"> [!CAUTION]\n> **{md(_head(paused))}**", ">"]
    for p in paused:
        lines.append(
            f"> - `{p.key}`: {md(p.campaign_name)} ({md(p.campaign_id)}) "
            f"{p.state.value}: {md(p.message)}"
        )
    return [*lines, ""]


def json_list(paused: Sequence[Paused]) -> list[dict[str, Any]]:
    return [
        {
            "key": p.key,
            "campaign_id": p.campaign_id,
            "campaign_name": p.campaign_name,
            "state": p.state.value,
            "by": p.by,
            "since": p.since,
            "reason": p.reason,
            "final": p.final,
            "message": p.message,
        }
        for p in paused
    ]
