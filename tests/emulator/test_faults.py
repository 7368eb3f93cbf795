"""Fault injection: what a client sees, and what the API really did meanwhile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from vozzoctl.emulator import FaultPlan, FaultPlanError, ManualClock, create_app
from vozzoctl.emulator.emulator import DEFAULT_TOKEN
from vozzoctl.emulator.pytest_plugin import EMULATOR_NOW
from vozzoctl.emulator.server import running_emulator

CREATE = {"method": "POST", "path": "/v1alpha/campaign"}


def test_429_with_retry_after_on_chosen_hits(
    emulator: Any, emulator_client: httpx.Client, body: Any
) -> None:
    emulator.set_fault_plan(
        {"rules": [{**CREATE, "on": [1, 3], "action": "status", "status": 429, "retry_after": 2}]}
    )
    statuses = [emulator_client.post("/v1alpha/campaign", json=body()) for _ in range(4)]
    assert [r.status_code for r in statuses] == [429, 201, 429, 201]
    assert statuses[0].headers["Retry-After"] == "2"
    assert isinstance(statuses[0].json()["detail"], str)
    assert len(emulator.campaigns()) == 2  # a refused request stored nothing
    assert [(r.method, r.status, r.fault) for r in emulator.requests] == [
        ("POST", 429, "429"),
        ("POST", 201, None),
        ("POST", 429, "429"),
        ("POST", 201, None),
    ]


def test_5xx_for_the_first_n_then_served(emulator: Any, emulator_client: httpx.Client) -> None:
    emulator.set_fault_plan(
        [{"path": "/v1alpha/campaigns", "on": {"first": 2}, "action": "status", "status": 502}]
    )
    got = [emulator_client.get("/v1alpha/campaigns").status_code for _ in range(3)]
    assert got == [502, 502, 200]
    emulator.clear_faults()
    assert emulator_client.get("/v1alpha/campaigns").status_code == 200


def test_regex_and_glob_paths(emulator: Any, emulator_client: httpx.Client, create: Any) -> None:
    cid = create()
    emulator.set_fault_plan(
        [
            {"method": "GET", "path_regex": r"/items$", "action": "status", "status": 503},
            {
                "method": "GET",
                "path": "/v1alpha/campaign/*",
                "on": {"after": 1},
                "action": "status",
            },
        ]
    )
    assert emulator_client.get(f"/v1alpha/campaign/{cid}/items").status_code == 503
    assert emulator_client.get(f"/v1alpha/campaign/{cid}").status_code == 503  # 2nd glob hit
    assert emulator_client.get("/v1alpha/campaigns").status_code == 200


def test_slow_answer(emulator: Any, emulator_client: httpx.Client, emulator_server: str) -> None:
    emulator.set_fault_plan([{"action": "delay", "delay_ms": 200}])
    assert emulator_client.get("/v1alpha/campaigns").status_code == 200
    assert [r.fault for r in emulator.requests] == ["delay"]
    with httpx.Client(base_url=emulator_server) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/v1alpha/campaigns", timeout=0.05)  # the answer waits 200 ms: never sooner


def test_commit_then_500_stores_the_campaign(
    emulator: Any, emulator_client: httpx.Client, body: Any
) -> None:
    emulator.set_fault_plan([{**CREATE, "on": [1], "action": "commit_then_500"}])
    r = emulator_client.post("/v1alpha/campaign", json=body())
    assert r.status_code == 500
    (stored,) = emulator.campaigns()
    assert stored["campaign_config"]["campaign_name"] == "Winter Promotion 2026"


def test_commit_then_drop_in_process_is_a_transport_error(
    emulator: Any, emulator_client: httpx.Client, body: Any
) -> None:
    emulator.set_fault_plan([{**CREATE, "on": [1], "action": "commit_then_drop"}])
    with pytest.raises(httpx.TransportError):
        emulator_client.post("/v1alpha/campaign", json=body())
    assert len(emulator.campaigns()) == 1
    assert emulator.requests[-1].status is None
    assert emulator.requests[-1].json()["campaign_name"] == "Winter Promotion 2026"


@pytest.mark.anyio
async def test_commit_then_drop_through_asgi_transport(
    emulator: Any, emulator_transport: httpx.ASGITransport, body: Any
) -> None:
    emulator.set_fault_plan([{**CREATE, "action": "commit_then_drop"}])
    async with httpx.AsyncClient(
        transport=emulator_transport,
        base_url="http://vozzo.test",
        headers={"Authorization": "Token emulator-token"},
    ) as client:
        with pytest.raises(httpx.TransportError):
            await client.post("/v1alpha/campaign", json=body())
    assert len(emulator.campaigns()) == 1


def test_commit_then_drop_over_a_real_socket(
    emulator: Any, emulator_server: str, body: Any
) -> None:
    emulator.set_fault_plan([{**CREATE, "on": [1], "action": "commit_then_drop"}])
    headers = {"Authorization": "Token emulator-token"}
    with httpx.Client(base_url=emulator_server, headers=headers) as client:
        with pytest.raises(httpx.TransportError):
            client.post("/v1alpha/campaign", json=body())
        listed = client.get("/v1alpha/campaigns").json()
    assert listed["total"] == 1  # the client saw an error, yet the campaign exists
    assert listed["campaigns"][0]["campaign_name"] == "Winter Promotion 2026"


def test_drop_without_commit_over_a_real_socket(
    emulator: Any, emulator_server: str, body: Any
) -> None:
    emulator.set_fault_plan([{**CREATE, "on": [1], "action": "drop"}])
    headers = {"Authorization": "Token emulator-token"}
    with httpx.Client(base_url=emulator_server, headers=headers) as client:
        with pytest.raises(httpx.TransportError):
            client.post("/v1alpha/campaign", json=body())
        assert client.get("/v1alpha/campaigns").json()["total"] == 0


def test_fail_rate_is_deterministic_from_the_seed() -> None:
    def run(seed: int) -> list[int]:
        app = create_app(clock=ManualClock(EMULATOR_NOW), fail_rate=0.5, seed=seed)
        with httpx.Client(
            transport=_transport(app),
            base_url="http://vozzo.test",
            headers={"Authorization": "Token emulator-token"},
        ) as client:
            out = [client.get("/v1alpha/campaigns").status_code for _ in range(40)]
        app.emulator.close()
        return out

    first = run(3)
    assert set(first) == {200, 503}
    assert first == run(3)
    assert first != run(4)


def test_latency(emulator: Any, emulator_server: str) -> None:
    headers = {"Authorization": f"Token {DEFAULT_TOKEN}"}
    with httpx.Client(base_url=emulator_server, headers=headers) as client:
        assert client.get("/v1alpha/campaigns", timeout=30).status_code == 200
        emulator.latency_ms = 300
        with pytest.raises(httpx.ReadTimeout):  # every answer now waits 300 ms: never sooner
            client.get("/v1alpha/campaigns", timeout=0.05)


def test_fault_plan_from_a_file(tmp_path: Path) -> None:
    plan = tmp_path / "faults.json"
    plan.write_text(json.dumps({"rules": [{"action": "status", "status": 503, "on": [1]}]}))
    app = create_app(clock=ManualClock(EMULATOR_NOW), fault_plan=plan)
    with running_emulator(app) as url, httpx.Client(base_url=url) as client:
        assert client.get("/v1alpha/campaigns").status_code == 503
        assert client.get("/v1alpha/campaigns").status_code == 401
    app.emulator.close()


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"rules": [{"action": "explode"}]}, "rule 1: action must be one of status, delay, hold"),
        ({"rules": [{"action": "status", "status": 200}]}, "rule 1: status must be an HTTP error"),
        (
            {"rules": [{"action": "drop"}, {"action": "status", "on": "sometimes"}]},
            'rule 2: on must be "every"',
        ),
        ({"rules": [{"action": "status", "path_regex": "("}]}, "rule 1: path_regex: missing )"),
        ({"rules": [{"action": "status", "pathh": "/x"}]}, "rule 1: unknown field(s) pathh"),
        ({"rules": "all"}, 'a fault plan is {"rules": [...]}'),
    ],
)
def test_bad_fault_plans_are_refused_with_a_reason(bad: Any, reason: str) -> None:
    with pytest.raises(FaultPlanError) as refused:
        FaultPlan.parse(bad)
    assert reason in str(refused.value)


def test_request_log_records_what_the_api_received(
    emulator: Any, emulator_client: httpx.Client, create: Any
) -> None:
    cid = create()
    emulator.clear_requests()
    emulator_client.post(
        f"/v1alpha/campaign/update-campaign/{cid}",
        params={"campaign_allow_weekends": "true", "campaign_status": "RUNNING"},
    )
    emulator_client.get("/v1alpha/campaigns", params={"limit": 5})
    (update, listing) = emulator.requests
    assert (update.method, update.path, update.status) == (
        "POST",
        f"/v1alpha/campaign/update-campaign/{cid}",
        200,
    )
    assert update.params == {"campaign_allow_weekends": "true", "campaign_status": "RUNNING"}
    assert (listing.method, listing.query, listing.status) == ("GET", "limit=5", 200)


def _transport(app: Any) -> httpx.BaseTransport:
    from vozzoctl.emulator import SyncASGITransport

    return SyncASGITransport(app)
