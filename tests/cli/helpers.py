"""Campaigns made directly through the API, as another tool or the dashboard would make them."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.conftest import AGENT, TOKEN, Vozzo
from vozzoctl.emulator import SyncASGITransport


def api(vozzo: Vozzo) -> httpx.Client:
    return httpx.Client(
        transport=SyncASGITransport(vozzo.app),
        base_url="http://vozzo.test",
        headers={"Authorization": f"Token {TOKEN}"},
    )


def create(
    vozzo: Vozzo,
    name: str,
    recipients: int | list[tuple[str, str, Any]],
    *,
    agent: str = AGENT,
    **extra: Any,
) -> str:
    """POST /v1alpha/campaign; `recipients` is a count or (phone, language, metadata) rows."""
    rows = (
        [(f"+9198{i:08d}", "EN", {}) for i in range(recipients)]
        if isinstance(recipients, int)
        else recipients
    )
    body = {
        "agent_uuid": agent,
        "campaign_name": name,
        "campaign_start_date": vozzo.day(0),
        "campaign_start_time": "09",
        "campaign_end_time": "18",
        "campaign_allow_weekends": False,
        "campaign_max_retry": 2,
        "campaign_data": [
            {
                "to_phone_number": p,
                "agent_language": lang,
                "metadata": m if isinstance(m, str) else json.dumps(m),
            }
            for p, lang, m in rows
        ],
        **extra,
    }
    with api(vozzo) as c:
        r = c.post("/v1alpha/campaign", json=body)
        assert r.status_code in (200, 201), r.text
        data = r.json()
        return str(data.get("data", data)["campaign_id"])


def update(vozzo: Vozzo, campaign_id: str, **params: str) -> None:
    with api(vozzo) as c:
        params.setdefault("campaign_allow_weekends", "false")
        r = c.post(f"/v1alpha/campaign/update-campaign/{campaign_id}/", params=params)
        assert r.status_code == 200, r.text
