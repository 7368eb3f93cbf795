"""The output-side redactor: the API key never leaves vozzoctl in anything it writes.

Everything vozzoctl prints (stdout, stderr, `-v` logs, tracebacks) passes through
`RedactingStream`s installed by `redacting_output()`, and every file it writes (plan files,
the lockfile, imported manifests) through `redact()`. Masking at the edge is the second line of
defence: the first is that the key is never put into a message at all. A server, a manifest or
a bug may still put it there, in any case and encoded, so the redactor matches, per character,
the character itself in either case, percent-encoded (also twice), as a JSON `\\u` escape or
an HTML character reference, plus the key's hex and base64 forms.

Pure: no httpx, no click, so the manifest and render layers may use it too.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO

MASK = "***"
ENV_VAR = "VOZZO_API_KEY"
# A shorter "key" would match ordinary words everywhere; such a value is no secret anyway.
MIN_SECRET = 6
_TOKEN_PREFIX = re.compile(r"^token(?:\s+|$)", re.IGNORECASE)
_HTML_NAMED = {"&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "(?:apos|#39)"}


def normalise_key(value: str) -> str:
    """The key as sent after `Token `: surrounding whitespace and the prefix removed."""
    return _TOKEN_PREFIX.sub("", value.strip(), count=1)


def _char(c: str) -> str:
    code = ord(c)
    forms = [re.escape(c), f"%(?:25)*{code:02x}", f"\\\\u{code:04x}", f"&#0*{code};"]
    forms.append(f"&#x0*{code:x};")
    if c in _HTML_NAMED:
        forms.append(f"&{_HTML_NAMED[c]};")
    if c in '"\\/':
        forms.append(re.escape("\\" + c))
    return "(?:" + "|".join(forms) + ")"


def _base64_cores(secret: bytes) -> set[str]:
    """The base64 characters that depend on `secret` alone, at each of the three alignments
    it can have inside a longer encoded text; standard and URL-safe alphabets."""
    cores: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + secret + b"\0\0").decode()
        first = -(-offset // 3) * 4  # the first group holding only secret bytes
        last = (offset + len(secret)) // 3 * 4  # after the last such group
        core = encoded[first:last]
        if len(core) >= 8:
            cores.add(core)
            cores.add(core.replace("+", "-").replace("/", "_"))
    return cores


def _patterns(secret: str) -> list[str]:
    data = secret.encode("utf-8", "surrogatepass")
    out = ["".join(_char(c) for c in secret), re.escape(data.hex())]
    out += [f"(?-i:{re.escape(core)})" for core in sorted(_base64_cores(data))]
    return out


class Redactor:
    """Masks every registered secret in text; `redact` is the identity while none is known."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self._regex: re.Pattern[str] | None = None
        self._literals: tuple[str, ...] = ()
        for s in secrets:
            self.add(s)

    def add(self, secret: str) -> None:
        if len(secret) < MIN_SECRET or secret in self._secrets:
            return
        self._secrets.add(secret)
        patterns = [p for s in sorted(self._secrets, key=len, reverse=True) for p in _patterns(s)]
        self._regex = re.compile("|".join(patterns), re.IGNORECASE)
        data = secret.encode("utf-8", "surrogatepass")
        self._literals += (secret.lower(), data.hex(), *(c.lower() for c in _base64_cores(data)))

    def redact(self, text: str) -> str:
        if self._regex is None or not text:
            return text
        # A cheap test first: every form but the raw, hex and base64 ones needs one of
        # `%`, `\` or `&`; those three are found as plain substrings of the lower-cased text.
        if "%" not in text and "\\" not in text and "&" not in text:
            low = text.lower()
            if not any(lit in low for lit in self._literals):
                return text
        return self._regex.sub(MASK, text)


_current = Redactor()


def register(secret: str) -> None:
    """From now on, mask `secret` (and its encodings) in everything vozzoctl writes."""
    _current.add(secret)


def register_env_key(environ: Mapping[str, str] | None = None) -> None:
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR, "")
    if value.strip():
        register(normalise_key(value))
        register(value.strip())


def redact(text: str) -> str:
    """`text` with every registered secret replaced by `***`."""
    return _current.redact(text)


def write_private(path: str | os.PathLike[str], text: str) -> None:
    """A new file holding personal data (phone numbers, recorded answers): created 0600, never
    over an existing one, with the key masked. Git keeps only the executable bit, so a commit
    of such a file is unaffected."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(fd, "w", encoding="utf-8", newline="") as f:
        f.write(redact(text))


class RedactingStream(io.TextIOBase):
    """A text stream that masks secrets in each write before passing it on.

    It has no `buffer`, on purpose: click writes to a stream's binary buffer when it finds one,
    which would go around the redactor.
    """

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self._inner = inner

    def write(self, s: str | bytes) -> int:
        # click writes bytes (shell completion scripts) to a stream it finds no buffer on
        text = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        self._inner.write(redact(text))
        return len(s)

    def __del__(self) -> None:  # the inner stream is not ours to flush or close
        pass

    def flush(self) -> None:
        if not self.closed:
            self._inner.flush()

    def isatty(self) -> bool:
        return self._inner.isatty()

    def fileno(self) -> int:
        return self._inner.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._inner, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._inner, "errors", None)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self._inner, name)


@contextlib.contextmanager
def redacting_output(environ: Mapping[str, str] | None = None) -> Iterator[None]:
    """For one command: a fresh redactor that knows the key in the environment, and
    stdout and stderr replaced by redacting streams; everything restored afterwards."""
    global _current  # noqa: PLW0603 - one redactor per command run
    saved = (_current, sys.stdout, sys.stderr)
    _current = Redactor()
    register_env_key(environ)
    sys.stdout = RedactingStream(sys.stdout)
    sys.stderr = RedactingStream(sys.stderr)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        _current, sys.stdout, sys.stderr = saved
