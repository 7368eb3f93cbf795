"""Masking of personal data and secrets, for every message, log line and plan.

A phone number keeps its country code and last four digits (`+91******7890`); the API key never
appears at all.
"""

from __future__ import annotations

import re

import phonenumbers

_E164_LIKE = re.compile(r"\+\d[\d\s().-]{6,20}\d")


def mask_phone(number: str) -> str:
    """`+911234567890` → `+91******7890`. Anything unparseable keeps only its last four digits."""
    digits = re.sub(r"\D", "", number)
    if len(digits) <= 4:
        return "*" * len(digits)
    cc = _country_code(digits) if number.lstrip().startswith("+") else ""
    hidden = len(digits) - len(cc) - 4
    return ("+" + cc if cc else "") + "*" * max(hidden, 1) + digits[-4:]


def _country_code(digits: str) -> str:
    for n in (1, 2, 3):
        if int(digits[:n]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return digits[:n]
    return ""


def mask_phones_in(text: str) -> str:
    """Mask every E.164-looking number inside free text (log lines, API error messages)."""
    return _E164_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


# Any run of nine or more digits, with or without `+`, spaces, dots, hyphens or brackets
# between them, that is not part of a longer word, id, date or time: a phone number as
# people and systems write it (`098200 12345`, `(982) 001-2345`, `919820012345`).
_PHONE_LIKE = re.compile(r"(?<![\w:/.+-])\+?\d(?:[\s().-]{0,2}\d){8,}(?![\w:/-])")


def mask_phone_like_in(text: str) -> str:
    """Mask every phone-like number in free text, `+` or not (call logs, ids, names)."""
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)
