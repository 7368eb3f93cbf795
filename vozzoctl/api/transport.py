"""How every request to the Vozzo API is sent: the connection pool, the concurrency limit,
retries and their limits, and the mapping of failures to vozzoctl's errors.

Requests run at most `concurrency` at a time over pooled keep-alive connections. Reads and
updates are retried (they are idempotent); a create never is, unless the failure proves the
request was not processed — see `Transport._may_retry`. `transport=` is the test seam
(httpx.MockTransport, httpx.ASGITransport over the emulator). The endpoints are in `reads`,
`agents` and `writes`; `client.VozzoClient` puts them together.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote, unquote

import httpx
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from vozzoctl import __version__
from vozzoctl.api.auth import ApiKey, api_key_from_env, check_base_url
from vozzoctl.api.connections import PooledTransport
from vozzoctl.api.failures import error_for_status
from vozzoctl.api.retry import RetryPolicy, parse_retry_after
from vozzoctl.api.shapes import describe, unexpected
from vozzoctl.errors import (
    AmbiguousCreateError,
    ApiError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from vozzoctl.pii import mask_phones_in
from vozzoctl.redact import redact

DEFAULT_BASE_URL = "https://backend.vozzo.ai"
MAX_PAGE_SIZE = 100

log = logging.getLogger("vozzoctl.api")

M = TypeVar("M", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]


class Op(enum.Enum):
    READ = "read"  # GET: idempotent
    UPDATE = "update"  # sets values; sending it twice sets them twice, to the same result
    CREATE = "create"  # makes a campaign each time it is processed


class _Shown:
    """A request's path and query as logs and messages show them, made on first use."""

    __slots__ = ("_params", "_path", "_text")

    def __init__(self, path: str, params: Mapping[str, str | int] | None) -> None:
        self._path, self._params, self._text = path, params, ""

    def __str__(self) -> str:
        if not self._text:
            url = str(httpx.URL(self._path, params=self._params or None))
            self._text = mask_phones_in(unquote(url))
        return self._text


def quote_segment(segment: str) -> str:
    return quote(segment, safe="")


def _short(text: str) -> str:
    """A server's or library's text for a message: secrets and numbers masked, then cut."""
    return mask_phones_in(redact(" ".join(str(text).split())))[:200]


class _NoCookies(httpx.Cookies):
    """A cookie jar that stays empty: nothing the API sets is kept or sent back."""

    def extract_cookies(self, response: httpx.Response) -> None:
        pass

    def __bool__(self) -> bool:
        return False


class _Client(httpx.AsyncClient):
    """httpx's client without cookies. The API authenticates each request by its key alone;
    httpx would read every answer for cookies to keep (a tenth of its CPU per request)."""

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise TypeError("the Vozzo API client keeps no cookies")


_NO_COOKIES = _NoCookies()


class Transport:
    """The request loop every endpoint goes through (`VozzoClient` is the one to use).

    `api_key` defaults to `VOZZO_API_KEY`; it may carry the `Token ` prefix or not.
    `sleep` and `rng` are the retry loop's clock and dice, injectable for tests.
    `requests` counts the requests sent (each retry too) by method.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: ApiKey | str | None = None,
        *,
        concurrency: int = 8,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.base_url = check_base_url(base_url)
        if api_key is None:
            api_key = api_key_from_env()
        self._key = api_key if isinstance(api_key, ApiKey) else ApiKey(api_key)
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._semaphore = asyncio.Semaphore(concurrency)
        self.requests: Counter[str] = Counter()
        if not isinstance(timeout, httpx.Timeout):
            timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        plain = self.base_url.lower().startswith("http:")  # a loopback emulator: no TLS to set up
        self._http = _Client(
            base_url=self.base_url,
            headers={
                "Authorization": self._key.header(),
                "Accept": "application/json",
                "User-Agent": f"vozzoctl/{__version__}",
            },
            timeout=timeout,
            limits=limits,
            transport=transport or PooledTransport(limits, tls=not plain),
            follow_redirects=False,
        )
        self._urls: dict[str, httpx.URL] = {}

    def __repr__(self) -> str:
        return f"VozzoClient({self.base_url!r}, api_key={self._key!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _url(self, path: str) -> httpx.URL:
        """The absolute URL of `path` under the base URL, as httpx makes it, made once per
        path: joining it anew cost a twentieth of a request's CPU."""
        url = self._urls.get(path)
        if url is None:
            if len(self._urls) >= 1024:  # paths that name a campaign come and go
                self._urls.clear()
            url = self._urls[path] = self._http.build_request("GET", path).url
        return url

    @property
    def requests_total(self) -> int:
        return sum(self.requests.values())

    @staticmethod
    def _may_retry(op: Op, failure: httpx.TransportError | int) -> bool:
        """Whether a failed attempt may be sent again.

        Reads and updates: on any transport failure and on the policy's statuses (429, 502,
        503, 504) — sending them twice does no harm.

        A create makes a campaign, and so real phone calls, each time the service processes
        it, and the service has no idempotency key. It is sent again only when the failure
        proves the service did not process it:
          - ConnectError / ConnectTimeout / PoolTimeout: no connection was made, so not one
            byte of the request left this machine;
          - 429: the service answered that it refused the request (rate limited), i.e. it
            looked at it and did not act on it.
        Anything else after the request may have left — a read timeout, a dropped connection,
        a 5xx (the service may fail after committing) — is ambiguous: never re-sent.
        """
        if isinstance(failure, int):
            if op is Op.CREATE:
                return failure == 429
            return failure in (429, 502, 503, 504)
        if isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return True
        return op is not Op.CREATE

    async def _send(
        self,
        method: str,
        path: str,
        *,
        op: Op,
        not_found: str,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        create_name: str | None = None,
    ) -> httpx.Response:
        """Send one request with retries; a 2xx answer or the mapped error."""
        policy = self.retry
        # What logs and messages show: decoded, so that an escaped number is masked too.
        # Made only when needed: it costs as much as a tenth of a request's own CPU.
        shown = _Shown(path, params)
        debug = log.isEnabledFor(logging.DEBUG)
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                async with self._semaphore:
                    self.requests[method] += 1
                    request = self._http.build_request(
                        method, self._url(path), params=params, json=json
                    )
                    response = await self._http.send(request)
            except httpx.TransportError as exc:
                ms = (time.perf_counter() - started) * 1000
                if debug:
                    log.debug("%s %s %s %.0fms", method, shown, type(exc).__name__, ms)
                if not self._may_retry(op, exc):
                    if op is Op.CREATE:
                        assert create_name is not None
                        raise AmbiguousCreateError(
                            create_name, f"{type(exc).__name__} after the request was sent"
                        ) from exc
                    raise self._transport_error(method, shown, exc, attempt) from exc
                delay = policy.backoff(attempt, self._rng)
                if attempt >= policy.max_attempts or waited + delay > policy.max_total_wait:
                    raise self._transport_error(method, shown, exc, attempt) from exc
                waited += delay
                await self._sleep(delay)
                continue
            ms = (time.perf_counter() - started) * 1000
            status = response.status_code
            if debug:
                log.debug("%s %s %d %.0fms", method, shown, status, ms)
            if 200 <= status < 300:
                return response
            if op is Op.CREATE and status >= 500:
                assert create_name is not None
                raise AmbiguousCreateError(
                    create_name, f"the API answered {status} after the request was sent"
                )
            if status not in policy.retry_statuses or not self._may_retry(op, status):
                raise self._status_error(response, method, shown, not_found)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            delay = retry_after if retry_after is not None else policy.backoff(attempt, self._rng)
            if attempt >= policy.max_attempts or waited + delay > policy.max_total_wait:
                error = self._status_error(response, method, shown, not_found)
                if isinstance(error, RateLimitedError | ServerError):
                    error.message = (
                        f"{error.message} ({attempt} attempts"
                        + (f", Retry-After {retry_after:g}s" if retry_after is not None else "")
                        + ")"
                    )
                    error.args = (error.message,)
                raise error
            waited += delay
            await self._sleep(delay)

    def _status_error(
        self, response: httpx.Response, method: str, shown: _Shown, not_found: str
    ) -> ApiError:
        return error_for_status(
            response.status_code,
            response.content,
            method=method,
            path=str(shown),
            not_found=not_found,
            redact=self._key.redact,
        )

    def _transport_error(
        self, method: str, shown: _Shown, exc: httpx.TransportError, attempts: int
    ) -> TransportError:
        kind = type(exc).__name__
        detail = _short(str(exc))
        return TransportError(
            f"no answer from the Vozzo API at {self.base_url} to {method} {shown}: "
            f"{kind}{': ' + detail if detail else ''} ({attempts} attempt"
            f"{'s' if attempts != 1 else ''})",
            hint="check --api-url and the network; raise --timeout if the API is slow",
            method=method,
            path=str(shown),
        )

    async def _get(
        self,
        path: str,
        *,
        not_found: str,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        response = await self._send("GET", path, op=Op.READ, not_found=not_found, params=params)
        return self._json(response, "GET", path)

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        try:
            # pydantic's own JSON reader (jiter): the same values as json.loads, in about half
            # its time, which a page of 100 campaigns spends mostly making keys again
            return from_json(response.content)
        except ValueError:
            raise ApiError(
                f"the Vozzo API answered {method} {mask_phones_in(path)} with something not "
                f"JSON: {_short(response.text)!r}",
                status=response.status_code,
                method=method,
                path=mask_phones_in(path),
            ) from None

    @staticmethod
    def _parse(model: type[M], data: Any, method: str, path: str) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise ApiError(
                f"unexpected answer from the Vozzo API to {method} {mask_phones_in(path)}: "
                f"{_problems(exc, 5)}",
                hint="the service may have changed; run with -v and report it",
                method=method,
                path=mask_phones_in(path),
            ) from None


def read_row(model: type[M], row: dict[str, Any], endpoint: str, what: str = "a campaign") -> M:
    """One row of a list answer, valid as `model`, or UnexpectedAnswerError."""
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        raise unexpected(
            endpoint, f"each row {what} as vozzo-api.md shows ({_problems(exc, 3)})", describe(row)
        ) from None


def _problems(exc: ValidationError, shown: int) -> str:
    """The first `shown` problems pydantic found, as `field.path: message`, numbers masked."""
    return mask_phones_in(
        "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:shown])
    )
