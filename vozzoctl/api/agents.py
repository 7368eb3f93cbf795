"""Campaigns by agent, read strictly: the reads that decide "this campaign does not exist".

`read_agents` reads agents in full, every page with the same `total`, and with `count=True`
the agent's count after its pages as the second witness; `read_agent_until` reads newest first
only as far as the campaigns asked for (no witness: what it does not show is not thereby
free). Answers that disagree are read again, twice at most, then refused.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from vozzoctl.api.mapping import LiveCampaign, live_campaign
from vozzoctl.api.models import AgentCount, Campaign
from vozzoctl.api.shapes import AGENT_PAGE, Page, agent_count, read_page, unexpected
from vozzoctl.api.transport import MAX_PAGE_SIZE, Transport, quote_segment, read_row
from vozzoctl.errors import ApiError, NotFoundError


@dataclass(frozen=True, slots=True)
class AgentCampaigns:
    """The campaigns of a set of agents, read in bulk by `read_agents`."""

    campaigns: dict[str, tuple[LiveCampaign, ...]]  # every agent asked about, newest first
    # Agents whose by-agent read answered 404: an unknown agent, or one without campaigns.
    # `agent_exists` tells the two apart, as `unknown` does when read with the count.
    not_found: frozenset[str]
    unknown: frozenset[str] = frozenset()  # the count endpoint answered 404 (`count=True`)


class AgentReads(Transport):
    """The endpoints by agent: its campaigns (page/page_size) and its count."""

    async def _agent_page(self, agent_uuid: str, page: int, page_size: int) -> Any | None:
        """One page of campaigns-by-agent as it came, or None on 404 (an unknown agent, or one
        without campaigns: the count endpoint tells them apart)."""
        try:
            return await self._get(
                f"/v1alpha/campaigns/agent/{quote_segment(agent_uuid)}",
                params={"page": page, "page_size": page_size},
                not_found=f"agent {agent_uuid!r} not found or without campaigns",
            )
        except NotFoundError:
            return None

    async def _count_or_none(self, agent_uuid: str) -> int | None:
        path = f"/v1alpha/campaigns/agent/{quote_segment(agent_uuid)}/count"
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
        path = f"/v1alpha/campaigns/agent/{quote_segment(agent_uuid)}"
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
                campaign = read_row(Campaign, row, endpoint)
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
        cheaper: bool = False,
    ) -> tuple[LiveCampaign, ...]:
        """The agent's campaigns, newest first, read until every id in `wanted` has been seen
        or the last page: so that campaigns made recently cost a few pages however long the
        agent's history, and old ones a few rounds of requests. Page 1 comes first (or, when
        the agent's `total` is given, as many pages at once as `wanted` fills), then as many
        pages as the ids not yet seen fill, then twice as many each round. With `cheaper`, it
        stops after page 1 when the ids not yet seen are fewer than the pages left: the caller
        reads those one by one (`live_campaign`), for fewer requests. `()` when page 1 answers
        404: the agent is unknown or has no campaigns (`agent_total` tells which).

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
                return await self._read_agent_until_once(
                    agent_uuid, wanted, page_size, first, cheaper
                )
            except _Disagree:
                continue
        try:
            return await self._read_agent_until_once(agent_uuid, wanted, page_size, first, cheaper)
        except _Disagree as e:
            raise e.error from None

    async def _read_agent_until_once(
        self, agent_uuid: str, wanted: frozenset[str], page_size: int, first: int, cheaper: bool
    ) -> tuple[LiveCampaign, ...]:
        endpoint = f"GET /v1alpha/campaigns/agent/{quote_segment(agent_uuid)}"
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
                campaign = _of_agent(read_row(Campaign, row, endpoint), agent_uuid, endpoint)
                seen.setdefault(campaign.campaign_id, campaign)
                missing.discard(campaign.campaign_id)

        take(one)
        if one.size != page_size:  # the service keeps to smaller pages: ask again in its size
            answers = answers[:1]
        for number, data in enumerate(answers[1:], start=2):
            take(_later_agent_page(data, endpoint, one, number, last))
        start = len(answers) + 1
        if cheaper and len(missing) < last - len(answers):
            return tuple(seen.values())
        width = max(2, len(answers), math.ceil(len(missing) / one.size))
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
        path = f"/v1alpha/campaigns/agent/{quote_segment(agent_uuid)}/count"
        data = await self._get(path, not_found=f"agent {agent_uuid!r} not found")
        return self._parse(AgentCount, data, "GET", path)

    async def agent_exists(self, agent_uuid: str) -> bool:
        """Whether the agent exists in the key's organisation (the count endpoint's 404)."""
        try:
            await self.count_by_agent(agent_uuid)
        except NotFoundError:
            return False
        return True


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
