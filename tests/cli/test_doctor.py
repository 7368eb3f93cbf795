"""`vozzoctl doctor`: every read endpoint checked against what vozzoctl relies on; nothing
written; each answer-shape difference named by its endpoint; redacted samples on request."""

from __future__ import annotations

import json
import stat
from typing import Any

import httpx
import pytest

from tests.cli.helpers import create
from tests.conftest import TOKEN, Result, Vozzo
from vozzoctl.cli import runtime
from vozzoctl.emulator.server import running_emulator
from vozzoctl.emulator.shapes import SHAPES

ENDPOINTS = [
    "GET /v1alpha/auth/me",
    "GET /v1alpha/campaigns (limit 2, paged by offset)",
    "GET /v1alpha/campaigns (limit 100, every page)",
    "GET /v1alpha/campaign/{id}",
    "GET /v1alpha/campaigns/analytics/{id}",
    "GET /v1alpha/campaigns/agent/{agent}/count",
    "GET /v1alpha/campaigns/agent/{agent}",
    "GET /v1alpha/campaign/{id}/items",
    "GET /v1alpha/campaign/{id}/item/{item}",
]
PHONES = [f"+9198200{i:05d}" for i in range(25)]


def account(vozzo: Vozzo) -> None:
    """Three campaigns of one key (a batch among them) and one made in the dashboard."""
    vozzo.campaign("winter-promo", phones=PHONES[:3], state="RUNNING")
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("winter-promo", phones=PHONES[:4], state="RUNNING")
    assert vozzo.run("apply", "--auto-approve").code == 0
    create(vozzo, "Dashboard Campaign", [(p, "HI", {"customer_name": "Asha Rao"}) for p in PHONES])
    vozzo.app.emulator.advance(hours=2)  # calls placed, call logs written
    vozzo.app.emulator.clear_requests()


def lines(r: Result) -> dict[str, str]:
    """The table: endpoint → what it says."""
    out: dict[str, str] = {}
    for line in r.out.splitlines()[1:]:
        for endpoint in ENDPOINTS:
            if line.startswith(endpoint + "  "):
                out[endpoint] = line[len(endpoint) :].strip()
    return out


def no_writes(vozzo: Vozzo) -> None:
    assert [r.method for r in vozzo.app.emulator.requests if r.method != "GET"] == []


def test_doctor_passes_against_the_emulator(vozzo: Vozzo) -> None:
    account(vozzo)
    r = vozzo.run("doctor")
    assert r.code == 0, r.all
    table = lines(r)
    assert list(table) == ENDPOINTS
    assert all(said.startswith("ok") for said in table.values()), table
    assert table["GET /v1alpha/auth/me"] == "ok (may write key)"
    assert "Every answer is as vozzoctl relies on" in r.out
    no_writes(vozzo)
    called = {r.path.rsplit("/", 1)[0] for r in vozzo.app.emulator.requests}
    assert "/v1alpha/campaigns/analytics" in called


def test_doctor_over_a_socket(vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch) -> None:
    account(vozzo)
    with running_emulator(vozzo.app) as base_url:
        runtime.set_transport_factory(None)
        monkeypatch.setenv("VOZZO_BASE_URL", base_url)
        r = vozzo.run("doctor")
    assert r.code == 0, r.all
    assert all(said.startswith("ok") for said in lines(r).values())
    no_writes(vozzo)


@pytest.mark.parametrize("emulator_variant", ["legacy"])
def test_the_older_drafts_shapes_pass(vozzo: Vozzo) -> None:
    account(vozzo)
    r = vozzo.run("doctor")
    assert r.code == 0, r.all
    assert lines(r)["GET /v1alpha/auth/me"].startswith("ok: 404, no identity endpoint")


def test_an_empty_account_is_said_so(vozzo: Vozzo) -> None:
    r = vozzo.run("doctor")
    assert r.code == 0, r.all
    table = lines(r)
    assert table["GET /v1alpha/campaign/{id}"] == (
        "not checked: the campaign list holds no campaign to read"
    )


SHAPE_DIFFERS = {
    "rows-under-data": ("GET /v1alpha/campaigns (limit 2, paged by offset)", "`campaigns`"),
    "by-agent-missing": ("GET /v1alpha/campaigns/agent/{agent}", "404"),
    "capped-pages": ("GET /v1alpha/campaign/{id}/items", "row(s)"),
    "count-off": ("GET /v1alpha/campaigns/agent/{agent}/count", "`total_campaigns` is"),
    "item-rows-renamed": ("GET /v1alpha/campaign/{id}/items", "scheduled call"),
}


def test_every_answer_shape_is_covered() -> None:
    assert sorted(SHAPE_DIFFERS) == sorted(SHAPES)


@pytest.mark.parametrize("shape", sorted(SHAPE_DIFFERS))
def test_doctor_names_the_endpoint_of_each_answer_shape(vozzo: Vozzo, shape: str) -> None:
    account(vozzo)
    vozzo.app.emulator.shapes = frozenset({shape})
    r = vozzo.run("doctor")
    assert r.code == 1, r.all
    endpoint, words = SHAPE_DIFFERS[shape]
    said = lines(r)[endpoint]
    assert said.startswith("DIFFERS: ") and words in said, (shape, said)
    assert "answer unlike what vozzoctl relies on" in r.out
    for phone in PHONES:
        assert phone not in r.all
    no_writes(vozzo)


def wrap_with(change: Any) -> None:
    """The emulator behind a transport that rewrites the answers `change` picks."""
    inner = runtime._transport_factory
    assert inner is not None

    async def handler(request: httpx.Request) -> httpx.Response:
        response = await inner().handle_async_request(request)
        body = json.loads(await response.aread() or b"null")
        new = change(request.url.path, body)
        return httpx.Response(response.status_code, json=new)

    runtime.set_transport_factory(lambda: httpx.MockTransport(handler))


def test_auth_me_without_permissions_differs(vozzo: Vozzo) -> None:
    account(vozzo)

    def drop_permissions(path: str, body: Any) -> Any:
        if path == "/v1alpha/auth/me":
            body.pop("permissions")
        return body

    wrap_with(drop_permissions)
    r = vozzo.run("doctor")
    assert r.code == 1
    assert lines(r)["GET /v1alpha/auth/me"] == (
        "DIFFERS: no `permissions` list: apply cannot tell a read-only key before it writes"
    )


def test_a_detail_without_agent_id_differs(vozzo: Vozzo) -> None:
    account(vozzo)

    def drop_agent(path: str, body: Any) -> Any:
        if path.startswith("/v1alpha/campaign/") and path.count("/") == 3:
            body.pop("agent_id", None)
        return body

    wrap_with(drop_agent)
    r = vozzo.run("doctor")
    assert r.code == 1
    said = lines(r)["GET /v1alpha/campaign/{id}"]
    assert said.startswith("DIFFERS: campaign ") and "no `agent_id`" in said


def test_record_writes_redacted_samples_only_the_owner_reads(vozzo: Vozzo) -> None:
    account(vozzo)
    out = vozzo.root / "samples"
    r = vozzo.run("doctor", "--record", str(out))
    assert r.code == 0, r.all
    files = sorted(out.iterdir())
    names = {f.name for f in files}
    assert {
        "get-auth-me.json",
        "get-campaigns--limit-offset.json",
        "get-campaign-id.json",
        "get-campaigns-analytics-id.json",
        "get-campaigns-agent-agent--page-page_size.json",
        "get-campaigns-agent-agent-count.json",
        "get-campaign-id-items--page-page_size.json",
        "get-campaign-id-item-item-id.json",
    } <= names, names
    text = "".join(f.read_text() for f in files)
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert TOKEN not in text
    for phone in PHONES:
        assert phone not in text
    assert "+91******0000" in text  # masked, as plans mask them
    for secret in ("Asha Rao", "Winter Promo", "Dashboard Campaign", "emulator@vozzo.invalid"):
        assert secret not in text
    live_ids = {c["campaign_id"] for c in vozzo.live()}
    assert any(cid in text for cid in live_ids)  # ids kept
    detail = json.loads((out / "get-campaign-id.json").read_text())
    assert detail["status"] == 200 and detail["request"].startswith("GET /v1alpha/campaign/")
    assert detail["body"]["campaign_state"] in ("RUNNING", "TO_START")
    assert detail["body"]["campaign_config"]["campaign_name"].startswith("Campaign ")
    item = json.loads((out / "get-campaign-id-item-item-id.json").read_text())["body"]
    assert json.loads(item["metadata"]) in ({"customer_name": "***"}, {"n": 0})
