"""Hostile input never crashes vozzoctl and never reaches the API.

Random bytes, and random mutations of a valid manifest and of its recipient CSV, go to
`validate` and `plan` against the in-process emulator. Whatever the input: no traceback, exit
code 0 or 1 (or 2 for plan changes), and when validate refuses the input, plan sends the API
nothing at all (the emulator's request log stays empty); plan never writes in any case.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import AGENT, Vozzo

DNC = "# opted out\n+919845099999\n\n+91 98450 88888  # asked twice\n"
CSV = 'phone,language,customer_name\n+919820012345,HI,Priya\n+919845023456,,"Rao, Ravi"\n'


def manifest(vozzo: Vozzo) -> str:
    doc = {
        "apiVersion": "vozzoctl/v1",
        "kind": "Campaign",
        "metadata": {"name": "winter-promo"},
        "spec": {
            "name": "Winter Promotion",
            "agent": AGENT,
            "schedule": {"start_date": vozzo.day(1), "start_hour": 9, "end_hour": 18},
            "retry": {"max_attempts": 3},
            "metadata": {"product": "bundle"},
            "recipients": [{"phone": "+91 98123 45678", "language": "EN"}],
            "recipient_files": ["leads.csv"],
            "compliance": ["in-trai"],
            "suppress": ["dnc.txt"],
        },
    }
    return yaml.safe_dump(doc, sort_keys=False)


# Text that tends to find the edges: YAML syntax, quotes, phone-like and spreadsheet text,
# variable references, paths out of the tree, control characters.
PIECES = st.sampled_from(
    [
        "\n", ": ", "- ", "---\n", "#", "\"", "'", "{", "}", "[", "]", "&a ", "*a", "<<: ",
        "!!python/object", "${VOZZO_API_KEY}", "${VOZZOCTL_VAR_X}", "../", "/dev/zero",
        "/proc/self/environ", "+91", "0091", "9.19820E+11", "XXXXX", ".inf", ".nan", "\t",
        "\0", "\r", ";", ",", "\u2028", "\ufeff", "010", "no", "2026-13-45", "-1", "99999",
    ]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, text: str) -> bytes:
    data = text.encode()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "repeat"]))
        if kind == "insert":
            piece = draw(st.one_of(PIECES.map(str.encode), st.binary(max_size=8)))
            data = data[:at] + piece + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 20)) :]
        elif kind == "replace" and at < len(data):
            data = data[:at] + draw(st.binary(min_size=1, max_size=1)) + data[at + 1 :]
        else:
            end = min(len(data), at + draw(st.integers(1, 40)))
            data = data[:end] + data[at:end] + data[end:]
    return data


def check(
    vozzo: Vozzo, yaml_bytes: bytes | None, csv_bytes: bytes | None, dnc: bytes | None = None
) -> None:
    folder = vozzo.root / "campaigns"
    folder.mkdir(exist_ok=True)
    (folder / "c.yaml").write_bytes(
        yaml_bytes if yaml_bytes is not None else manifest(vozzo).encode()
    )
    (folder / "leads.csv").write_bytes(csv_bytes if csv_bytes is not None else CSV.encode())
    (folder / "dnc.txt").write_bytes(dnc if dnc is not None else DNC.encode())
    vozzo.app.emulator.clear_requests()
    checked = vozzo.run("validate", "-f", "campaigns")
    assert checked.code in (0, 1), checked.all
    assert "Traceback" not in checked.all
    assert vozzo.app.emulator.requests == []
    planned = vozzo.run("plan", "-f", "campaigns", "--format", "json")
    assert planned.code in (0, 1, 2), planned.all
    assert "Traceback" not in planned.all
    sent = vozzo.app.emulator.requests
    if checked.code == 1:
        assert planned.code == 1
        assert sent == [], [(r.method, r.path) for r in sent]
    assert all(r.method == "GET" for r in sent), [(r.method, r.path) for r in sent]


SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_the_unmutated_input_is_valid_and_plans_a_create(vozzo: Vozzo) -> None:
    check(vozzo, None, None)
    assert vozzo.run("validate", "-f", "campaigns").code == 0


@pytest.mark.slow
@SETTINGS
@given(data=st.data())
def test_a_mutated_manifest_never_crashes_and_never_reaches_the_api(
    vozzo: Vozzo, data: st.DataObject
) -> None:
    check(vozzo, data.draw(mutated(manifest(vozzo))), None)


@pytest.mark.slow
@SETTINGS
@given(data=st.data())
def test_a_mutated_csv_never_crashes_and_never_reaches_the_api(
    vozzo: Vozzo, data: st.DataObject
) -> None:
    check(vozzo, None, data.draw(mutated(CSV)))


@pytest.mark.slow
@SETTINGS
@given(data=st.data())
def test_a_mutated_do_not_call_list_never_crashes_and_never_reaches_the_api(
    vozzo: Vozzo, data: st.DataObject
) -> None:
    check(vozzo, None, None, data.draw(mutated(DNC)))


@pytest.mark.slow
@SETTINGS
@given(manifest_bytes=st.binary(max_size=300), csv_bytes=st.binary(max_size=300))
def test_random_bytes_never_crash_and_never_reach_the_api(
    vozzo: Vozzo, manifest_bytes: bytes, csv_bytes: bytes
) -> None:
    check(vozzo, manifest_bytes, csv_bytes)
