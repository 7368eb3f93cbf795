"""The lockfile apply writes as it goes: the same text a whole save would write, key masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Vozzo
from vozzoctl import lockfile as lockfile_module
from vozzoctl import redact
from vozzoctl.lockfile import Batch, Entry, Lockfile, Pending, load
from vozzoctl.recorder import LockfileText

KEY = "sk-live-Zq7pLm3Xw9"
URL = "http://127.0.0.1:9"

keys = st.sampled_from(["alpha", "beta", "gamma", "delta", "k-10", "k-9", "zeta"])
names = st.sampled_from(["Alpha", "Beta #2", f"Promo {KEY}", "Ünïcode ☎", 'quote " back \\'])
entries = st.builds(
    lambda name, n, state: Entry(
        batches=(Batch(f"id-{n}", name, n, "r" * 64),),
        settings_sha256="s" * 64,
        pending=(Pending(f"{name} #2", n, "p" * 64, "2026-12-01T10:00:00+05:30"),) if n % 2 else (),
        state=state,
    ),
    names,
    st.integers(0, 9),
    st.sampled_from(["", "RUNNING"]),
)
changes = st.lists(st.tuples(keys, st.none() | entries), max_size=25)


@given(start=st.dictionaries(keys, entries, max_size=5), steps=changes, serial=st.integers(0, 99))
def test_the_text_kept_entry_by_entry_is_the_whole_lockfile_masked(
    start: dict[str, Entry], steps: list[tuple[str, Entry | None]], serial: int
) -> None:
    redactor = redact.Redactor([KEY])
    with pytest.MonkeyPatch.context() as m:
        m.setattr(redact, "_current", redactor)
        lock = Lockfile(URL, serial, dict(start))
        text = LockfileText(lock)
        assert text.text() == redact.redact(lock.to_json())
        for key, entry in steps:
            text.set(key, entry)
            lock = lock.with_entry(key, entry)
            assert text.text() == redact.redact(lock.to_json())
            assert KEY not in text.text()
        assert text.lockfile() == lock


def test_the_text_reads_back_as_the_lockfile_it_was_kept_for(tmp_path: Path) -> None:
    lock = Lockfile(URL, 3, {"beta": Entry(state="RUNNING")})
    text = LockfileText(lock)
    text.set("alpha", Entry((Batch("c-1", "Alpha", 2, "r" * 64),), "s" * 64, "r" * 64))
    text.set("beta", None)
    path = tmp_path / "vozzo.lock"
    path.write_text(text.text(), encoding="utf-8")
    assert load(path, URL) == text.lockfile()
    assert list(json.loads(path.read_text(encoding="utf-8"))["campaigns"]) == ["alpha"]


def test_a_key_that_fails_after_its_create_still_records_the_campaign(vozzo: Vozzo) -> None:
    """A create's id goes to disk with a later write (the next create's, the key's finish, or
    apply's last): a key that fails at its start, after the create, has no finish to carry it."""
    vozzo.campaign("alpha", state="RUNNING")  # a create, then a start
    start = {"method": "POST", "path": "/v1alpha/campaign/update-campaign/*", "on": "every",
             "action": "status", "status": 400}  # fmt: skip
    vozzo.app.emulator.set_fault_plan({"rules": [start]})
    result = vozzo.run("apply", "--auto-approve")
    assert result.code == 1, result.all
    [made] = vozzo.live()
    entry = vozzo.lockfile()["campaigns"]["alpha"]
    assert [b["campaign_id"] for b in entry["batches"]] == [made["campaign_id"]]
    assert "pending" not in entry


def test_an_apply_with_nothing_to_send_writes_every_keys_labels_at_once(
    vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = ("alpha", "beta", "gamma")
    for key in keys:
        vozzo.campaign(key)
    assert vozzo.run("apply", "--auto-approve").code == 0
    for key in keys:  # labels are not sent: the apply has nothing to send, only to record
        path = vozzo.root / "campaigns" / f"{key}.yaml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["metadata"]["labels"] = {"team": "growth"}
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    writes: list[str] = []
    real = lockfile_module.write_text

    def counted(path: Path, text: str) -> None:
        writes.append(text)
        real(path, text)

    monkeypatch.setattr(lockfile_module, "write_text", counted)
    result = vozzo.run("apply", "--auto-approve")
    assert result.code == 0, result.all
    assert "Nothing to apply." in result.err
    assert len(writes) == 1  # one write for the three keys, not one each
    entries = vozzo.lockfile()["campaigns"]
    assert {key: entries[key]["labels"] for key in keys} == {k: {"team": "growth"} for k in keys}
