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

from vozzoctl.errors import UsageError

ENV_VAR = "VOZZO_API_KEY"
_TOKEN_PREFIX = re.compile(r"^token(?:\s+|$)", re.IGNORECASE)
KEY_HINT = (
    f"set {ENV_VAR} to the key from the Vozzo platform (the `Token ` prefix is added for you)"
)


class ApiKey:
    """A Vozzo API key, with or without its `Token ` prefix; never shown."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        key = _TOKEN_PREFIX.sub("", value.strip(), count=1)
        if not key:
            raise UsageError("the Vozzo API key is empty", hint=KEY_HINT)
        self._value = key

    def header(self) -> str:
        """The Authorization header's value: `Token <key>`."""
        return f"Token {self._value}"

    def redact(self, text: str) -> str:
        """`text` with the key replaced by `***` (for anything the server might echo back)."""
        return text.replace(self._value, "***")

    @property
    def looks_like_bearer(self) -> bool:
        """`Bearer x` is another scheme's token, not a Vozzo key; used only to word a hint."""
        return self._value[:7].lower() == "bearer "

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


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
