"""The lockfile as a user and a reviewer meet it: its format, its atomic writes, the refusals
(another API URL, a corrupt file) and the write-ahead `pending` record a crash leaves behind."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import API_URL, TOKEN, Vozzo
from vozzoctl.cli import runtime
from vozzoctl.emulator import SyncASGITransport
from vozzoctl.lockfile import Batch, Entry, Lockfile, Pending, load, save

PHONES = ["+919820012345", "+919845023456"]


def create_outside(vozzo: Vozzo, name: str, phones: list[str], first: int = 0) -> str:
    """A campaign made by a create whose answer vozzoctl never saw."""
    body = {
        "agent_uuid": "619ec26c-4957-4926-70f8-fe7391b3527e",
        "campaign_name": name,
        "campaign_start_date": vozzo.day(1),
        "campaign_start_time": "09",
        "campaign_end_time": "18",
        "campaign_allow_weekends": False,
        "campaign_max_retry": 3,
        "campaign_data": [
            {"to_phone_number": p, "agent_language": "EN", "metadata": json.dumps({"n": i})}
            for i, p in enumerate(phones, start=first)
        ],
    }
    with httpx.Client(transport=SyncASGITransport(vozzo.app), base_url="http://e") as c:
        answer = c.post("/v1alpha/campaign", json=body, headers={"Authorization": f"Token {TOKEN}"})
    answer.raise_for_status()
    campaign_id: str = answer.json()["data"]["campaign_id"]
    return campaign_id


def creates(vozzo: Vozzo) -> list[Any]:
    return [
        r
        for r in vozzo.app.emulator.requests
        if r.method == "POST" and r.path == "/v1alpha/campaign"
    ]


def write_lockfile(vozzo: Vozzo, doc: dict[str, Any]) -> None:
    (vozzo.root / "vozzo.lock").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------ format


def test_the_lockfile_is_sorted_indented_and_ends_with_a_newline(vozzo: Vozzo) -> None:
    vozzo.campaign("winter", phones=PHONES, metadata={"product": "Winter Bundle"})
    vozzo.campaign("autumn", phones=["+919811122233"])
    assert vozzo.run("apply", "--auto-approve").code == 0
    text = (vozzo.root / "vozzo.lock").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert text == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert doc["format_version"] == 1
    assert doc["api_url"] == API_URL
    assert doc["serial"] == 1
    assert list(doc["campaigns"]) == ["autumn", "winter"]
    [batch] = doc["campaigns"]["winter"]["batches"]
    assert set(batch) == {"campaign_id", "campaign_name", "recipients", "recipients_sha256"}
    assert batch["recipients"] == 2
    assert "pending" not in doc["campaigns"]["winter"]  # written only while a create is open


def test_the_lockfile_holds_no_numbers_metadata_or_key(vozzo: Vozzo) -> None:
    vozzo.campaign("winter", phones=PHONES, metadata={"product": "Winter Bundle"})
    assert vozzo.run("apply", "--auto-approve").code == 0
    text = (vozzo.root / "vozzo.lock").read_text(encoding="utf-8")
    for phone in PHONES:
        assert phone[3:] not in text  # not even without the country code
    assert "Winter Bundle" not in text and "product" not in text
    assert TOKEN not in text


def test_writes_are_atomic_and_leave_no_temporary_files(vozzo: Vozzo) -> None:
    vozzo.campaign("a", state="RUNNING")
    vozzo.campaign("b")
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("a", phones=[*PHONES, "+919811122233"], state="RUNNING")
    assert vozzo.run("apply", "--auto-approve").code == 0
    left = sorted(p.name for p in vozzo.root.iterdir() if p.is_file())
    assert left == ["vozzo.lock", "vozzo.lock.lock"]


def test_save_leaves_the_old_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "vozzo.lock"
    save(path, Lockfile(api_url=API_URL, serial=1))
    before = path.read_text()

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        save(path, Lockfile(api_url=API_URL, serial=2))
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["vozzo.lock"]


def test_a_lockfile_round_trips_with_its_pending_records(tmp_path: Path) -> None:
    path = tmp_path / "vozzo.lock"
    lock = Lockfile(
        api_url=API_URL,
        serial=4,
        campaigns={
            "b": Entry(
                batches=(Batch("id-1", "B", 2, "s1"),),
                settings_sha256="x",
                recipients_sha256="y",
                pending=(
                    Pending("B #2", 1, "s2", "2026-03-02T10:00:00+05:30"),
                    Pending("B #3", 1, "s3", "2026-03-02T10:00:00+05:30", replaces=("id-1",)),
                ),
            ),
            "a": Entry(),
        },
    )
    save(path, lock)
    assert load(path, API_URL) == lock
    doc = json.loads(path.read_text())
    assert list(doc["campaigns"]) == ["a", "b"]
    assert ["replaces" in p for p in doc["campaigns"]["b"]["pending"]] == [False, True]


def test_the_serial_grows_by_one_per_apply_that_changed_anything(vozzo: Vozzo) -> None:
    vozzo.campaign("a", state="RUNNING")
    vozzo.campaign("b", state="RUNNING")
    assert vozzo.run("apply", "--auto-approve").code == 0  # four calls, one serial
    assert vozzo.lockfile()["serial"] == 1
    assert vozzo.run("apply", "--auto-approve").code == 0  # nothing to do
    assert vozzo.lockfile()["serial"] == 1
    vozzo.campaign("a", state="SUSPENDED")
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert vozzo.lockfile()["serial"] == 2


# ------------------------------------------------------------------------------ refusals


def test_a_lockfile_for_another_api_url_is_refused(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    doc = vozzo.lockfile()
    doc["api_url"] = "https://backend.vozzo.ai"
    write_lockfile(vozzo, doc)
    before = len(vozzo.app.emulator.requests)
    for command in (["plan"], ["apply", "--auto-approve"]):
        refused = vozzo.run(*command)
        assert refused.code == 1
        assert f"vozzo.lock was written for https://backend.vozzo.ai, not {API_URL}" in refused.err
        assert "hint: use the lockfile of that account" in refused.err
    assert len(vozzo.app.emulator.requests) == before  # refused before any request
    assert vozzo.lockfile()["api_url"] == "https://backend.vozzo.ai"  # and never rewritten


def test_a_trailing_slash_is_the_same_api_url(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    assert vozzo.run("apply", "--auto-approve").code == 0
    doc = vozzo.lockfile()
    doc["api_url"] = API_URL + "/"
    write_lockfile(vozzo, doc)
    assert vozzo.run("plan", "--detailed-exitcode").code == 0


def test_a_corrupt_lockfile_is_one_line_with_a_hint(vozzo: Vozzo) -> None:
    vozzo.campaign("promo")
    cases = [
        '{"format_version": 1, "serial": 1, "api_url": "http://127',  # cut short by a crash
        "[]",
        '{"format_version": 7, "serial": 1, "api_url": "x", "campaigns": {}}',
        '{"format_version": 1, "api_url": "x", "campaigns": {}}',
        "<<<<<<< HEAD\n",  # a merge conflict
    ]
    for text in cases:
        (vozzo.root / "vozzo.lock").write_text(text, encoding="utf-8")
        for command in (["plan"], ["apply", "--auto-approve"]):
            refused = vozzo.run(*command)
            assert refused.code == 1, text
            lines = refused.err.splitlines()
            assert len(lines) == 2, refused.err
            assert lines[0].startswith("error: vozzo.lock: is not a vozzoctl lockfile (")
            assert lines[1].startswith("hint: restore it from git")
    assert vozzo.live() == []


# ------------------------------------------------------------------------------ pending intents


def pending_lockfile(vozzo: Vozzo, key: str, name: str, batches: list[dict[str, Any]]) -> None:
    write_lockfile(
        vozzo,
        {
            "format_version": 1,
            "serial": 1,
            "api_url": API_URL,
            "campaigns": {
                key: {
                    "batches": batches,
                    "recipients_sha256": "",
                    "settings_sha256": "",
                    "pending": [
                        {
                            "campaign_name": name,
                            "recipients": 2,
                            "recipients_sha256": "0" * 64,
                            "since": "2026-03-02T10:00:00+05:30",
                        }
                    ],
                },
            },
        },
    )


def test_a_create_whose_answer_was_lost_is_adopted_not_sent_again(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=PHONES)
    # the crash: the intent was written, the create went through, the id never came back
    created = create_outside(vozzo, "Promo", PHONES)
    pending_lockfile(vozzo, "promo", "Promo", [])
    planned = vozzo.run("plan", "--detailed-exitcode")
    assert planned.code == 2
    assert "← promo  (adopt)" in planned.out
    assert "POST /v1alpha/campaign" not in planned.out
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert creates(vozzo) == []
    [live] = vozzo.live()
    assert live["campaign_id"] == created
    entry = vozzo.lockfile()["campaigns"]["promo"]
    assert [b["campaign_id"] for b in entry["batches"]] == [created]
    assert "pending" not in entry
    assert vozzo.run("plan", "--detailed-exitcode").code == 0


def test_a_lost_append_batch_is_adopted_beside_the_recorded_one(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=PHONES[:1])
    assert vozzo.run("apply", "--auto-approve").code == 0
    first = vozzo.lockfile()["campaigns"]["promo"]["batches"]
    vozzo.campaign("promo", phones=PHONES)
    created = create_outside(vozzo, "Promo #2", PHONES[1:], first=1)
    pending_lockfile(vozzo, "promo", "Promo #2", first)
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert creates(vozzo) == []
    entry = vozzo.lockfile()["campaigns"]["promo"]
    assert [b["campaign_id"] for b in entry["batches"]] == [first[0]["campaign_id"], created]
    assert "pending" not in entry
    assert vozzo.run("plan", "--detailed-exitcode").code == 0


def test_a_create_that_never_left_is_planned_again_once(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", phones=PHONES)
    pending_lockfile(vozzo, "promo", "Promo", [])  # the crash came before the request
    # Whether it left is unknown: it waits (--pending-wait) for lists that may lag, then is sent.
    assert "may exist: 'Promo' was sent at 04:30 UTC" in vozzo.run("plan").all
    assert creates(vozzo) == []
    planned = vozzo.run("plan", "--pending-wait", "0")
    assert "may exist: 'Promo' not found by name or count since 04:30 UTC" in planned.out
    assert vozzo.run("apply", "--auto-approve", "--pending-wait", "0").code == 0
    assert len(creates(vozzo)) == 1
    assert len(vozzo.live()) == 1
    assert "pending" not in vozzo.lockfile()["campaigns"]["promo"]
    assert vozzo.run("plan", "--detailed-exitcode").code == 0


# ---------------------------------------------------------------- writes as apply makes them


class WatchingTransport(httpx.AsyncBaseTransport):
    """The emulator in-process, reading the lockfile as each create arrives."""

    def __init__(self, vozzo: Vozzo, seen: list[tuple[str, list[str]]]) -> None:
        self.inner = httpx.ASGITransport(app=vozzo.app)
        self.path = vozzo.root / "vozzo.lock"
        self.seen = seen

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == "/v1alpha/campaign":
            name = json.loads(request.content)["campaign_name"]
            doc = json.loads(self.path.read_text()) if self.path.exists() else {"campaigns": {}}
            pending = [
                p["campaign_name"] for e in doc["campaigns"].values() for p in e.get("pending", [])
            ]
            self.seen.append((name, pending))
        return await self.inner.handle_async_request(request)


def test_every_create_is_on_disk_as_pending_before_it_is_sent(vozzo: Vozzo) -> None:
    keys = [f"k{i}" for i in range(12)]
    for i, key in enumerate(keys):
        vozzo.campaign(key, phones=[f"+9198200{i:03d}45"], state="RUNNING")
    seen: list[tuple[str, list[str]]] = []
    runtime.set_transport_factory(lambda: WatchingTransport(vozzo, seen))
    assert vozzo.run("apply", "--auto-approve", "--concurrency", "8").code == 0
    assert sorted(name for name, _ in seen) == sorted(k.title() for k in keys)
    for name, pending in seen:
        assert name in pending, f"{name} was sent before its intent was written"
    assert vozzo.lockfile()["serial"] == 1
    assert '"pending"' not in (vozzo.root / "vozzo.lock").read_text()


entries = st.builds(
    Entry,
    batches=st.lists(
        st.builds(Batch, st.text(), st.text(), st.integers(0, 10**6), st.text()), max_size=3
    ).map(tuple),
    settings_sha256=st.text(),
    recipients_sha256=st.text(),
    pending=st.lists(
        st.builds(
            Pending,
            st.text(),
            st.integers(0, 10**6),
            st.text(),
            st.text(),
            st.lists(st.text(), max_size=2).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
)


@settings(deadline=None)
@given(
    api_url=st.text(),
    serial=st.integers(0, 10**9),
    campaigns=st.dictionaries(st.text(), entries, max_size=4),
)
def test_the_text_is_exactly_json_dumps_of_the_document(
    api_url: str, serial: int, campaigns: dict[str, Entry]
) -> None:
    """The lockfile's text is put together from cached per-entry pieces; it must be
    byte for byte what encoding the whole document gives."""
    lock = Lockfile(api_url, serial, campaigns)
    doc = json.loads(lock.to_json())
    assert lock.to_json() == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert doc["serial"] == serial and doc["api_url"] == api_url
    assert sorted(doc["campaigns"]) == sorted(campaigns)
