"""The async client of the Vozzo Campaign API (vozzo-api.md): one method per endpoint.

    async with VozzoClient("https://backend.vozzo.ai", api_key_from_env()) as client:
        me = await client.whoami()
        async for row in client.list_campaigns(state=State.RUNNING):
            ...

Requests run at most `concurrency` at a time over pooled keep-alive connections. Reads and
updates are retried (they are idempotent); a create never is, unless the failure proves the
request was not processed — see `_may_retry`. `transport=` is the test seam
(httpx.MockTransport, httpx.ASGITransport over the emulator).
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import math
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import quote, unquote

import httpx
from pydantic import BaseModel, ValidationError

from vozzoctl import __version__
from vozzoctl.api.auth import ApiKey, api_key_from_env, check_base_url
from vozzoctl.api.failures import error_for_status
from vozzoctl.api.mapping import LiveCampaign, create_body, live_campaign
from vozzoctl.api.models import (
    AgentCount,
    Analytics,
    Campaign,
    CampaignSummary,
    CreatedCampaign,
    Identity,
    ScheduledItem,
    ScheduledItemDetail,
)
from vozzoctl.api.retry import RetryPolicy, parse_retry_after
from vozzoctl.api.shapes import (
    AGENT_PAGE,
    ITEM_PAGES,
    LIST_PAGE,
    Page,
    agent_count,
    describe,
    read_page,
    unexpected,
)
from vozzoctl.errors import (
    AmbiguousCreateError,
    ApiError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
)
from vozzoctl.model import Recipient, Settings, State
from vozzoctl.pii import mask_phones_in
from vozzoctl.redact import redact

DEFAULT_BASE_URL = "https://backend.vozzo.ai"
MAX_PAGE_SIZE = 100

log = logging.getLogger("vozzoctl.api")

M = TypeVar("M", bound=BaseModel)
Sleep = Callable[[float], Awaitable[None]]


class _Op(enum.Enum):
    READ = "read"  # GET: idempotent
    UPDATE = "update"  # sets values; sending it twice sets them twice, to the same result
    CREATE = "create"  # makes a campaign each time it is processed


@dataclass(frozen=True, slots=True)
class AgentCampaigns:
    """The campaigns of a set of agents, read in bulk by `read_agents`."""

    campaigns: dict[str, tuple[LiveCampaign, ...]]  # every agent asked about, newest first
    # Agents whose by-agent read answered 404: an unknown agent, or one without campaigns.
    # `agent_exists` tells the two apart, as `unknown` does when read with the count.
    not_found: frozenset[str]
    unknown: frozenset[str] = frozenset()  # the count endpoint answered 404 (`count=True`)


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


def _quote(segment: str) -> str:
    return quote(segment, safe="")


def _short(text: str) -> str:
    """A server's or library's text for a message: secrets and numbers masked, then cut."""
    return mask_phones_in(redact(" ".join(str(text).split())))[:200]


class VozzoClient:
    """An async client of the Vozzo Campaign API. Use as `async with VozzoClient(...) as c:`.

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
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={
                "Authorization": self._key.header(),
                "Accept": "application/json",
                "User-Agent": f"vozzoctl/{__version__}",
            },
            timeout=timeout,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            transport=transport,
            follow_redirects=False,
        )

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

    @property
    def requests_total(self) -> int:
        return sum(self.requests.values())

    # ------------------------------------------------------------------ the request loop

    @staticmethod
    def _may_retry(op: _Op, failure: httpx.TransportError | int) -> bool:
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
            if op is _Op.CREATE:
                return failure == 429
            return failure in (429, 502, 503, 504)
        if isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return True
        return op is not _Op.CREATE

    async def _send(
        self,
        method: str,
        path: str,
        *,
        op: _Op,
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
                    response = await self._http.request(method, path, params=params, json=json)
            except httpx.TransportError as exc:
                ms = (time.perf_counter() - started) * 1000
                if debug:
                    log.debug("%s %s %s %.0fms", method, shown, type(exc).__name__, ms)
                if not self._may_retry(op, exc):
                    if op is _Op.CREATE:
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
            if op is _Op.CREATE and status >= 500:
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
        response = await self._send("GET", path, op=_Op.READ, not_found=not_found, params=params)
        return self._json(response, "GET", path)

    def _json(self, response: httpx.Response, method: str, path: str) -> Any:
        try:
            return response.json()
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
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise ApiError(
                f"unexpected answer from the Vozzo API to {method} {mask_phones_in(path)}: "
                f"{mask_phones_in(problems)}",
                hint="the service may have changed; run with -v and report it",
                method=method,
                path=mask_phones_in(path),
            ) from None

    # ------------------------------------------------------------------ endpoints

    async def whoami(self) -> Identity:
        """`GET /v1alpha/auth/me`; where the service has none (404), the key is checked with
        `GET /v1alpha/campaigns?limit=1` and an Identity with `known=False` comes back."""
        path = "/v1alpha/auth/me"
        try:
            data = await self._get(path, not_found="the API has no auth/me endpoint")
        except NotFoundError:
            await self._get(
                "/v1alpha/campaigns", params={"limit": 1}, not_found="the campaign list"
            )
            return Identity(known=False)
        if not isinstance(data, dict):
            data = {}
        return self._parse(Identity, {**data, "known": True}, "GET", path)

    async def create_campaign(
        self, settings: Settings, recipients: Sequence[Recipient]
    ) -> CreatedCampaign:
        """`POST /v1alpha/campaign`. Raises AmbiguousCreateError when the outcome is unknown."""
        path = "/v1alpha/campaign"
        name = settings.campaign_name
        response = await self._send(
            "POST",
            path,
            op=_Op.CREATE,
            json=create_body(settings, recipients),
            create_name=name,
            not_found=f"agent {settings.agent_uuid!r} not found",
        )
        try:
            data: Any = response.json()
        except ValueError:
            data = None
        # Either {"data": {"campaign_id", ...}} (201) or the older {"campaign_id", ...} (200).
        inner = data.get("data") if isinstance(data, dict) else None
        if isinstance(inner, dict) and "campaign_id" in inner:
            data = inner
        try:
            return CreatedCampaign.model_validate(data)
        except ValidationError:
            # Accepted, but the answer does not say which campaign it made.
            raise AmbiguousCreateError(
                name, f"the API answered {response.status_code} without a campaign id"
            ) from None

    async def update_campaign(self, campaign_id: str, params: Mapping[str, str]) -> Campaign | None:
        """`POST /v1alpha/campaign/update-campaign/{id}/` with the query from
        `mapping.update_params(...)`; the campaign as updated, when the answer carries it."""
        if "campaign_allow_weekends" not in params:
            raise ValueError("campaign_allow_weekends is required on every update")
        path = f"/v1alpha/campaign/update-campaign/{_quote(campaign_id)}/"
        response = await self._send(
            "POST",
            path,
            op=_Op.UPDATE,
            params=params,
            not_found=f"campaign {campaign_id!r} not found",
        )
        data = self._json(response, "POST", path)
        inner = data.get("data") if isinstance(data, dict) else None
        if not isinstance(inner, dict):
            return None
        return self._parse(Campaign, inner, "POST", path)

    async def list_campaigns(
        self, *, state: State | None = None, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[CampaignSummary]:
        """`GET /v1alpha/campaigns`, every page (limit/offset), each campaign once, each page
        read strictly (`shapes.read_page`).

        Newest first: a campaign created while reading shifts later pages by one, so rows
        already seen come round again; they are skipped by id. Every campaign there when the
        read began is still read (a shift repeats rows, it never skips one), so the campaigns
        read must number at least the first page's `total` and at most the last's.
        """
        path = "/v1alpha/campaigns"
        endpoint = f"GET {path}"
        seen: set[str] = set()
        offset = 0
        first: int | None = None
        while True:
            params: dict[str, str | int] = {"limit": page_size, "offset": offset}
            if state is not None:
                params["state"] = State(state).value
            data = await self._get(path, params=params, not_found="the campaign list")
            page = read_page(data, endpoint, (LIST_PAGE,), size=page_size, offset=offset)
            first = page.total if first is None else first
            for row in page.rows:
                summary = _row(CampaignSummary, row, endpoint, "a campaign row")
                if summary.campaign_id not in seen:
                    seen.add(summary.campaign_id)
                    yield summary
            offset += len(page.rows)
            if offset >= page.total:
                break
        if not first <= len(seen) <= page.total:
            raise unexpected(
                endpoint,
                f"{first} to {page.total} distinct campaign(s), as `total` says",
                f"{len(seen)}",
            )

    async def get_campaign(self, campaign_id: str) -> Campaign:
        """`GET /v1alpha/campaign/{id}`."""
        path = f"/v1alpha/campaign/{_quote(campaign_id)}"
        data = await self._get(path, not_found=f"campaign {campaign_id!r} not found")
        return self._parse(Campaign, data, "GET", path)

    async def live_campaign(self, campaign_id: str) -> LiveCampaign:
        """The detail of one campaign, mapped to a LiveCampaign."""
        return live_campaign(await self.get_campaign(campaign_id))

    async def get_analytics(self, campaign_id: str) -> Analytics:
        """`GET /v1alpha/campaigns/analytics/{id}`."""
        path = f"/v1alpha/campaigns/analytics/{_quote(campaign_id)}"
        data = await self._get(path, not_found=f"campaign {campaign_id!r} not found")
        return self._parse(Analytics, data, "GET", path)

    async def _agent_page(self, agent_uuid: str, page: int, page_size: int) -> Any | None:
        """One page of campaigns-by-agent as it came, or None on 404 (an unknown agent, or one
        without campaigns: the count endpoint tells them apart)."""
        try:
            return await self._get(
                f"/v1alpha/campaigns/agent/{_quote(agent_uuid)}",
                params={"page": page, "page_size": page_size},
                not_found=f"agent {agent_uuid!r} not found or without campaigns",
            )
        except NotFoundError:
            return None

    async def _count_or_none(self, agent_uuid: str) -> int | None:
        path = f"/v1alpha/campaigns/agent/{_quote(agent_uuid)}/count"
        try:
            data = await self._get(path, not_found=f"agent {agent_uuid!r} not found")
        except NotFoundError:
            return None
        return agent_count(data, f"GET {path}")

    async def campaigns_by_agent(
        self, agent_uuid: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[Campaign]:
        """`GET /v1alpha/campaigns/agent/{agent}`, every page (page/page_size), each campaign
        once, read strictly. A 404 yields nothing: the agent is unknown or has no campaigns
        (see `agent_exists`)."""
        read = await self._read_agent(agent_uuid, page_size, count=False)
        for campaign in read.campaigns if read is not None else ():
            yield campaign

    async def read_agents(
        self, agents: Iterable[str], *, page_size: int = MAX_PAGE_SIZE, count: bool = False
    ) -> AgentCampaigns:
        """Every campaign of every agent given, as LiveCampaigns, in about one request per
        100 campaigns: agents are read concurrently, and an agent's later pages too.

        Every page is read strictly (`shapes`), and every page must show the same `total` (the
        API only adds campaigns, so nothing was added while they were read). With `count`, each
        agent's count endpoint is read after its pages and must equal the distinct campaigns
        read: the second witness that a name not listed is not there, and one that a list
        lagging behind new campaigns cannot fool. An agent the count answers 404 for is
        in `unknown`. Disagreement (a race with a create, a list that lags) is read again,
        twice at most, then refused with UnexpectedAnswerError.
        """
        unique = list(dict.fromkeys(agents))
        results = await asyncio.gather(*(self._read_agent(a, page_size, count) for a in unique))
        campaigns: dict[str, tuple[LiveCampaign, ...]] = {}
        for a, r in zip(unique, results, strict=True):
            rows = r.campaigns if r is not None else ()
            campaigns[a] = tuple(_of_agent(c, a, r.endpoint if r else "") for c in rows)
        return AgentCampaigns(
            campaigns=campaigns,
            not_found=frozenset(a for a, r in zip(unique, results, strict=True) if not r),
            unknown=frozenset(
                a for a, r in zip(unique, results, strict=True) if r is not None and r.unknown
            ),
        )

    async def _read_agent(self, agent_uuid: str, page_size: int, count: bool) -> _AgentRead | None:
        """None when campaigns-by-agent answered 404 and the count (when asked) agrees."""
        for _ in range(2):
            try:
                return await self._read_agent_once(agent_uuid, page_size, count)
            except _Disagree:
                continue  # the account changed while it was read: once more
        try:
            return await self._read_agent_once(agent_uuid, page_size, count)
        except _Disagree as e:
            raise e.error from None

    async def _read_agent_once(
        self, agent_uuid: str, page_size: int, count: bool
    ) -> _AgentRead | None:
        path = f"/v1alpha/campaigns/agent/{_quote(agent_uuid)}"
        endpoint = f"GET {path}"
        count_endpoint = f"GET {path}/count"
        first = await self._agent_page(agent_uuid, 1, page_size)
        if first is None:
            if not count:
                return None
            counted = await self._count_or_none(agent_uuid)
            if counted is None:
                return _AgentRead(endpoint, (), unknown=True)
            if counted:
                raise _Disagree(
                    unexpected(
                        endpoint,
                        f"the agent's campaigns ({count_endpoint} says {counted})",
                        "404 Not Found",
                        changed=True,
                    )
                )
            return None
        one = read_page(first, endpoint, (AGENT_PAGE,), size=page_size, page=1)
        pages = [one]
        last = max(1, math.ceil(one.total / one.size))
        if last > 1:
            rest = await asyncio.gather(
                *(self._agent_page(agent_uuid, p, one.size) for p in range(2, last + 1))
            )
            for number, data in enumerate(rest, start=2):
                pages.append(_later_agent_page(data, endpoint, one, number, last))
        seen: dict[str, Campaign] = {}
        for page in pages:
            for row in page.rows:
                campaign = _row(Campaign, row, endpoint)
                seen.setdefault(campaign.campaign_id, campaign)
        if len(seen) != one.total:
            raise _Disagree(
                unexpected(
                    endpoint,
                    f"{one.total} distinct campaign(s), as `total` says",
                    f"{len(seen)}",
                )
            )
        if not count:
            return _AgentRead(endpoint, tuple(seen.values()))
        # The second witness, read after every page: a campaign made before it (one the list
        # lags behind, or one made while the pages were read) makes it disagree.
        counted = await self._count_or_none(agent_uuid)
        if counted is None:
            raise _Disagree(
                unexpected(
                    count_endpoint,
                    f"the agent's count ({endpoint} lists campaigns)",
                    "404 Not Found",
                )
            )
        if counted != one.total:
            raise _Disagree(
                unexpected(
                    count_endpoint,
                    f"`total_campaigns` equal to the {one.total} campaign(s) {endpoint} lists",
                    f"{counted}",
                    changed=True,
                )
            )
        return _AgentRead(endpoint, tuple(seen.values()))

    async def agent_total(self, agent_uuid: str) -> int | None:
        """The agent's `total_campaigns` (read strictly), or None when the agent is unknown."""
        return await self._count_or_none(agent_uuid)

    async def read_agent_until(
        self,
        agent_uuid: str,
        wanted: frozenset[str],
        *,
        page_size: int = MAX_PAGE_SIZE,
        total: int | None = None,
    ) -> tuple[LiveCampaign, ...]:
        """The agent's campaigns, newest first, read until every id in `wanted` has been seen
        or the last page: so that campaigns made recently cost a few pages however long the
        agent's history, and old ones a few rounds of requests. The first round asks for as
        many pages as `wanted` fills at least, when the agent's `total` (its count) is given and
        no fewer pages hold it, else page 1; each later round twice as many as the one before.

        Every page is read as strictly as by `read_agents`: its shape, its paging, its rows,
        and the same `total` on every page (else read again, twice at most). What it does not
        do is the count cross-check, which only a read in full can make: a name this read does
        not show is not thereby free (`read_agents(count=True)` decides that).
        """
        first = 1
        if total is not None:  # never a page past the last: an answer not understood
            first = max(1, min(math.ceil(len(wanted) / page_size), math.ceil(total / page_size)))
        for _ in range(2):
            try:
                return await self._read_agent_until_once(agent_uuid, wanted, page_size, first)
            except _Disagree:
                continue
        try:
            return await self._read_agent_until_once(agent_uuid, wanted, page_size, first)
        except _Disagree as e:
            raise e.error from None

    async def _read_agent_until_once(
        self, agent_uuid: str, wanted: frozenset[str], page_size: int, first: int
    ) -> tuple[LiveCampaign, ...]:
        endpoint = f"GET /v1alpha/campaigns/agent/{_quote(agent_uuid)}"
        answers = await asyncio.gather(
            *(self._agent_page(agent_uuid, n, page_size) for n in range(1, first + 1))
        )
        if answers[0] is None:
            return ()
        one = read_page(answers[0], endpoint, (AGENT_PAGE,), size=page_size, page=1)
        last = max(1, math.ceil(one.total / one.size))
        seen: dict[str, LiveCampaign] = {}
        missing = set(wanted)

        def take(page: Any) -> None:
            for row in page.rows:
                campaign = _of_agent(_row(Campaign, row, endpoint), agent_uuid, endpoint)
                seen.setdefault(campaign.campaign_id, campaign)
                missing.discard(campaign.campaign_id)

        take(one)
        if one.size != page_size:  # the service keeps to smaller pages: ask again in its size
            answers = answers[:1]
        for number, data in enumerate(answers[1:], start=2):
            take(_later_agent_page(data, endpoint, one, number, last))
        start = len(answers) + 1
        width = max(2, len(answers))
        while missing and start <= last:
            numbers = range(start, min(last, start + width - 1) + 1)
            got = await asyncio.gather(
                *(self._agent_page(agent_uuid, n, one.size) for n in numbers)
            )
            for number, data in zip(numbers, got, strict=True):
                take(_later_agent_page(data, endpoint, one, number, last))
            start, width = start + width, width * 2
        return tuple(seen.values())

    async def count_by_agent(self, agent_uuid: str) -> AgentCount:
        """`GET /v1alpha/campaigns/agent/{agent}/count`; NotFoundError when the agent is
        unknown."""
        path = f"/v1alpha/campaigns/agent/{_quote(agent_uuid)}/count"
        data = await self._get(path, not_found=f"agent {agent_uuid!r} not found")
        return self._parse(AgentCount, data, "GET", path)

    async def agent_exists(self, agent_uuid: str) -> bool:
        """Whether the agent exists in the key's organisation (the count endpoint's 404)."""
        try:
            await self.count_by_agent(agent_uuid)
        except NotFoundError:
            return False
        return True

    async def list_items(
        self, campaign_id: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[ScheduledItem]:
        """`GET /v1alpha/campaign/{id}/items`, every page, each item once, in the order of
        `campaign_data`.

        Asks with page/page_size; when the answer shows the older draft's limit/offset paging
        (an `offset` field or `scheduled_calls` rows) it continues that way.
        """
        path = f"/v1alpha/campaign/{_quote(campaign_id)}/items"
        endpoint = f"GET {path}"
        seen: set[str] = set()
        page, offset, by_offset = 1, 0, False
        while True:
            params: dict[str, str | int] = (
                {"limit": page_size, "offset": offset}
                if by_offset
                else {"page": page, "page_size": page_size}
            )
            data = await self._get(
                path, params=params, not_found=f"campaign {campaign_id!r} not found"
            )
            got = read_page(data, endpoint, ITEM_PAGES, size=page_size, page=page, offset=offset)
            by_offset = got.shape.style == "offset"
            for row in got.rows:
                item = _row(ScheduledItem, row, endpoint, "a scheduled call")
                if item.scheduled_item_id not in seen:
                    seen.add(item.scheduled_item_id)
                    yield item
            offset += len(got.rows)
            page += 1
            if offset >= got.total:
                break
        if len(seen) != got.total:
            raise unexpected(
                endpoint, f"{got.total} distinct scheduled call(s), as `total` says", f"{len(seen)}"
            )

    async def get_item(self, campaign_id: str, scheduled_item_id: str) -> ScheduledItemDetail:
        """`GET /v1alpha/campaign/{id}/item/{item_id}`: one scheduled call and its call logs."""
        path = f"/v1alpha/campaign/{_quote(campaign_id)}/item/{_quote(scheduled_item_id)}"
        data = await self._get(
            path,
            not_found=f"scheduled call {scheduled_item_id!r} not found in campaign {campaign_id!r}",
        )
        return self._parse(ScheduledItemDetail, data, "GET", path)


class _Disagree(Exception):
    """Two reads of one agent disagree; `error` is what to raise when reading again does not
    settle it."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True, slots=True)
class _AgentRead:
    endpoint: str
    campaigns: tuple[Campaign, ...]
    unknown: bool = False  # the count endpoint answered 404


def _later_agent_page(data: Any, endpoint: str, one: Page, number: int, last: int) -> Page:
    """Page `number` (of `last`) of an agent's campaigns, read as strictly as page 1 (`one`).
    The API only ever adds campaigns: the same total on every page means nothing was added
    meanwhile, so the pages cannot have shifted; a page gone or another total is a change."""
    if data is None:
        raise _Disagree(
            unexpected(
                endpoint,
                f"page {number} of {last} (total {one.total})",
                "404 Not Found",
                changed=True,
            )
        )
    page = read_page(data, endpoint, (AGENT_PAGE,), size=one.size, page=number)
    if page.total != one.total:
        raise _Disagree(
            unexpected(
                endpoint,
                f"the same total on every page ({one.total} on page 1)",
                f"{page.total} on page {number}",
                changed=True,
            )
        )
    return page


def _row(model: type[M], row: dict[str, Any], endpoint: str, what: str = "a campaign") -> M:
    """One row of a list answer, valid as `model`, or UnexpectedAnswerError."""
    try:
        return model.model_validate(row)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:3]
        )
        raise unexpected(
            endpoint,
            f"each row {what} as vozzo-api.md shows ({mask_phones_in(problems)})",
            describe(row),
        ) from None


def _of_agent(campaign: Campaign, agent_uuid: str, endpoint: str) -> LiveCampaign:
    """A campaign read through its agent's endpoint belongs to that agent, even when the row
    omits `agent_id` (a field the docs only assume): adoption by name and agent relies on it.
    A row that names another agent is not understood."""
    try:
        live = live_campaign(campaign)
    except ApiError as e:  # its message names the missing fields, not their values
        lacks = e.message.partition(" lacks ")[2] or "a field"
        raise unexpected(
            endpoint, "each row a full campaign object", f"a row without {lacks}"
        ) from None
    if live.agent_id and live.agent_id.lower() != agent_uuid.lower():
        raise unexpected(endpoint, "rows of the agent asked for", "a row of another agent")
    return live if live.agent_id else dataclasses.replace(live, agent_id=agent_uuid.lower())
