"""The lockfile lives in git: nothing in it gives back a recipient's number by trying all
numbers. A plain SHA-256 of a one-recipient batch would (about 10^10 tries); the digest is
salted with the key and stretched, so equal recipients under two keys differ too."""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

from tests.conftest import Vozzo

PHONE = "+919820012345"


def digests(lock: dict[str, Any]) -> list[str]:
    out = []
    for entry in lock["campaigns"].values():
        out.append(entry["recipients_sha256"])
        out.extend(b["recipients_sha256"] for b in entry["batches"])
    return out


def plain_guesses(phone: str) -> set[str]:
    """What an attacker would hash for one number: each language, with or without metadata."""
    forms = set()
    for language, metadata in itertools.product(("EN", "HI"), ("{}", '{"n":0}')):
        for text in (
            phone,
            f"{phone}\t{language}\t{metadata}\n",
            f"{phone}\t{language}\t{metadata}",
        ):
            forms.add(hashlib.sha256(text.encode()).hexdigest())
    return forms


def test_a_one_recipient_batch_cannot_be_looked_up_by_hashing_numbers(vozzo: Vozzo) -> None:
    vozzo.campaign("solo", phones=[PHONE])
    vozzo.campaign("twin", phones=[PHONE], name="Twin")
    assert vozzo.run("apply", "--auto-approve").code == 0
    lock = vozzo.lockfile()
    found = digests(lock)
    assert len(found) == 4 and all(len(d) == 64 for d in found)
    assert not plain_guesses(PHONE) & set(found)
    solo, twin = lock["campaigns"]["solo"], lock["campaigns"]["twin"]
    assert solo["recipients_sha256"] != twin["recipients_sha256"]  # salted by key
    assert vozzo.run("plan", "--detailed-exitcode").code == 0  # and still compared equal


def test_a_lockfile_with_plain_digests_is_read_and_plans_no_changes(vozzo: Vozzo) -> None:
    vozzo.campaign("solo", phones=[PHONE])
    assert vozzo.run("apply", "--auto-approve").code == 0
    lock = vozzo.lockfile()
    old = hashlib.sha256(f'{PHONE}\tEN\t{{"n":0}}\n'.encode()).hexdigest()
    lock["campaigns"]["solo"]["recipients_sha256"] = old
    for batch in lock["campaigns"]["solo"]["batches"]:
        batch["recipients_sha256"] = old
    (vozzo.root / "vozzo.lock").write_text(json.dumps(lock, indent=2, sort_keys=True) + "\n")
    vozzo.app.emulator.clear_requests()
    result = vozzo.run("plan", "--detailed-exitcode")
    assert result.code == 0, result.all  # the live calls are read and agree: no changes
    assert any(r.path.endswith("/items") for r in vozzo.app.emulator.requests)
