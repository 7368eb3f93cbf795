"""The key never leaves vozzoctl: error bodies, logs, plans and files all pass one redactor,
and a key that cannot be sent is refused before anything is sent."""

from __future__ import annotations

import asyncio
import base64
import json
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TOKEN, Vozzo
from vozzoctl.api import VozzoClient
from vozzoctl.errors import ApiError, UsageError
from vozzoctl.redact import Redactor

KEY = "k-S3cret/key+0042-abcdef"


def pieces(key: str, n: int = 6) -> list[str]:
    """Every run of `n` characters of the key: none may survive in any output."""
    return [key[i : i + n].lower() for i in range(len(key) - n + 1)]


def leaks(text: str, key: str = KEY) -> list[str]:
    low = text.lower()
    return [p for p in pieces(key) if p in low]


def error_from(status: int, body: bytes, *, key: str = KEY) -> ApiError:
    client = VozzoClient(
        "https://vozzo.test",
        key,
        transport=httpx.MockTransport(lambda _: httpx.Response(status, content=body)),
    )

    async def go() -> None:
        async with client:
            await client.whoami()

    with pytest.raises(ApiError) as info:
        asyncio.run(go())
    return info.value


ECHOES = {
    "plain text": f"bad gateway: upstream refused Token {KEY}",
    "upper case": f"INVALID TOKEN {KEY.upper()}",
    "percent-encoded": f"denied: /auth?token={quote(KEY, safe='')}",
    "percent-encoded twice": f"denied: {quote(quote(KEY, safe=''), safe='')}",
    "base64 header": "Authorization: Basic " + base64.b64encode(f"Token {KEY}".encode()).decode(),
    "JSON-escaped": json.dumps({"token": KEY}).replace("/", "\\/"),
    "hex": f"token hex {KEY.encode().hex()}",
}


@pytest.mark.parametrize("body", ECHOES.values(), ids=ECHOES.keys())
@pytest.mark.parametrize("status", [400, 401, 500])
def test_a_non_json_error_body_echoing_the_key_is_masked(status: int, body: str) -> None:
    error = error_from(status, body.encode())
    shown = f"{error.message} {error.hint}"
    assert "***" in shown
    assert not leaks(shown)


def test_a_long_body_is_masked_before_it_is_cut_short() -> None:
    # the key starts at character 190: cut first, then masked, its first 10 characters stayed
    for pad in range(180, 200):
        body = ("x" * pad + " " + KEY + " tail " * 40).encode()
        error = error_from(500, body)
        assert not leaks(error.message), pad


def test_a_json_detail_echoing_the_key_in_upper_case_is_masked() -> None:
    error = error_from(401, json.dumps({"detail": f"Invalid token {KEY.upper()}."}).encode())
    assert "Invalid token ***." in error.message


def test_a_success_answer_that_is_not_json_is_masked() -> None:
    error = error_from(200, f"<html>hello {KEY}</html>".encode())
    assert "not JSON" in error.message and not leaks(error.message)


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("abc123def456\n", None),  # a trailing newline is trimmed, not an error
        ("abc123\ndef456", "a line break"),
        ("abc123\rdef456", "a line break"),
        ("abc123\tdef456", "whitespace"),
        ("abc123 def456", "whitespace"),
        ("abc123déf456", "not ASCII"),
        ("“abc123def456”", "not ASCII"),
        ("abc123\x00def456", "a control character"),
        ("Bearer abc123def456", "`Bearer` token"),
    ],
)
def test_a_key_that_cannot_be_sent_is_refused_before_anything_is_sent(
    key: str, says: str | None
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"user": {}, "organization": {}})

    if says is None:
        VozzoClient("https://vozzo.test", key, transport=httpx.MockTransport(handler))
        return
    with pytest.raises(UsageError) as info:
        VozzoClient("https://vozzo.test", key, transport=httpx.MockTransport(handler))
    assert says in info.value.message and "nothing was sent" in info.value.message
    assert "abc123" not in info.value.message and seen == []


@pytest.mark.parametrize("key", [f"{TOKEN}\nX-Evil: 1", f"{TOKEN}é"])
def test_the_cli_says_one_line_for_a_key_that_cannot_be_sent(
    vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("VOZZO_API_KEY", key)
    r = vozzo.run("whoami")
    assert r.code == 1
    lines = r.err.splitlines()
    assert lines[0].startswith("error: the Vozzo API key holds ") and len(lines) == 2
    assert lines[1].startswith("hint: set VOZZO_API_KEY")
    assert "Traceback" not in r.all and TOKEN not in r.all
    assert vozzo.app.emulator.requests == []


def _outputs(vozzo: Vozzo) -> str:
    """Every file vozzoctl may have written under the campaigns folder."""
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(vozzo.root.rglob("*"))
        if p.is_file() and p.suffix in (".json", ".lock", ".md", "")
    )


@pytest.mark.parametrize(
    "name", [f"Promo {TOKEN}", f"Promo {TOKEN.upper()}", "Promo ${VOZZO_API_KEY}"]
)
def test_a_name_holding_the_key_never_shows_it(vozzo: Vozzo, name: str) -> None:
    vozzo.campaign("promo", name=name)
    seen = []
    for fmt in ("text", "json", "markdown"):
        r = vozzo.run("plan", "-f", "campaigns", "--format", fmt, "-v")
        seen.append(r.all)
    r = vozzo.run("plan", "-f", "campaigns", "--out", "plan.json", "-v")
    seen.append(r.all)
    r = vozzo.run("apply", "-f", "campaigns", "--auto-approve", "-v")
    seen.append(r.all)
    r = vozzo.run("status", "-v")
    seen.append(r.all)
    text = "\n".join(seen) + _outputs(vozzo)
    assert not leaks(text, TOKEN), text
    assert "***" in text or "VOZZO_API_KEY" in text


def test_a_bug_traceback_passes_the_redactor(vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch) -> None:
    from vozzoctl.cli import whoami

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError(f"unexpected {TOKEN}")

    monkeypatch.setattr(whoami, "make_client", boom)
    r = vozzo.run("whoami")
    assert r.code == 1
    assert "RuntimeError: unexpected ***" in r.err and TOKEN not in r.all
    assert r.err.rstrip().endswith("please report it")


ENCODINGS = {
    "raw": lambda k: k,
    "upper": str.upper,
    "lower": str.lower,
    "percent": lambda k: quote(k, safe=""),
    "percent twice": lambda k: quote(quote(k, safe=""), safe=""),
    "json": lambda k: json.dumps(k)[1:-1],
    "json ascii": lambda k: "".join(f"\\u{ord(c):04x}" for c in k),
    "html": lambda k: "".join(f"&#{ord(c)};" for c in k),
    "hex": lambda k: k.encode().hex(),
    "base64": lambda k: base64.b64encode(f"Token {k}".encode()).decode(),
}


@given(
    key=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=12),
    encoding=st.sampled_from(sorted(ENCODINGS)),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
)
def test_any_key_in_any_encoding_is_masked(
    key: str, encoding: str, before: str, after: str
) -> None:
    text = Redactor([key]).redact(before + ENCODINGS[encoding](key) + after)
    assert key not in text and key.lower() not in text.lower()
    for i in range(len(key) - 11):  # not even a long part of it survives
        assert key[i : i + 12] not in text
