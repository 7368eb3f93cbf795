"""The lockfile lives in git: nothing in it gives back a number the repository does not already
show. A plain SHA-256 of a one-recipient batch would, by trying all numbers (about 10^10 tries);
so recipients read from CSV files (which a team may keep out of git), through `${VAR}`, or
adopted from the live account are digested salted with the key and stretched. Numbers written
literally in a manifest are in the repository already: their digest is only salted, which costs
microseconds a key instead of milliseconds."""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

import pytest

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


def salted(key: str, phone: str, metadata: str) -> str:
    """The documented digest of one recipient written literally in a manifest."""
    plain = hashlib.sha256(f"{phone}\tEN\t{metadata}\n".encode()).hexdigest()
    return hashlib.sha256(f"vozzoctl/recipients/literal/{key}\n{plain}".encode()).hexdigest()


def test_a_one_recipient_batch_from_a_csv_cannot_be_looked_up_by_hashing_numbers(
    vozzo: Vozzo,
) -> None:
    vozzo.write("campaigns/solo.csv", f"phone\n{PHONE}\n")
    vozzo.write("campaigns/twin.csv", f"phone\n{PHONE}\n")
    vozzo.campaign("solo", recipients=[], recipient_files=["solo.csv"])
    vozzo.campaign("twin", recipients=[], recipient_files=["twin.csv"], name="Twin")
    assert vozzo.run("apply", "--auto-approve").code == 0, vozzo.run("validate").all
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


def test_a_number_behind_a_variable_is_stretched_like_one_in_a_csv(
    vozzo: Vozzo, monkeypatch: pytest.MonkeyPatch
) -> None:
    vozzo.campaign("solo", phones=["${VOZZOCTL_VAR_PHONE}"])
    monkeypatch.setenv("VOZZOCTL_VAR_PHONE", PHONE)
    assert vozzo.run("apply", "--auto-approve").code == 0
    entry = vozzo.lockfile()["campaigns"]["solo"]
    assert entry["recipients_sha256"] != salted("solo", PHONE, '{"n":0}')
    assert not plain_guesses(PHONE) & set(digests(vozzo.lockfile()))
    assert vozzo.run("plan", "--detailed-exitcode").code == 0


def test_numbers_written_in_the_manifest_are_only_salted_and_still_compared(
    vozzo: Vozzo,
) -> None:
    vozzo.campaign("solo", phones=[PHONE])
    assert vozzo.run("apply", "--auto-approve").code == 0
    entry = vozzo.lockfile()["campaigns"]["solo"]
    assert entry["recipients_sha256"] == salted("solo", PHONE, '{"n":0}')
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("plan", "--detailed-exitcode").code == 0
    assert not any(r.path.endswith("/items") for r in vozzo.app.emulator.requests)
    vozzo.campaign("solo", phones=[PHONE, "+919845023456"])
    assert vozzo.run("plan", "--detailed-exitcode").code == 2  # a recipient added: noticed


def test_numbers_moved_from_the_manifest_into_a_csv_are_compared_never_sent_again(
    vozzo: Vozzo,
) -> None:
    """The digest's form follows the numbers' source: moved into a CSV, the same recipients
    read as an unknown digest, so the plan reads the live calls, finds them equal, and the
    next apply sends nothing and writes the stretched form."""
    vozzo.campaign("solo", recipients=[{"phone": PHONE}])
    assert vozzo.run("apply", "--auto-approve").code == 0
    inline = vozzo.lockfile()["campaigns"]["solo"]["recipients_sha256"]
    vozzo.write("campaigns/solo.csv", f"phone\n{PHONE}\n")
    vozzo.campaign("solo", recipients=[], recipient_files=["solo.csv"])
    vozzo.app.emulator.clear_requests()
    result = vozzo.run("plan", "--detailed-exitcode")
    assert result.code == 0, result.all
    assert any(r.path.endswith("/items") for r in vozzo.app.emulator.requests)
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("apply", "--auto-approve").code == 0
    assert not any(r.method == "POST" for r in vozzo.app.emulator.requests)
    stretched = vozzo.lockfile()["campaigns"]["solo"]["recipients_sha256"]
    assert stretched != inline
    vozzo.app.emulator.clear_requests()
    assert vozzo.run("plan", "--detailed-exitcode").code == 0
    assert not any(r.path.endswith("/items") for r in vozzo.app.emulator.requests)
