"""The writes: create (never re-sent unless the failure proves it was not processed, see
`Transport._may_retry`) and update (query parameters, `campaign_allow_weekends` always)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from vozzoctl.api.mapping import create_body
from vozzoctl.api.models import Campaign, CreatedCampaign
from vozzoctl.api.transport import Op, Transport, quote_segment
from vozzoctl.errors import AmbiguousCreateError
from vozzoctl.model import Recipient, Settings


class Writes(Transport):
    """The endpoints that change the account."""

    async def create_campaign(
        self, settings: Settings, recipients: Sequence[Recipient]
    ) -> CreatedCampaign:
        """`POST /v1alpha/campaign`. Raises AmbiguousCreateError when the outcome is unknown."""
        path = "/v1alpha/campaign"
        name = settings.campaign_name
        response = await self._send(
            "POST",
            path,
            op=Op.CREATE,
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
        path = f"/v1alpha/campaign/update-campaign/{quote_segment(campaign_id)}/"
        response = await self._send(
            "POST",
            path,
            op=Op.UPDATE,
            params=params,
            not_found=f"campaign {campaign_id!r} not found",
        )
        data = self._json(response, "POST", path)
        inner = data.get("data") if isinstance(data, dict) else None
        if not isinstance(inner, dict):
            return None
        return self._parse(Campaign, inner, "POST", path)
