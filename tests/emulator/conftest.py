from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from vozzoctl.emulator import DEFAULT_AGENT
from vozzoctl.emulator.pytest_plugin import (  # noqa: F401
    emulator,
    emulator_app,
    emulator_client,
    emulator_now,
    emulator_options,
    emulator_server,
    emulator_transport,
    emulator_variant,
)

# The fixed clock is Monday 2026-03-02 10:00 IST: every date below is relative to it.
TODAY = "2026-03-02"

BODY: dict[str, Any] = {
    "agent_uuid": DEFAULT_AGENT,
    "campaign_name": "Winter Promotion 2026",
    "campaign_start_date": TODAY,
    "campaign_end_date": "2026-03-31",
    "campaign_start_time": "09",
    "campaign_end_time": "18",
    "campaign_allow_weekends": False,
    "campaign_max_retry": 3,
    "campaign_max_retry_per_day": 1,
    "campaign_data": [
        {"to_phone_number": "+911234567890", "agent_language": "EN", "metadata": "{}"},
        {
            "to_phone_number": "+911234567891",
            "agent_language": "HI",
            "metadata": '{"customer_name":"John Doe"}',
        },
    ],
}


@pytest.fixture
def body() -> Callable[..., dict[str, Any]]:
    """A valid create body; keyword arguments replace fields (None removes one)."""

    def make(**changes: Any) -> dict[str, Any]:
        out = copy.deepcopy(BODY)
        for k, v in changes.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = v
        return out

    return make


@pytest.fixture
def create(emulator_client: Any, body: Callable[..., dict[str, Any]]) -> Callable[..., str]:  # noqa: F811
    """Create a campaign through the API and return its id."""

    def make(**changes: Any) -> str:
        r = emulator_client.post("/v1alpha/campaign", json=body(**changes))
        assert r.status_code == 201, r.text
        return str(r.json()["data"]["campaign_id"])

    return make
