"""The vendor's quick start, typed as curl against `vozzoctl emulator serve` (the issue's "done").

A real process on a loopback port, real curl, the requests exactly as the vendor's pages write
them (only the dates moved to tomorrow, since a start date must not be past), and the answers
checked against vozzo-api.md.
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from vozzoctl.clock import today_ist

AGENT = "619ec26c-4957-4926-70f8-fe7391b3527e"
pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
STARTUP_TIMEOUT_S = 60  # a bound for a broken start, not a wait: the test acts on the event


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """`vozzoctl emulator serve` on a port the system picks; its URL read from uvicorn's
    "running on" line (the event that it listens), its output drained until it exits."""
    serve = [sys.executable, "-m", "vozzoctl", "emulator", "serve", "--port", "0",
             "--token", "T", "--agent", AGENT]  # fmt: skip
    proc = subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    urls: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if m := re.search(r"running on (http://127\.0\.0\.1:\d+)", line):
                urls.put(m.group(1))
        urls.put(None)  # exited without saying it listens

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        url = urls.get(timeout=STARTUP_TIMEOUT_S)
        if url is None:
            raise RuntimeError(f"vozzoctl emulator serve exited with {proc.wait()}")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=STARTUP_TIMEOUT_S)
        reader.join(STARTUP_TIMEOUT_S)
        assert proc.stderr is not None
        proc.stderr.close()


def curl(*args: str) -> tuple[int, Any]:
    out = subprocess.run(
        ["curl", "-s", "-w", "\n%{http_code}", *args],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout
    body, _, code = out.rpartition("\n")
    return int(code), json.loads(body) if body else None


def test_the_vendors_quick_start(base_url: str) -> None:
    auth = "Authorization: Token T"
    start = today_ist() + dt.timedelta(days=1)
    end = start + dt.timedelta(days=6)
    # Step 1 is "verify your API key"; the older draft names the path.
    code, me = curl(f"{base_url}/v1alpha/auth/me", "--header", auth)
    assert code == 200 and {"user_id", "organization_id", "permissions"} <= set(me)

    # Step 2: the create request of the vendor's page
    body = {
        "agent_uuid": AGENT,
        "campaign_name": "Winter Promotion 2024",
        "campaign_start_date": start.isoformat(),
        "campaign_end_date": end.isoformat(),
        "campaign_start_time": "09",
        "campaign_end_time": "18",
        "campaign_allow_weekends": False,
        "campaign_max_retry": 3,
        "campaign_max_retry_per_day": 1,
        "campaign_data": [
            {
                "to_phone_number": "+911234567890",
                "agent_language": "EN",
                "metadata": '{"customer_name":"John Doe"}',
            }
        ],
    }
    code, created = curl(
        "--request",
        "POST",
        "--url",
        f"{base_url}/v1alpha/campaign",
        "--header",
        auth,
        "--header",
        "Content-Type: application/json",
        "--data",
        json.dumps(body),
    )
    assert code == 201
    assert created["success"] is True and created["message"] == "Campaign created successfully"
    cid = created["data"]["campaign_id"]
    assert created["data"]["campaign_state"] == "TO_START"
    assert created["data"]["total_records"] == 1

    # Step 3: monitor
    code, detail = curl(f"{base_url}/v1alpha/campaign/{cid}", "--header", auth)
    assert code == 200
    assert detail["campaign_config"]["campaign_name"] == "Winter Promotion 2024"
    assert detail["campaign_config"]["timeslot_settings"] == {
        "timezone": "IST",
        "allow_on_weekends": False,
        "start_time": "09",
        "end_time": "18",
    }
    assert detail["campaign_config"]["retry_options"]["max_calls_total"] == 3
    assert detail["campaign_config"]["retry_options"]["max_calls_in_a_day"] == 1
    code, items = curl(f"{base_url}/v1alpha/campaign/{cid}/items", "--header", auth)
    assert code == 200 and items["total"] == 1
    [item] = items["items"]
    assert item["to_phone_number"] == "+911234567890"
    assert item["metadata"] == '{"customer_name":"John Doe"}'
    code, one = curl(
        f"{base_url}/v1alpha/campaign/{cid}/item/{item['scheduled_item_id']}", "--header", auth
    )
    assert code == 200 and one["call_logs"] == []
    code, analytics = curl(f"{base_url}/v1alpha/campaigns/analytics/{cid}", "--header", auth)
    assert code == 200 and analytics["campaign_id"] == cid

    # Step 4: start it, with the update request's query parameters (and no trailing slash)
    query = "campaign_status=RUNNING&campaign_allow_weekends=false"
    code, updated = curl(
        "--request",
        "POST",
        "--header",
        auth,
        f"{base_url}/v1alpha/campaign/update-campaign/{cid}?{query}",
    )
    assert code == 200 and updated["message"] == "Campaign updated successfully"
    assert updated["data"]["campaign_state"] == "RUNNING"

    code, listed = curl(
        f"{base_url}/v1alpha/campaigns?limit=20&offset=0&state=RUNNING", "--header", auth
    )
    assert code == 200
    assert listed["total"] == 1 and listed["limit"] == 20 and listed["offset"] == 0
    assert listed["campaigns"][0]["campaign_id"] == cid
    code, by_agent = curl(f"{base_url}/v1alpha/campaigns/agent/{AGENT}", "--header", auth)
    assert code == 200 and by_agent["campaigns"][0]["campaign_id"] == cid
    code, count = curl(f"{base_url}/v1alpha/campaigns/agent/{AGENT}/count", "--header", auth)
    assert code == 200
    assert (count["total_campaigns"], count["active_campaigns"]) == (1, 1)


def test_the_vendors_pitfalls(base_url: str) -> None:
    code, body = curl(f"{base_url}/v1alpha/campaigns", "--header", "Authorization: T")
    assert code == 401 and body == {"detail": "Invalid token."}
    code, body = curl(f"{base_url}/v1alpha/campaigns")
    assert code == 401
    assert body == {"detail": "Authentication credentials were not provided."}
    auth = "Authorization: Token T"
    start = (today_ist() + dt.timedelta(days=1)).isoformat()
    base = {
        "agent_uuid": AGENT,
        "campaign_name": "x",
        "campaign_start_date": start,
        "campaign_start_time": "09",
        "campaign_end_time": "18",
        "campaign_allow_weekends": False,
        "campaign_max_retry": 3,
        "campaign_data": [
            {"to_phone_number": "+911234567890", "agent_language": "EN", "metadata": "{}"}
        ],
    }
    post = [
        "--request",
        "POST",
        f"{base_url}/v1alpha/campaign",
        "--header",
        auth,
        "--header",
        "Content-Type: application/json",
        "--data",
    ]
    object_metadata = {**base, "campaign_data": [{**base["campaign_data"][0], "metadata": {}}]}
    code, body = curl(*post, json.dumps(object_metadata))
    assert code == 400 and body["success"] is False
    assert body["message"] == "Metadata must be a valid JSON string"
    code, body = curl(
        *post, json.dumps({**base, "agent_uuid": "0" * 8 + "-0000-4000-8000-" + "0" * 12})
    )
    assert code == 404 and body == {"detail": "Agent not found."}
    dashed = {
        **base,
        "campaign_data": [{**base["campaign_data"][0], "to_phone_number": "+91-12345678"}],
    }
    code, body = curl(*post, json.dumps(dashed))
    assert code == 400 and body["success"] is False
    code, body = curl(*post, json.dumps({**base, "campaign_start_date": "04-01-2026"}))
    assert code == 400 and body["success"] is False
    code, body = curl(f"{base_url}/v1alpha/campaign/not-a-uuid", "--header", auth)
    assert code == 422 and isinstance(body["detail"], list)
