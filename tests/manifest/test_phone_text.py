"""Phone text is never guessed at: letters are not keypad digits, and a spreadsheet's ways of
spoiling a number each get their own message."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vozzoctl.manifest.phones import PhoneError, normalize

VALID = "+919820012345"


@given(
    at=st.integers(min_value=1, max_value=len(VALID)),
    letters=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=1),
)
@example(at=1, letters="X")  # once read as an extension marker and dropped: +919820012345 dialled
@example(at=2, letters="x")
def test_a_number_with_letters_in_it_is_never_dialled(at: int, letters: str) -> None:
    text = VALID[:at] + letters + VALID[at:]
    with pytest.raises(PhoneError):
        normalize(text)
    with pytest.raises(PhoneError) as raised:
        normalize(VALID[:at] + letters)  # letters in place of the last digits: a placeholder
    assert "9820012345" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("+91 98200 XXXXX", "+91*8200 holds letters: a placeholder or vanity number?"),
        ("+1-800-FLOWERS", "**** holds letters: a placeholder or vanity number?"),
        ("0091 98200 12345", "**********2345 starts with 00, an international dialling prefix"),
        (
            "9.19820E+11",
            "is in a spreadsheet's scientific notation, which has lost its last digits",
        ),
        ("'+919820012345", "starts with an apostrophe (a spreadsheet's mark for text)"),
        ("+91 98200 12345 ext 12", "+91********4512 has an extension"),
        ("+919820012345x12", "+91********4512 has an extension"),
        ("+X919820012345", "+91******2345 holds letters: a placeholder or vanity number?"),
    ],
)
def test_each_spoilt_number_has_its_own_message(text: str, message: str) -> None:
    with pytest.raises(PhoneError) as raised:
        normalize(text)
    assert str(raised.value) == message


def test_a_clean_number_still_reads() -> None:
    assert normalize("+91 98200-12345") == VALID
