"""The API key and where it may be sent.

The key lives in an `ApiKey` whose repr and str are masked, so it cannot leak through a log
line, an exception or a pretty-printed object by accident; only `header()` reveals it.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from vozzoctl import redact
from vozzoctl.errors import UsageError

ENV_VAR = redact.ENV_VAR
_PRINTABLE = re.compile(r"[!-~]+")  # printable ASCII without the space
KEY_HINT = (
    f"set {ENV_VAR} to the key from the Vozzo platform (the `Token ` prefix is added for you)"
)


class ApiKey:
    """A Vozzo API key, with or without its `Token ` prefix; never shown."""

    __slots__ = ("_redactor", "_value")

    def __init__(self, value: str) -> None:
        key = redact.normalise_key(value)
        if not key:
            raise UsageError("the Vozzo API key is empty", hint=KEY_HINT)
        redact.register(key)
        if not _PRINTABLE.fullmatch(key):
            raise UsageError(_malformed(key), hint=KEY_HINT)
        self._value = key
        self._redactor = redact.Redactor([key])

    def header(self) -> str:
        """The Authorization header's value: `Token <key>`."""
        return f"Token {self._value}"

    def redact(self, text: str) -> str:
        """`text` with the key, in any case or encoding, replaced by `***` (for anything
        the server might echo back); the same redactor guards every output."""
        return self._redactor.redact(redact.redact(text)).replace(self._value, redact.MASK)

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def _malformed(key: str) -> str:
    """Why a key cannot be sent, naming the kind of character, never the key."""
    if key[:7].lower() == "bearer ":
        return "the Vozzo API key looks like a `Bearer` token, not a Vozzo key: nothing was sent"
    if any(c in "\r\n" for c in key):
        what = "a line break (a key pasted with its newline?)"
    elif any(c.isspace() for c in key):
        what = "whitespace"
    elif any(ord(c) > 126 for c in key):
        what = "a character that is not ASCII (a key copied with typographic quotes?)"
    else:
        what = "a control character"
    return f"the Vozzo API key holds {what}: nothing was sent"


def api_key_from_env(environ: Mapping[str, str] | None = None) -> ApiKey:
    """The key from `VOZZO_API_KEY`; a clear error when it is missing or empty."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR, "")
    if not value.strip():
        raise UsageError(f"no Vozzo API key: {ENV_VAR} is not set", hint=KEY_HINT)
    return ApiKey(value)


def is_loopback(host: str) -> bool:
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash, refused when the key would travel in clear text.

    `http://` is allowed only to a loopback address (127.0.0.0/8, ::1, localhost): an
    emulator on this machine. Everything else must be `https://`.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise UsageError(
            f"the API URL {url!r} is not an http(s) URL",
            hint="use https://backend.vozzo.ai, or http://127.0.0.1:PORT for a local emulator",
        )
    if scheme == "http" and not is_loopback(host):
        raise UsageError(
            f"refusing to send the API key over plain http:// to {host}",
            hint="use https://, or http:// only to a loopback address "
            "(127.0.0.1, ::1, localhost) such as a local emulator",
        )
    return url.strip().rstrip("/")
