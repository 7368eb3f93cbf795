"""`vozzoctl doctor`: every read endpoint, called on the account's own data, checked.

The checks are the client's own strict readers (`vozzoctl.api.shapes`, the models, the
mapping): an answer passes here exactly when plan and apply can rely on it. Then the answers
are compared with each other, as the engine relies on them agreeing:

    auth/me            200 with a `permissions` list, or 404 (the list checks the key instead)
    campaigns          a small page size read page by page, then every page at full size
    campaign detail    up to three campaigns: the object plan maps; its name and agent agree
                       with the list row
    analytics          one campaign
    by agent + count   every agent seen, strictly (pages, totals, the count as second witness);
                       each agent's campaigns equal the list rows of that agent
    items + one item   one campaign with calls: every page (as plan reads them), and one call

Nothing is written. A result names the endpoint and what differs (keys and types, never
values). Pure of the CLI: returns a Report that the command renders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from vozzoctl.api import VozzoClient
from vozzoctl.api.client import MAX_PAGE_SIZE
from vozzoctl.api.models import CampaignSummary, ScheduledItem
from vozzoctl.errors import ApiError, AuthError, TransportError

T = TypeVar("T")
SMALL_PAGE = 2
SMALL_PAGES = 3  # pages read at the small size: enough to see paging work
SMALL_READ_MAX = 40  # read a whole list at the small size only when it is this short
DETAILS = 3


@dataclass(frozen=True, slots=True)
class Result:
    endpoint: str
    ok: bool
    said: str  # "ok", a note on an ok answer, or what differs


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def differences(self) -> list[Result]:
        return [r for r in self.results if not r.ok]

    def add(self, endpoint: str, said: str = "ok", *, ok: bool = True) -> None:
        self.results.append(Result(endpoint, ok, said))


async def _first(source: AsyncIterator[T], n: int) -> list[T]:
    out: list[T] = []
    async for x in source:
        out.append(x)
        if len(out) >= n:
            break
    return out


async def _all(source: AsyncIterator[T]) -> list[T]:
    return [x async for x in source]


async def _check(report: Report, endpoint: str, work: Callable[[], Awaitable[T]]) -> T | None:
    """Run one read; an answer unlike what vozzoctl relies on is a difference, not a crash.
    A rejected key or no answer at all stops the doctor: nothing further can be learnt."""
    try:
        return await work()
    except (AuthError, TransportError):
        raise
    except ApiError as e:
        report.add(endpoint, e.message, ok=False)
        return None


async def examine(client: VozzoClient) -> Report:
    report = Report()
    await _auth_me(client, report)
    rows = await _campaign_list(client, report)
    if not rows:
        why = "holds no campaign to read" if rows is not None else "could not be read"
        for endpoint in (
            "GET /v1alpha/campaign/{id}",
            "GET /v1alpha/campaigns/analytics/{id}",
            "GET /v1alpha/campaigns/agent/{agent}",
            "GET /v1alpha/campaigns/agent/{agent}/count",
            "GET /v1alpha/campaign/{id}/items",
            "GET /v1alpha/campaign/{id}/item/{item}",
        ):
            report.add(endpoint, f"not checked: the campaign list {why}")
        return report
    await _details(client, report, rows)
    await _check_ok(
        report,
        "GET /v1alpha/campaigns/analytics/{id}",
        lambda: client.get_analytics(rows[0].campaign_id),
    )
    await _by_agent(client, report, rows)
    await _items(client, report, rows)
    return report


async def _check_ok(report: Report, endpoint: str, work: Callable[[], Awaitable[Any]]) -> None:
    before = len(report.results)
    await _check(report, endpoint, work)
    if len(report.results) == before:
        report.add(endpoint)


async def _auth_me(client: VozzoClient, report: Report) -> None:
    endpoint = "GET /v1alpha/auth/me"
    me = await _check(report, endpoint, client.whoami)
    if me is None:
        return
    if not me.known:
        report.add(endpoint, "ok: 404, no identity endpoint (the key was checked by the list)")
    elif not me.permissions:
        report.add(
            endpoint,
            "no `permissions` list: apply cannot tell a read-only key before it writes",
            ok=False,
        )
    else:
        access = "may write" if me.can_write else "read-only"
        report.add(endpoint, f"ok ({access} key)")


async def _campaign_list(client: VozzoClient, report: Report) -> list[CampaignSummary] | None:
    small = f"GET /v1alpha/campaigns (limit {SMALL_PAGE}, paged by offset)"
    got = await _check(
        report,
        small,
        lambda: _first(client.list_campaigns(page_size=SMALL_PAGE), SMALL_PAGE * SMALL_PAGES),
    )
    if got is not None:
        report.add(small)
    endpoint = f"GET /v1alpha/campaigns (limit {MAX_PAGE_SIZE}, every page)"
    rows = await _check(report, endpoint, lambda: _all(client.list_campaigns()))
    if rows is None:
        return None
    if (
        got is not None
        and [r.campaign_id for r in got] != [r.campaign_id for r in rows][: len(got)]
    ):
        report.add(endpoint, "the small pages and the full read list other campaigns", ok=False)
        return rows
    report.add(endpoint, f"ok ({len(rows)} campaign(s))")
    return rows


async def _details(client: VozzoClient, report: Report, rows: list[CampaignSummary]) -> None:
    endpoint = "GET /v1alpha/campaign/{id}"
    problems: list[str] = []
    for row in rows[:DETAILS]:
        live = await _check(report, endpoint, lambda row=row: client.live_campaign(row.campaign_id))  # type: ignore[misc]
        if live is None:
            return
        if row.campaign_name is not None and live.name != row.campaign_name:
            problems.append(
                f"campaign {row.campaign_id}: `campaign_config.campaign_name` differs from "
                "the list row's `campaign_name`"
            )
        if not live.agent_id:
            problems.append(
                f"campaign {row.campaign_id}: no `agent_id` (adoption by name and agent needs it)"
            )
        elif row.agent_id and live.agent_id != row.agent_id.lower():
            problems.append(f"campaign {row.campaign_id}: `agent_id` differs from the list row's")
    if problems:
        report.add(endpoint, "; ".join(problems), ok=False)
    else:
        report.add(endpoint, f"ok ({min(len(rows), DETAILS)} read)")


async def _by_agent(client: VozzoClient, report: Report, rows: list[CampaignSummary]) -> None:
    endpoint = "GET /v1alpha/campaigns/agent/{agent}"
    count_endpoint = "GET /v1alpha/campaigns/agent/{agent}/count"
    agents = sorted({r.agent_id.lower() for r in rows if r.agent_id})
    listed: dict[str, set[str]] = {}
    for r in rows:
        if r.agent_id:
            listed.setdefault(r.agent_id.lower(), set()).add(r.campaign_id)
    if not agents:
        report.add(
            endpoint,
            "no list row carries `agent_id`: vozzoctl cannot tell which agents to read",
            ok=False,
        )
        return
    counts = await _check(
        report,
        count_endpoint,
        lambda: _all_counts(client, agents),
    )
    if counts is not None:
        missing = [a for a, c in counts.items() if c is None]
        off = [a for a, c in counts.items() if c is not None and c != len(listed[a])]
        if missing:
            report.add(
                count_endpoint,
                f"`total_campaigns` missing or not an integer for {len(missing)} agent(s)",
                ok=False,
            )
        elif off:
            report.add(
                count_endpoint,
                "; ".join(
                    f"agent {a}: `total_campaigns` is {counts[a]}, while the list shows "
                    f"{len(listed[a])} campaign(s)"
                    for a in off
                ),
                ok=False,
            )
        else:
            report.add(count_endpoint, f"ok ({len(agents)} agent(s))")
    read = await _check(report, endpoint, lambda: client.read_agents(agents, count=True))
    if read is None:
        return
    problems: list[str] = []
    for agent in agents:
        got = {c.campaign_id for c in read.campaigns.get(agent, ())}
        if agent in read.not_found or agent in read.unknown:
            problems.append(f"agent {agent}: 404, while the list shows its campaigns")
        elif got != listed.get(agent, set()):
            problems.append(
                f"agent {agent}: {len(got)} campaign(s), while the list shows "
                f"{len(listed.get(agent, set()))}"
            )
    small = agents[0]
    if not problems and len(listed.get(small, ())) <= SMALL_READ_MAX:
        paged = await _check(
            report,
            endpoint,
            lambda: _all(client.campaigns_by_agent(small, page_size=SMALL_PAGE)),
        )
        if paged is None:
            return
        if {c.campaign_id for c in paged} != listed.get(small, set()):
            problems.append(
                f"agent {small}: read {SMALL_PAGE} a page, other campaigns than at full size"
            )
    if problems:
        report.add(endpoint, "; ".join(problems), ok=False)
    else:
        report.add(endpoint, f"ok ({len(agents)} agent(s); page sizes {SMALL_PAGE} and 100)")


async def _all_counts(client: VozzoClient, agents: list[str]) -> dict[str, int | None]:
    return {a: (await client.count_by_agent(a)).total_campaigns for a in agents}


async def _items(client: VozzoClient, report: Report, rows: list[CampaignSummary]) -> None:
    endpoint = "GET /v1alpha/campaign/{id}/items"
    one = "GET /v1alpha/campaign/{id}/item/{item}"
    chosen = next((r for r in rows if r.total_records), rows[0])
    cid = chosen.campaign_id
    items = await _check(report, endpoint, lambda: _all(client.list_items(cid)))
    if items is None:
        report.add(one, "not checked: the items of a campaign could not be read")
        return
    problems: list[str] = []
    if chosen.total_records is not None and len(items) != chosen.total_records:
        problems.append(
            f"campaign {cid}: {len(items)} item(s), while the list row's `total_records` "
            f"says {chosen.total_records}"
        )
    if problems:
        report.add(endpoint, "; ".join(problems), ok=False)
    else:
        report.add(endpoint, f"ok ({len(items)} item(s))")
    if not items:
        report.add(one, "not checked: the campaign holds no scheduled call")
        return
    await _item(client, report, cid, items[0], one)


async def _item(
    client: VozzoClient, report: Report, cid: str, first: ScheduledItem, endpoint: str
) -> None:
    detail = await _check(report, endpoint, lambda: client.get_item(cid, first.scheduled_item_id))
    if detail is None:
        return
    if detail.to_phone_number != first.to_phone_number or detail.metadata != first.metadata:
        report.add(
            endpoint,
            "`to_phone_number` or `metadata` differs from the items list's row",
            ok=False,
        )
    else:
        report.add(endpoint)
