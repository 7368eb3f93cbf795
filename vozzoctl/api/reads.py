"""The reads of single resources and plain lists: the key's identity, the generic campaign
list, a campaign's detail and analytics, its scheduled calls. Every list page is read strictly
(`shapes.read_page`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from vozzoctl.api.mapping import LiveCampaign, live_campaign
from vozzoctl.api.models import (
    Analytics,
    Campaign,
    CampaignSummary,
    Identity,
    ScheduledItem,
    ScheduledItemDetail,
)
from vozzoctl.api.shapes import ITEM_PAGES, LIST_PAGE, read_page, unexpected
from vozzoctl.api.transport import MAX_PAGE_SIZE, Transport, quote_segment, read_row
from vozzoctl.errors import NotFoundError
from vozzoctl.model import State


class Reads(Transport):
    """The read endpoints but those by agent (`agents.AgentReads`)."""

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
                summary = read_row(CampaignSummary, row, endpoint, "a campaign row")
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
        path = f"/v1alpha/campaign/{quote_segment(campaign_id)}"
        data = await self._get(path, not_found=f"campaign {campaign_id!r} not found")
        return self._parse(Campaign, data, "GET", path)

    async def live_campaign(self, campaign_id: str) -> LiveCampaign:
        """The detail of one campaign, mapped to a LiveCampaign."""
        return live_campaign(await self.get_campaign(campaign_id))

    async def live_campaign_or_none(self, campaign_id: str) -> LiveCampaign | None:
        """The detail of one campaign, or None when the API answers 404 for it (not in this
        account); every other failure raises."""
        try:
            return await self.live_campaign(campaign_id)
        except NotFoundError:
            return None

    async def get_analytics(self, campaign_id: str) -> Analytics:
        """`GET /v1alpha/campaigns/analytics/{id}`."""
        path = f"/v1alpha/campaigns/analytics/{quote_segment(campaign_id)}"
        data = await self._get(path, not_found=f"campaign {campaign_id!r} not found")
        return self._parse(Analytics, data, "GET", path)

    async def list_items(
        self, campaign_id: str, *, page_size: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[ScheduledItem]:
        """`GET /v1alpha/campaign/{id}/items`, every page, each item once, in the order of
        `campaign_data`.

        Asks with page/page_size; when the answer shows the older draft's limit/offset paging
        (an `offset` field or `scheduled_calls` rows) it continues that way.
        """
        path = f"/v1alpha/campaign/{quote_segment(campaign_id)}/items"
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
                item = read_row(ScheduledItem, row, endpoint, "a scheduled call")
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
        item = quote_segment(scheduled_item_id)
        path = f"/v1alpha/campaign/{quote_segment(campaign_id)}/item/{item}"
        data = await self._get(
            path,
            not_found=f"scheduled call {scheduled_item_id!r} not found in campaign {campaign_id!r}",
        )
        return self._parse(ScheduledItemDetail, data, "GET", path)
