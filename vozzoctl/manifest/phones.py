"""Phone numbers to E.164, checked with `phonenumbers`, fast for numbers already in E.164.

`phonenumbers.parse` costs about 9 µs a number and `is_valid_number` about 8 µs (it looks its
patterns up in `re`'s cache five times a number). Most recipient lists are already E.164: for
those, a country with one region is checked against its patterns compiled once, per length —
the same rule as `is_valid_number` (the general pattern and that of any number type), at under
1 µs, which is what keeps a million-row CSV within its time budget. Countries sharing a code
(+1, +7, +44, ...) ask `phonenumbers`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata

from vozzoctl.pii import mask_phone

_E164 = re.compile(r"\+([1-9][0-9]{6,14})")
_STRIP = str.maketrans("", "", " -.()\u00a0/")


class PhoneError(ValueError):
    """A number that cannot be called; the message is masked and carries a hint."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@lru_cache(maxsize=4096)
def _country(digits3: str) -> tuple[str, Callable[[str], bool] | None] | None:
    """The country code a number's first three digits start with, and its validator."""
    for n in (1, 2, 3):
        cc = int(digits3[:n])
        if cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return str(cc), _validator(cc)
    return None


# the number types, most often called first: a number is valid when any of them matches
_TYPES = (
    "mobile", "fixed_line", "toll_free", "premium_rate", "shared_cost", "voip",
    "personal_number", "pager", "uan", "voicemail",
)  # fmt: skip


@cache
def _validator(cc: int) -> Callable[[str], bool] | None:
    """`is_valid_number` for a country code with one region, from its compiled patterns."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(cc, ())
    if len(regions) != 1 or regions[0] == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        return None
    meta = PhoneMetadata.metadata_for_region(regions[0])
    if meta is None or meta.general_desc is None:
        return None
    by_length: dict[int, re.Pattern[str] | None] = {}

    def patterns(length: int) -> re.Pattern[str] | None:
        general = _pattern_for(meta.general_desc, length)
        kinds = [_pattern_for(getattr(meta, name), length) for name in _TYPES]
        if general is None or not any(kinds):
            return None
        either = "|".join(f"(?:{k})" for k in kinds if k)
        # both at once: the general pattern as a look-ahead over the whole number
        return re.compile(f"(?=(?:{general})$)(?:{either})")

    def valid(national: str) -> bool:
        length = len(national)
        if length not in by_length:
            by_length[length] = patterns(length)
        found = by_length[length]
        return found is not None and found.fullmatch(national) is not None

    return valid


def _pattern_for(desc: phonenumbers.PhoneNumberDesc | None, length: int) -> str | None:
    if desc is None or not desc.national_number_pattern:
        return None
    if desc.possible_length and length not in desc.possible_length:
        return None
    return desc.national_number_pattern


def normalize(raw: str) -> str:
    """`"+91 12345 67890"` → `"+911234567890"`; raises PhoneError (masked) when not callable."""
    m = _E164.fullmatch(raw)  # already E.164, the common case: nothing to strip
    if m is None:
        m = _E164.fullmatch(raw.strip().translate(_STRIP))
    if m is not None:
        digits = m.group(1)
        country = _country(digits[:3])
        if country is not None:
            cc, check = country
            national = digits[len(cc) :]
            if national and national[0] != "0":
                if check is not None:
                    if check(national):
                        return "+" + digits
                    raise _invalid(raw)
                number = phonenumbers.PhoneNumber(
                    country_code=int(cc), national_number=int(national)
                )
                if phonenumbers.is_valid_number(number):
                    return "+" + digits
                raise _invalid(raw)
    return _normalize_slow(raw)


def _normalize_slow(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise PhoneError("is empty", "write the number in E.164, e.g. +911234567890")
    if not any(c.isdigit() for c in text):
        raise PhoneError("is not a phone number", "write the number in E.164, e.g. +911234567890")
    _spreadsheet_or_letters(text)
    if not text.startswith("+"):
        raise PhoneError(
            f"{mask_phone(text)} has no country code",
            "write it in E.164 with + and the country code, e.g. +911234567890",
        )
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as e:
        if e.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            raise PhoneError(
                f"{mask_phone(text)} does not start with a known country code",
                "write + and the country code, e.g. +91 for India, +44 for the UK",
            ) from None
        raise _invalid(raw) from None
    if number.extension:
        raise PhoneError(
            f"{mask_phone(text)} has an extension", "an extension cannot be dialled; remove it"
        )
    if not phonenumbers.is_valid_number(number):
        raise _invalid(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_SCIENTIFIC = re.compile(r"[+-]?[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]+")
# an extension stands after the number's digits, at its end: `+X91...` is letters, not one
_EXTENSION = re.compile(r"(?<=[0-9])[\s.,;-]*(?:ext\.?|x|#)\s*[0-9]+\s*$", re.IGNORECASE)


def _spreadsheet_or_letters(text: str) -> None:
    """The ways a spreadsheet or a placeholder spoils a number, each named (PhoneError)."""
    if text.startswith(("'", "\u2018", "\u2019")):
        raise PhoneError(
            "starts with an apostrophe (a spreadsheet's mark for text)",
            "remove the apostrophe; write the number in E.164, e.g. +911234567890",
        )
    if _SCIENTIFIC.fullmatch(text):
        raise PhoneError(
            "is in a spreadsheet's scientific notation, which has lost its last digits",
            "format the column as text in the spreadsheet, type the numbers again, and export",
        )
    if text.startswith("00") and text.translate(_STRIP).isdigit():
        raise PhoneError(
            f"{mask_phone(text)} starts with 00, an international dialling prefix",
            "write + instead of the 00, e.g. +911234567890",
        )
    if _EXTENSION.search(text):  # refused here: what phonenumbers makes of letters is its own
        raise PhoneError(
            f"{mask_phone(text)} has an extension", "an extension cannot be dialled; remove it"
        )
    if any(c.isalpha() for c in text):
        raise PhoneError(
            f"{mask_phone(text)} holds letters: a placeholder or vanity number?",
            "write every digit of the real number, in E.164, e.g. +911234567890",
        )


def _invalid(raw: str) -> PhoneError:
    return PhoneError(
        f"{mask_phone(raw.strip())} is not a valid phone number",
        "check the digits and the country code; write it in E.164, e.g. +911234567890",
    )
