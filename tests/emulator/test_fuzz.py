"""Random and malformed requests never make the emulator answer 5xx (only injected faults do)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vozzoctl.emulator import DEFAULT_AGENT, ManualClock, SyncASGITransport, create_app
from vozzoctl.emulator.pytest_plugin import EMULATOR_NOW


def _is_url(path: str) -> bool:
    """httpx refuses some texts as URLs before sending: those are no request to fuzz with."""
    try:
        httpx.URL(path)
    except httpx.InvalidURL:
        return False
    return True


UUIDS = st.sampled_from(
    [DEFAULT_AGENT, "00000000-0000-0000-0000-000000000000", "not-a-uuid", "%00", "..", ""]
)
SEGMENT = st.one_of(UUIDS, st.text(min_size=0, max_size=12))
PATHS = st.one_of(
    st.builds(lambda: "/v1alpha/campaigns"),
    st.builds(lambda: "/v1alpha/campaign"),
    st.builds(lambda: "/v1alpha/auth/me"),
    st.builds(lambda a: f"/v1alpha/campaign/{a}", SEGMENT),
    st.builds(lambda a: f"/v1alpha/campaign/{a}/items", SEGMENT),
    st.builds(lambda a, b: f"/v1alpha/campaign/{a}/item/{b}", SEGMENT, SEGMENT),
    st.builds(lambda a: f"/v1alpha/campaign/update-campaign/{a}/", SEGMENT),
    st.builds(lambda a: f"/v1alpha/campaigns/analytics/{a}", SEGMENT),
    st.builds(lambda a: f"/v1alpha/campaigns/agent/{a}", SEGMENT),
    st.builds(lambda a: f"/v1alpha/campaigns/agent/{a}/count", SEGMENT),
    st.text(max_size=30).map(lambda s: "/" + s),
).filter(_is_url)


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(), st.text(max_size=20)
)
JSONISH = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "agent_uuid", "campaign_name", "campaign_start_date", "campaign_end_date",
        "campaign_start_time", "campaign_end_time", "campaign_allow_weekends",
        "campaign_max_retry", "campaign_max_retry_per_day", "campaign_data", "campaign_status",
        "limit", "offset", "page", "page_size", "state",
    ]
)  # fmt: skip
BODIES = st.one_of(
    st.binary(max_size=200),
    JSONISH.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(FIELDS, JSONISH, max_size=10).map(lambda v: json.dumps(v).encode()),
)
QUERIES = st.dictionaries(FIELDS, st.text(max_size=12), max_size=6)


@pytest.fixture(scope="module")
def client() -> Any:
    app = create_app(clock=ManualClock(EMULATOR_NOW))
    with httpx.Client(
        transport=SyncASGITransport(app),
        base_url="http://vozzo.test",
        headers={"Authorization": "Token emulator-token"},
    ) as c:
        yield c
    app.emulator.close()


@pytest.mark.slow
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=PATHS,
    query=QUERIES,
    body=BODIES,
    auth=st.sampled_from(["Token emulator-token", "Token x", "", "Bearer y"]),
)
def test_no_request_gets_a_5xx(
    client: httpx.Client, method: str, path: str, query: dict[str, str], body: bytes, auth: str
) -> None:
    r = client.request(
        method, httpx.URL(path), params=query, content=body, headers={"Authorization": auth}
    )
    assert r.status_code < 500, (r.status_code, r.text)
    if r.headers.get("content-type", "").startswith("application/json"):
        got = r.json()
        if r.status_code in (401, 403, 404, 405, 413):
            assert isinstance(got["detail"], str)
        elif r.status_code == 422:
            assert all({"loc", "msg", "type"} <= set(e) for e in got["detail"])
        elif r.status_code == 400:
            assert got["success"] is False and isinstance(got["errors"], dict)
