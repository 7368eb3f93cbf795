"""One session, every command a user runs, with a known key and known numbers: neither the key
nor any full number appears in any stream or any file vozzoctl writes. (The only files that
hold numbers are the recipients `import` writes on purpose, private to their owner.)"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

from tests.cli.helpers import create
from tests.conftest import TOKEN, Vozzo

NUMBERS = ["+919820012345", "+919845023456", "+919833300003", "+918022223333", "+919811100001"]


def forms(number: str) -> list[str]:
    """A full number as it might be written: E.164, without `+`, national, spaced."""
    national = number[3:]
    return [
        number[1:],
        national,
        f"{national[:5]} {national[5:]}",
        f"{national[:5]}-{national[5:]}",
    ]


def leaks(text: str) -> list[str]:
    found = [f for n in NUMBERS for f in forms(n) if f in text]
    low = text.lower()
    found += [TOKEN[i : i + 6] for i in range(len(TOKEN) - 5) if TOKEN[i : i + 6].lower() in low]
    return found


def test_no_key_and_no_full_number_anywhere(vozzo: Vozzo) -> None:
    before = {p for p in vozzo.root.rglob("*")}
    csv = "phone,language,customer_name,alt_phone\n+91 98450 23456,HI,Arjun,'+919833300003\n"
    vozzo.write("campaigns/leads/promo.csv", csv)
    vozzo.campaign(
        "promo",
        state="RUNNING",
        schedule={"start_date": vozzo.day(0)},
        phones=["+91 98200 12345"],
        recipient_files=["leads/promo.csv"],
    )
    create(vozzo, "Legacy", [("+918022223333", "EN", {"customer_name": "Ravi"}),
                             ("+919811100001", "EN", {"note": "=1+1"})])  # fmt: skip
    manifests = {p for p in vozzo.root.rglob("*")} - before

    streams: list[str] = []

    def run(*args: str, code: int | None = 0) -> str:
        r = vozzo.run(*args)
        if code is not None:
            assert r.code == code, r.all
        streams.append(r.all)
        return r.out

    run("-v", "validate")
    run("validate", "--format", "json")
    for fmt in ("text", "json", "markdown"):
        run("plan", "-v", "--format", fmt)
    run("plan", "-v", "--out", "plan.json")
    run("apply", "plan.json", "-v")
    vozzo.app.emulator.advance(hours=8)
    run("status", "-v")
    run("status", "--format", "json")
    listing = json.loads(run("calls", "promo", "--format", "json"))
    run("calls", "promo", "-v")
    for call in listing["calls"]:
        run("calls", "promo", call["scheduled_item_id"], "-v")
        run("calls", "promo", call["scheduled_item_id"], "--format", "json")
    run("import", "-v")
    run("plan", "-v", "--detailed-exitcode")
    run("whoami", "-v")

    for text in streams:
        assert not leaks(text), (leaks(text), text)
    written = [p for p in vozzo.root.rglob("*") if p.is_file() and p not in manifests]
    imported = [p for p in written if p.parent.name == "imported"]
    others = [p for p in written if p not in imported]
    assert {p.name for p in others} >= {"vozzo.lock", "plan.json"}
    for p in others:
        assert not leaks(p.read_text(encoding="utf-8")), p
    # import's manifest and CSV hold the recipients (that is their job): never the key,
    # readable by their owner only, and no formula a spreadsheet would run
    assert imported
    for p in imported:
        text = p.read_text(encoding="utf-8")
        assert TOKEN.lower() not in text.lower(), p
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
        assert not re.search(r"(^|,)[=+\-@](?!91)", text, re.MULTILINE), p


def test_the_scan_can_find_a_leak(tmp_path: Path) -> None:
    assert leaks("call 98200 12345 now") and leaks(f"Token {TOKEN.upper()}")
    assert not leaks("+91******2345 and ***")
