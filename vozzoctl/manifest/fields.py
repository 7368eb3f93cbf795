"""The values of the manifest format, one type each: every type checks its own value, says
what would be valid (`Invalid`, with a hint) and gives its JSON Schema. The pydantic models
(models.py) are built from them."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from vozzoctl.manifest.compliance import DAYS, PROFILES, Profile, custom_profile
from vozzoctl.model import LANGUAGES
from vozzoctl.pii import mask_phone

API_VERSION = "vozzoctl/v1"
KEY_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
_KEY = re.compile(KEY_PATTERN)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_BATCH_SUFFIX = re.compile(r" #[0-9]+$")
API_MAX_NAME = 255  # the API's limit on campaign_name
MAX_NAME = API_MAX_NAME - len(" #9999")
SETTABLE_STATES = ("TO_START", "RUNNING", "SUSPENDED", "ENDED")
_PHONE_LIKE = re.compile(r"\+?[0-9][0-9 ().-]*[0-9]")
_DATE_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[Tt ]|[ \t]+)[0-9].*")


class Invalid(ValueError):
    """A value that cannot be used, and (the hint) what would be valid instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def _not_bool(v: Any, what: str) -> None:
    if isinstance(v, bool):
        raise Invalid("is true/false, not a number", f"write {what}")


def shown(value: Any) -> str:
    """A value for a message: quoted text, masked when it could be a phone number."""
    text = value if isinstance(value, str) else str(value)
    if _PHONE_LIKE.fullmatch(text.strip()) and sum(c.isdigit() for c in text) >= 7:
        return mask_phone(text)
    return repr(value) if isinstance(value, str) else text


_KEY_HINT = "lower-case letters, digits and '-', starting and ending with a letter or digit"


def _key(v: Any) -> str:
    if not isinstance(v, str):
        raise Invalid("must be text", f"a key such as winter-promo-2026: {_KEY_HINT}")
    if len(v) > 63:
        raise Invalid(f"is {len(v)} characters long; a key has at most 63", "shorten it")
    if not _KEY.fullmatch(v):
        raise Invalid(f"{v!r} is not a valid key", _KEY_HINT)
    return v


def _campaign_name(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError("must be text; quote it")
    if not v.strip():
        raise ValueError("must not be empty")
    if v != v.strip():
        raise ValueError("has spaces at its start or end; remove them")
    # An ASCII name is printable exactly when it holds no control character (category Cc).
    plain = v.isascii() and v.isprintable()
    if not plain and any(unicodedata.category(c) == "Cc" or c in "\u2028\u2029" for c in v):
        raise Invalid(
            "holds a line break, tab or other control character",
            "write the name on one line, with plain spaces",
        )
    if len(v) > MAX_NAME:
        raise Invalid(
            f"is {len(v):,} characters long; a campaign name has at most {MAX_NAME}",
            f"shorten it: the API takes {API_MAX_NAME}, and vozzoctl keeps room for its "
            "' #N' batch suffix",
        )
    if _BATCH_SUFFIX.search(v):
        raise Invalid(
            f"{v!r} ends in ' #<number>', which vozzoctl keeps for its batches",
            "rename it, e.g. without the '#'",
        )
    return v


def _agent(v: Any) -> str:
    if not isinstance(v, str) or not _UUID.fullmatch(v.strip()):
        raise Invalid(
            f"{v!r} is not an agent id" if isinstance(v, str) else "must be text",
            "the agent's UUID from the Vozzo platform, like 619ec26c-4957-4926-70f8-fe7391b3527e",
        )
    return v.strip().lower()


def _state(v: Any) -> str:
    if isinstance(v, str) and v.strip().upper() in SETTABLE_STATES:
        return v.strip().upper()
    if isinstance(v, str) and v.strip().upper() == "COMPLETED":
        raise Invalid(
            "COMPLETED is set by Vozzo when every call is done", "to stop a campaign use ENDED"
        )
    raise Invalid(f"{shown(v)} is not a state", f"use one of {', '.join(SETTABLE_STATES)}")


def _date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        raise Invalid("has a time; a date here is a whole day", f"write {v.date().isoformat()}")
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and (m := _DATE_TIME.fullmatch(v.strip())):
        raise Invalid(f"{v.strip()} has a time; a date here is a whole day", f"write {m[1]}")
    if isinstance(v, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", v.strip()):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            raise Invalid(
                f"{v.strip()} is not a real date", "write a date that exists, as YYYY-MM-DD"
            ) from None
    raise Invalid(f"{shown(v)} is not a date", "write YYYY-MM-DD, e.g. 2026-12-01")


_HOUR_HINT = 'write a whole hour 0-23, e.g. 9 or "09"'


def _hour(v: Any) -> int:
    _not_bool(v, "a whole hour 0-23, e.g. 9")
    if isinstance(v, int):
        hour = v
    elif isinstance(v, str) and re.fullmatch(r"[0-9]{1,2}", v.strip()):
        hour = int(v)
    else:
        raise Invalid(f"{shown(v)} is not a whole hour", _HOUR_HINT)
    if not 0 <= hour <= 23:
        raise Invalid(f"{hour} is not an hour of the day", _HOUR_HINT)
    return hour


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in ("true", "false"):
        return v.strip().lower() == "true"
    raise Invalid(f"{shown(v)} is not true or false", "write true or false")


def _attempts(v: Any) -> int:
    _not_bool(v, "a whole number 1-5")
    if isinstance(v, str) and re.fullmatch(r"[0-9]+", v.strip()):
        v = int(v)
    if not isinstance(v, int):
        raise Invalid(f"{shown(v)} is not a whole number", "write a whole number 1-5")
    if not 1 <= v <= 5:
        raise Invalid(f"{v} is outside 1-5", "the Vozzo API takes 1 to 5 attempts")
    return v


def language(v: Any) -> str:
    if isinstance(v, str) and v.strip().upper() in LANGUAGES:
        return v.strip().upper()
    raise Invalid(f"{shown(v)} is not a supported language", f"one of {' '.join(LANGUAGES)}")


Scalar = str | int | float | bool | None
_METADATA_HINT = "write a mapping, e.g. {customer_name: John Doe}"


def metadata(v: Any) -> dict[str, Scalar]:
    """A mapping of scalars, or a string holding a JSON object of them."""
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except ValueError:
            v = None
        if not isinstance(v, dict):
            raise Invalid("is text that is not a JSON object", _METADATA_HINT)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise Invalid("must be a mapping of names to values", _METADATA_HINT)
    for k, item in v.items():
        if not isinstance(k, str):
            raise Invalid(f"the name {shown(k)} is not text", "quote it")
        if isinstance(item, dict | list):
            kind = "mapping" if isinstance(item, dict) else "list"
            raise Invalid(
                f"{k} holds a {kind}; metadata values are text, numbers or true/false",
                f"flatten it, e.g. {k}_name: ...",
            )
        if isinstance(item, dt.date):
            v[k] = item.isoformat()
        if isinstance(item, float) and not math.isfinite(item):
            raise Invalid(
                f"{k} is {item}, which JSON cannot carry",
                "write a finite number, or quote it to send it as text",
            )
    return v


def _labels(v: Any) -> dict[str, str]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ValueError("must be a mapping, e.g. {team: growth}")
    out: dict[str, str] = {}
    for k, item in v.items():
        if not isinstance(k, str) or isinstance(item, dict | list) or item is None:
            raise ValueError(f"{k}: labels are text names with text values")
        out[k] = str(item).lower() if isinstance(item, bool) else str(item)
    return out


def _json(schema: dict[str, Any]) -> WithJsonSchema:
    return WithJsonSchema(schema)


Key = Annotated[
    str,
    BeforeValidator(_key),
    _json({"type": "string", "pattern": KEY_PATTERN, "maxLength": 63}),
]
CampaignName = Annotated[
    str,
    BeforeValidator(_campaign_name),
    _json(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_NAME,
            "pattern": "^[^\\u0000-\\u001f\\u007f]*$",
            "not": {"pattern": " #[0-9]+$"},
        }
    ),
]
AgentId = Annotated[
    str,
    BeforeValidator(_agent),
    _json({"type": "string", "pattern": "^" + _UUID.pattern + "$"}),
]
StateName = Annotated[
    str,
    BeforeValidator(_state),
    _json({"type": "string", "enum": list(SETTABLE_STATES), "default": "TO_START"}),
]
IsoDate = Annotated[dt.date, BeforeValidator(_date), _json({"type": "string", "format": "date"})]
Hour = Annotated[
    int,
    BeforeValidator(_hour),
    _json(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 23},
                {"type": "string", "pattern": "^[0-9]{1,2}$"},
            ]
        }
    ),
]
Flag = Annotated[bool, BeforeValidator(_bool), _json({"type": "boolean"})]
Attempts = Annotated[
    int, BeforeValidator(_attempts), _json({"type": "integer", "minimum": 1, "maximum": 5})
]
Language = Annotated[
    str,
    BeforeValidator(language),
    _json({"type": "string", "enum": [*LANGUAGES, *(x.lower() for x in LANGUAGES)]}),
]
_SCALAR_SCHEMA = {"type": ["string", "number", "integer", "boolean", "null"]}
Metadata = Annotated[
    dict[str, Scalar],
    BeforeValidator(metadata),
    _json(
        {
            "anyOf": [
                {"type": "object", "additionalProperties": _SCALAR_SCHEMA},
                {"type": "string", "description": "a JSON object, as text"},
            ]
        }
    ),
]
Labels = Annotated[
    dict[str, str],
    BeforeValidator(_labels),
    _json({"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}),
]


def _compliance(v: Any) -> tuple[Profile, ...]:
    if v is None:
        return ()
    if not isinstance(v, list):
        raise Invalid("must be a list", "e.g. compliance: [in-trai, us-tcpa]")
    out: list[Profile] = []
    for item in v:
        if isinstance(item, str) and item.strip().lower() in PROFILES:
            out.append(PROFILES[item.strip().lower()])
        elif isinstance(item, dict):
            unknown = set(item) - {"start", "end", "days"}
            if unknown or "start" not in item or "end" not in item:
                raise Invalid(
                    "a custom profile has start, end and optionally days",
                    'e.g. {start: "09:00", end: "20:00", days: [mon, tue, wed, thu, fri]}',
                )
            try:
                out.append(custom_profile(item["start"], item["end"], item.get("days")))
            except ValueError as e:
                raise Invalid(
                    f"custom profile: {e}", 'times as "HH:MM", days as mon..sun'
                ) from None
        else:
            raise Invalid(
                f"{shown(item)} is not a compliance profile",
                f"one of {', '.join(PROFILES)}, or a custom {{start, end, days}}",
            )
    return tuple(out)


def _paths(v: Any) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise Invalid("must be a list of file paths", "e.g. suppress: [dnc/global.txt]")
    return [x.strip() for x in v]


_PROFILE_SCHEMA = {
    "anyOf": [
        {"type": "string", "enum": list(PROFILES)},
        {
            "type": "object",
            "properties": {
                "start": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"},
                "end": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"},
                "days": {"type": "array", "items": {"enum": list(DAYS)}},
            },
            "required": ["start", "end"],
            "additionalProperties": False,
        },
    ]
}
Compliance = Annotated[
    tuple[Profile, ...],
    BeforeValidator(_compliance),
    _json({"type": "array", "items": _PROFILE_SCHEMA}),
]
PathList = Annotated[
    list[str], BeforeValidator(_paths), _json({"type": "array", "items": {"type": "string"}})
]
