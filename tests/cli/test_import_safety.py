"""`import` writes what a live campaign holds without letting it run anything: a crafted name
stays one name in one document, spreadsheet formulas stay text, and the files are private."""

from __future__ import annotations

import csv
import stat

import pytest
import yaml

from tests.cli.helpers import create
from tests.conftest import AGENT, Vozzo
from vozzoctl.csvcells import FORMULA_START, escape_cell, unescape_cell

CRAFTED = (
    "Promo\n---\napiVersion: vozzoctl/v1\nkind: Campaign\nmetadata: {name: evil}\n"
    "spec: {name: Evil, state: RUNNING}\n"
)
NAMES = {
    "document in a name": CRAFTED,
    "comment and quotes": "Promo # \"quoted\" 'single': colon, --- and ...",
    "markdown": "Promo ``` </details> <script>",
    "line separator": "Promo\u2028---\u2029x\x85y",
}


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_a_crafted_live_name_stays_one_name_in_one_document(vozzo: Vozzo, name: str) -> None:
    create(vozzo, name, [("+919820012345", "EN", {"customer_name": "Priya"})])
    r = vozzo.run("import")
    assert r.code in (0, 1), r.all
    written = sorted((vozzo.root / "campaigns/imported").glob("*.yaml"))
    assert len(written) == 1
    docs = list(yaml.safe_load_all(written[0].read_text(encoding="utf-8")))
    assert len(docs) == 1
    assert docs[0]["spec"]["name"] == name
    assert docs[0]["spec"]["state"] == "TO_START"
    assert set(vozzo.lockfile()["campaigns"]) == {written[0].stem}


def test_a_name_without_control_characters_round_trips_through_plan(vozzo: Vozzo) -> None:
    create(vozzo, NAMES["comment and quotes"], [("+919820012345", "EN", {"n": "1"})])
    assert vozzo.run("import").code == 0
    r = vozzo.run("plan", "--detailed-exitcode")
    assert r.code == 0, r.all


FORMULAS = {
    "sum": "=SUM(A1:A2)",
    "cmd": "=cmd|' /C calc'!A0",
    "plus": "+1+1",
    "minus": "-2+3",
    "at": "@SUM(1)",
    "tab": "\tx",
    "cr": "\rx",
    "quoted": "'=kept as written",
    "two quotes": "''x",
    "quote alone": "'",
    "quote then text": "'hello",
    "plain": "hello",
}


def test_formula_cells_are_text_in_the_csv_and_read_back_the_same(vozzo: Vozzo) -> None:
    rows = [
        (f"+9198200123{n:02d}", "EN", {"note": value, "customer_name": "Priya"})
        for n, value in enumerate(FORMULAS.values())
    ]
    create(vozzo, "Formulas", rows)
    r = vozzo.run("import")
    assert r.code == 0, r.all
    path = vozzo.root / "campaigns/imported/formulas.csv"
    with path.open(encoding="utf-8", newline="") as f:
        cells = list(csv.reader(f))
    assert cells[0] == ["phone", "language", "customer_name", "note"]
    for phone, _, _, note in cells[1:]:
        assert phone.startswith("+91")  # a validated number, left as it is
        assert note[:1] not in FORMULA_START, note  # a spreadsheet runs none of them
    assert len(cells) == len(FORMULAS)  # the carriage return is in the manifest instead
    notes = {row[3] for row in cells[1:]}
    assert "'=SUM(A1:A2)" in notes and "''=kept as written" in notes and "hello" in notes
    # plan reads the very values the live campaign holds: no change
    r = vozzo.run("plan", "--detailed-exitcode")
    assert r.code == 0, r.all


def test_a_formula_column_name_keeps_its_recipients_in_the_manifest(vozzo: Vozzo) -> None:
    create(vozzo, "Header", [("+919820012345", "EN", {"=HYPERLINK(1)": "x"})])
    assert vozzo.run("import").code == 0
    assert not (vozzo.root / "campaigns/imported/header.csv").exists()
    assert vozzo.run("plan", "--detailed-exitcode").code == 0


@pytest.mark.parametrize("value", FORMULAS.values(), ids=FORMULAS.keys())
def test_escape_and_unescape_are_inverse(value: str) -> None:
    assert unescape_cell(escape_cell(value)) == value
    assert escape_cell(value)[:1] not in FORMULA_START


def test_imported_files_are_private(vozzo: Vozzo) -> None:
    create(vozzo, "Private", [("+919820012345", "EN", {"customer_name": "Priya"})])
    create(vozzo, "Inline", [("+919820012346", "EN", {"emi": 1})], agent=AGENT)
    assert vozzo.run("import").code == 0
    written = sorted((vozzo.root / "campaigns/imported").iterdir())
    assert {p.suffix for p in written} == {".yaml", ".csv"}
    for p in written:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
