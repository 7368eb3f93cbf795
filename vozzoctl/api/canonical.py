"""Canonical spellings of the values the API accepts in more than one form.

Pure and dependency-free so that the wire models, the mapping and the manifest layer all agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_HOUR = re.compile(r"^\s*(\d{1,2})(?::00(?::00)?)?\s*$")


def canonical_metadata(value: str | Mapping[str, Any] | None) -> str:
    """A recipient's metadata as compact JSON with sorted keys, whatever form it came in.

    The API takes metadata as a JSON *string* and may read it back as a string or as an object;
    both normalise to the same text, so comparing two recipients is comparing two strings.
    A string that is not JSON is kept as it is (there is nothing to normalise).
    """
    if value is None or value == "":
        return "{}"
    if isinstance(value, str):
        try:
            parsed: Any = json.loads(value)
        except ValueError:
            return value
    else:
        parsed = value
    return json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_hour(hour: int) -> str:
    """9 → "09": the API's two-digit hour."""
    if not 0 <= hour <= 23:
        raise ValueError(f"hour {hour} is not 0-23")
    return f"{hour:02d}"


def parse_hour(value: object) -> int:
    """ "09", "9", 9 or "09:00" → 9."""
    if type(value) is str and (known := _HOURS_READ.get(value)) is not None:
        return known  # every campaign read has two: the same few texts, read once each
    hour = _parse_hour(value)
    if type(value) is str and len(_HOURS_READ) < 256:
        _HOURS_READ[value] = hour
    return hour


_HOURS_READ: dict[str, int] = {}


def _parse_hour(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(f"not an hour: {value!r}")
    if isinstance(value, int):
        hour = value
    elif isinstance(value, str) and (m := _HOUR.match(value)):
        hour = int(m.group(1))
    else:
        raise ValueError(f"not an hour: {value!r}")
    if not 0 <= hour <= 23:
        raise ValueError(f"hour {hour} is not 0-23")
    return hour
