"""Shared builders for the API client's tests (imported by name: tests/ has no packages).

A client over a scripted MockTransport, with an instant, recorded sleep and a seeded RNG so
retry tests neither wait nor vary."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx

from vozzoctl.api import RetryPolicy, VozzoClient
from vozzoctl.model import Recipient, Settings

KEY = "k-s3cret-key-0042"
BASE = "https://vozzo.test"
AGENT = "619ec26c-4957-4926-70f8-fe7391b3527e"
CID = "c5785fa5-8bdd-4629-b7ef-1addfc4b44a5"
PHONE = "+911234567890"

Handler = Callable[[httpx.Request], httpx.Response]


def campaign_json(cid: str = CID, **over: Any) -> dict[str, Any]:
    """A campaign object as the docs' update answer shows it, plus the assumed detail fields."""
    obj: dict[str, Any] = {
        "campaign_id": cid,
        "org_id": 1,
        "agent_id": AGENT,
        "campaign_state": "SUSPENDED",
        "campaign_start_date": "2026-01-01",
        "campaign_end_date": "2026-01-14",
        "campaign_config": {
            "campaign_name": "TEST",
            "retry_options": {"max_calls_total": 4, "max_calls_in_a_day": 2, "retry_delay": 60},
            "metadata": {},
            "timeslot_settings": {
                "timezone": "IST",
                "allow_on_weekends": False,
                "start_time": "09",
                "end_time": "18",
            },
            "preferred_timeslot": "ANYDAY",
            "encrypted_data": False,
            "internal_auth": False,
            "org_id": None,
            "post_call_action": None,
        },
        "created_at": "2026-01-01T08:00:00+00:00",
        "updated_at": "2025-12-26T12:51:40.253482+00:00",
        "total_records": 150,
        "processed_records": 75,
    }
    obj.update(over)
    return obj


def settings(**over: Any) -> Settings:
    values: dict[str, Any] = {
        "campaign_name": "Winter Promotion 2026",
        "agent_uuid": AGENT,
        "start_date": date(2026, 12, 1),
        "end_date": date(2026, 12, 31),
        "start_hour": 9,
        "end_hour": 18,
        "allow_weekends": False,
        "max_retry": 3,
        "max_retry_per_day": 1,
    }
    values.update(over)
    return Settings(**values)


RECIPIENTS = (
    Recipient(PHONE, "EN", '{"customer_name":"John Doe"}'),
    Recipient("+919876543210", "HI", "{}"),
)


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content) if request.content else None


class Recorder:
    """A MockTransport handler that keeps every request it saw."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    @property
    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.raw_path.decode()}" for r in self.requests]


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


ClientFor = Callable[..., VozzoClient]


def client_factory(sleeps: Sleeps) -> ClientFor:
    """`make(handler, **kw)`: a VozzoClient whose every request goes to `handler`."""

    def make(handler: Handler, **kw: Any) -> VozzoClient:
        kw.setdefault("sleep", sleeps)
        kw.setdefault("rng", random.Random(7))
        kw.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.1, max_total_wait=30))
        return VozzoClient(
            kw.pop("base_url", BASE),
            kw.pop("api_key", KEY),
            transport=httpx.MockTransport(handler),
            **kw,
        )

    return make
