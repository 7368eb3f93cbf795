"""The lockfile's optional records (applied state, labels, stop): read back as written, absent
in files written before them, ignored by a reader that predates them."""

from __future__ import annotations

import json
from pathlib import Path

from vozzoctl.lockfile import Batch, Entry, Lockfile, Stop, load, save

URL = "http://vozzo.test"


def test_the_records_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "vozzo.lock"
    entry = Entry(
        batches=(Batch("c1", "Promo", 2, "a" * 64),),
        settings_sha256="b" * 64,
        recipients_sha256="c" * 64,
        state="RUNNING",
        labels=(("team", "growth"),),
        stopped=Stop("2026-12-01T15:30:00+05:30", "complaints", ("c1",)),
    )
    save(path, Lockfile(URL, 4, {"promo": entry}))
    doc = json.loads(path.read_text())["campaigns"]["promo"]
    assert doc["state"] == "RUNNING"
    assert doc["labels"] == {"team": "growth"}
    assert doc["stopped"] == {
        "at": "2026-12-01T15:30:00+05:30",
        "reason": "complaints",
        "batches": ["c1"],
    }
    assert load(path, URL).campaigns["promo"] == entry


def test_a_lockfile_written_before_them_reads_as_not_known(tmp_path: Path) -> None:
    path = tmp_path / "vozzo.lock"
    old = {
        "api_url": URL,
        "campaigns": {
            "promo": {
                "batches": [
                    {"campaign_id": "c1", "campaign_name": "Promo", "recipients": 2,
                     "recipients_sha256": "a" * 64}
                ],
                "recipients_sha256": "c" * 64,
                "settings_sha256": "b" * 64,
            }
        },
        "format_version": 1,
        "serial": 3,
    }  # fmt: skip
    path.write_text(json.dumps(old))
    entry = load(path, URL).campaigns["promo"]
    assert (entry.state, entry.labels, entry.stopped) == ("", (), None)
    save(path, load(path, URL))
    assert json.loads(path.read_text()) == old  # nothing added that was not there
