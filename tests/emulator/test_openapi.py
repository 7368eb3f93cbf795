"""The emulator's OpenAPI document is committed, complete, and true of every answer it gives.

Every answer — to valid and invalid requests drawn by hypothesis, to every key kind, and to the
faults the emulator injects (429, 500, 503) — has a status its operation declares and a body
valid against the declared schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.emulator.conftest import BODY
from vozzoctl.emulator import DEFAULT_AGENT, EmulatorApp, ManualClock, SyncASGITransport, create_app
from vozzoctl.emulator.openapi import render

COMMITTED = Path(__file__).resolve().parents[2] / "schemas" / "vozzo-openapi.json"
REGENERATE = "python -m vozzoctl.emulator.openapi > schemas/vozzo-openapi.json"
NOW = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # Monday 10:00 IST
RW, RO = "rw-token", "ro-token"
OTHER_AGENT = "3f0c9a52-7d1e-4b8a-9c2f-5e6d7a8b9c01"
DOC: dict[str, Any] = json.loads(render())


def test_committed_openapi_document_matches_the_emulator() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(), (
        f"schemas/vozzo-openapi.json is stale; regenerate it with: {REGENERATE}"
    )


def test_openapi_document_has_no_emulator_only_paths() -> None:
    paths = DOC["paths"]
    assert not [p for p in paths if p.startswith("/_")]
    assert len(paths) == 10


def test_every_operation_declares_its_answers_and_the_token_scheme() -> None:
    assert DOC["components"]["securitySchemes"]["Token"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`Token <key>`: the key from the Vozzo platform, after the word Token.",
    }
    assert DOC["security"] == [{"Token": []}]
    for path, item in DOC["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            codes = set(op["responses"])
            assert {"401", "422", "429", "500", "5XX"} <= codes, where
            ok = [c for c in codes if c.startswith("2")]
            assert len(ok) == 1, where
            schema = op["responses"][ok[0]]["content"]["application/json"]["schema"]
            assert schema.get("$ref", "").startswith("#/components/schemas/"), where
            for code in codes - {"500"}:
                assert "application/json" in op["responses"][code]["content"], (where, code)
            for param in op.get("parameters", []):
                s = param["schema"]
                assert "anyOf" not in s, (where, param["name"])  # typed, not string|null
                if s.get("type") == "integer" and param["in"] == "query":
                    assert "minimum" in s, (where, param["name"])
    update = DOC["paths"]["/v1alpha/campaign/update-campaign/{campaign_id}/"]["post"]
    params = {p["name"]: p for p in update["parameters"]}
    assert params["campaign_allow_weekends"]["required"] is True
    assert params["campaign_max_retry"]["schema"]["enum"] == ["1", "2", "3", "4", "5"]
    for name, schema in DOC["components"]["schemas"].items():
        jsonschema.Draft202012Validator.check_schema(schema), name


# ---------------------------------------------------------------------------- answers vs document

_TEMPLATES = [
    (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path) for path in DOC["paths"]
]


def declared(method: str, url_path: str, status: int) -> dict[str, Any]:
    """The response object the document declares for this answer; fails if there is none."""
    [path] = [p for rx, p in _TEMPLATES if rx.match(url_path)] or [None]
    assert path is not None, f"{method} {url_path}: no such path in the document"
    op = DOC["paths"][path][method.lower()]
    responses = op["responses"]
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            return dict(responses[key])
    raise AssertionError(f"{method} {path} answered {status}, which it does not declare")


def check(r: httpx.Response) -> None:
    response = declared(r.request.method, r.request.url.path, r.status_code)
    content = response.get("content", {})
    kind = r.headers.get("content-type", "").split(";")[0]
    assert kind in content, f"{r.request.method} {r.request.url.path} {r.status_code}: {kind}"
    if kind == "application/json":
        schema = {"components": DOC["components"], **content[kind]["schema"]}
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        problems = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(r.json())
        ]
        assert problems == [], f"{r.request.method} {r.request.url} {r.status_code}"
    if r.status_code == 429:
        assert "Retry-After" in response["headers"] and r.headers["Retry-After"].isdigit()


def client(app: EmulatorApp, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Token {token}"} if token else {}
    return httpx.Client(transport=SyncASGITransport(app), base_url="http://vozzo.test",
                        headers=headers)  # fmt: skip


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[EmulatorApp, list[str], list[str]]]:
    """Campaigns in every state, with calls placed: (app, campaign ids, item ids)."""
    app = create_app(tokens=[RW], read_only_tokens=[RO], agents=[DEFAULT_AGENT, OTHER_AGENT],
                     clock=ManualClock(NOW), seed=3)  # fmt: skip
    ids: list[str] = []
    with client(app, RW) as c:
        for n, status in enumerate(["RUNNING", "SUSPENDED", "ENDED", None]):
            r = c.post("/v1alpha/campaign", json={**BODY, "campaign_name": f"C{n}"})
            ids.append(r.json()["data"]["campaign_id"])
            if status:
                params = {"campaign_allow_weekends": "false", "campaign_status": status}
                c.post(f"/v1alpha/campaign/update-campaign/{ids[-1]}/", params=params)
        app.emulator.advance(hours=30)
        page = c.get(f"/v1alpha/campaign/{ids[0]}/items").json()
        items = [i["scheduled_item_id"] for i in page["items"]]
    try:
        yield app, ids, items
    finally:
        app.emulator.close()


TEXT = st.one_of(
    st.sampled_from(["", "0", "1", "5", "6", "-1", "23", "24", "09", "true", "false", "2026-03-05",
                     "2026-02-30", "RUNNING", "ENDED", "TO_START", "x", "1e3", "100", "101"]),
    st.text(max_size=6),
)  # fmt: skip
PARAMS = {
    "/v1alpha/campaigns": ["limit", "offset", "state"],
    "/v1alpha/campaigns/agent/{agent_uuid}": ["page", "page_size"],
    "/v1alpha/campaign/{campaign_id}/items": ["page", "page_size"],
    "/v1alpha/campaign/update-campaign/{campaign_id}/": [
        "campaign_allow_weekends", "campaign_status", "campaign_start_date", "campaign_end_date",
        "campaign_max_retry", "campaign_max_retry_per_day", "campaign_start_time",
        "campaign_end_time",
    ],
}  # fmt: skip


@st.composite
def requests(draw: st.DrawFn, ids: list[str], items: list[str]) -> tuple[str, str, Any, Any]:
    """(method, url, query, json body) for any operation, with ids real, unknown or malformed."""
    path = draw(st.sampled_from(sorted(DOC["paths"])))
    [method] = [m.upper() for m in DOC["paths"][path]]
    some_uuid = st.uuids().map(str)
    values = {
        "campaign_id": st.one_of(st.sampled_from(ids), some_uuid, st.just("not-a-uuid")),
        "agent_uuid": st.one_of(st.sampled_from([DEFAULT_AGENT, OTHER_AGENT]), some_uuid),
        "scheduled_item_id": st.one_of(st.sampled_from(items), some_uuid),
    }
    url = re.sub(r"\{([^}]+)\}", lambda m: draw(values[m[1]]), path)
    names = PARAMS.get(path, [])
    query = (
        draw(st.dictionaries(st.sampled_from(names), TEXT, max_size=len(names))) if names else {}
    )
    body: Any = None
    if method == "POST" and path == "/v1alpha/campaign":
        fields = st.dictionaries(st.sampled_from(sorted(BODY)), st.one_of(TEXT, st.integers(-2, 7),
                                 st.booleans(), st.none()), max_size=3)  # fmt: skip
        body = draw(st.one_of(fields.map(lambda f: {**BODY, **f}), st.just({}), st.just([]),
                              st.just(BODY)))  # fmt: skip
    return method, url, query, body


def test_every_operation_answers_as_declared(
    world: tuple[EmulatorApp, list[str], list[str]],
) -> None:
    app, ids, items = world
    update = f"/v1alpha/campaign/update-campaign/{ids[3]}/"
    calls: list[tuple[str, str, dict[str, str], Any]] = [
        ("GET", "/v1alpha/auth/me", {}, None),
        ("GET", "/v1alpha/campaigns", {"limit": "2", "offset": "1"}, None),
        ("GET", f"/v1alpha/campaign/{ids[0]}", {}, None),
        ("GET", f"/v1alpha/campaigns/analytics/{ids[0]}", {}, None),
        ("GET", f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}", {"page_size": "2"}, None),
        ("GET", f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}/count", {}, None),
        ("GET", f"/v1alpha/campaign/{ids[0]}/items", {}, None),
        ("GET", f"/v1alpha/campaign/{ids[0]}/item/{items[0]}", {}, None),
        ("POST", "/v1alpha/campaign", {}, {**BODY, "campaign_start_date": "2026-03-05"}),
        ("POST", update, {"campaign_allow_weekends": "true", "campaign_end_time": "17"}, None),
    ]
    assert len({re.sub(r"[0-9a-f-]{36}", "", u) for _, u, _, _ in calls}) == len(DOC["paths"])
    with client(app, RW) as rw, client(app, RO) as ro, client(app, "wrong") as wrong:
        for method, url, query, body in calls:
            r = rw.request(method, url, params=query, json=body)
            assert r.status_code in (200, 201), (url, r.text)
            check(r)
            r = (ro if method == "POST" else wrong).request(method, url, params=query, json=body)
            assert r.status_code == (403 if method == "POST" else 401)
            check(r)
    with client(app, RW) as c:
        item = c.get(f"/v1alpha/campaign/{ids[0]}/item/{items[0]}").json()
    assert item["call_logs"], "the world has calls placed, so that call logs are checked too"


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data(), token=st.sampled_from([RW, RO, "wrong", None]))
def test_every_answer_is_what_the_document_declares(
    world: tuple[EmulatorApp, list[str], list[str]], data: st.DataObject, token: str | None
) -> None:
    app, ids, items = world
    method, url, query, body = data.draw(requests(ids, items))
    with client(app, token) as c:
        r = c.request(method, url, params=query, json=body)
    check(r)


def test_injected_faults_and_raw_bodies_are_declared_too() -> None:
    plan = [
        {"path": "/v1alpha/campaigns", "on": {"first": 1}, "action": "status", "status": 429,
         "retry_after": 2},
        {"path": "/v1alpha/campaigns", "on": {"first": 2}, "action": "status", "status": 503},
        {"path": "/v1alpha/campaign", "method": "POST", "on": {"first": 1},
         "action": "commit_then_500"},
    ]  # fmt: skip
    app = create_app(tokens=[RW], agents=[DEFAULT_AGENT], clock=ManualClock(NOW), fault_plan=plan)
    try:
        with client(app, RW) as c:
            seen = []
            for _ in range(3):
                r = c.get("/v1alpha/campaigns")
                check(r)
                seen.append(r.status_code)
            r = c.post("/v1alpha/campaign", json=BODY)
            check(r)
            seen.append(r.status_code)
            for raw in (b"", b"{", b"[1, 2]", b'"text"'):
                r = c.post("/v1alpha/campaign", content=raw,
                           headers={"Content-Type": "application/json"})  # fmt: skip
                check(r)
                seen.append(r.status_code)
        assert seen[:4] == [429, 503, 200, 500]
        assert set(seen[4:]) <= {400, 422}
    finally:
        app.emulator.close()
