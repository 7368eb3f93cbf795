"""The bad-input corpus: every broken manifest under tests/fixtures/invalid/<case>/ and the exact
messages a user sees for it, kept beside it in expected.txt (one formatted diagnostic a line).

Each case is loaded from inside its own folder, so the messages name files relative to it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AGENT, FIXED_TODAY, campaign_yaml

from vozzoctl.manifest import load_desired_state
from vozzoctl.manifest.loader import MAX_MANIFEST_BYTES

CORPUS = Path(__file__).parent.parent / "fixtures" / "invalid"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
# set, but nothing in the corpus may use them: the key above all
ENV = {"HOME": "/home/nobody", "VOZZO_API_KEY": "corpus-key-3c1f9a"}


def test_every_case_is_a_manifest_with_its_expected_messages() -> None:
    """A folder without a manifest, or with an empty expected.txt, would pass while testing
    nothing: each case holds at least one manifest and at least one expected message."""
    hollow = [
        case
        for case in CASES
        if not any((CORPUS / case).rglob("*.y*ml"))
        or not (CORPUS / case / "expected.txt").is_file()
        or not (CORPUS / case / "expected.txt").read_text(encoding="utf-8").strip()
    ]
    assert hollow == []
    assert len(CASES) >= 45


@pytest.mark.parametrize("case", CASES)
def test_invalid_input_is_reported_exactly(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = CORPUS / case
    expected = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    monkeypatch.chdir(folder)
    result = load_desired_state(["."], today=FIXED_TODAY, env=ENV)
    assert [d.format() for d in result.diagnostics] == expected
    assert not result.ok


def test_no_message_shows_a_phone_number_unmasked(monkeypatch: pytest.MonkeyPatch) -> None:
    digits = "0123456789"
    for case in CASES:
        for line in (CORPUS / case / "expected.txt").read_text(encoding="utf-8").splitlines():
            # the only whole number allowed is the generic E.164 example in hints
            text = line.replace("+911234567890", "").replace(AGENT, "")
            run = 0
            for c in text:
                run = run + 1 if c in digits else 0
                assert run < 7, f"{case}: {line}"


def test_a_file_over_the_size_limit_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "huge.yaml"
    with big.open("wb") as f:
        f.write(campaign_yaml().encode())
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB on paper, nothing on disk
    assert big.stat().st_size > MAX_MANIFEST_BYTES
    monkeypatch.chdir(tmp_path)
    result = load_desired_state(["."], today=FIXED_TODAY, env={})
    assert [d.format() for d in result.diagnostics] == [
        "huge.yaml: is 50.0 MB; a manifest holds at most 32 MB "
        "(put long recipient lists in CSV files, listed in spec.recipient_files)"
    ]


def test_a_valid_file_with_a_byte_order_mark_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "campaign.yaml").write_bytes(b"\xef\xbb\xbf" + campaign_yaml().encode())
    monkeypatch.chdir(tmp_path)
    result = load_desired_state(["."], today=FIXED_TODAY, env={})
    assert result.diagnostics == []
    assert [c.key for c in result.state] == ["winter-promo"]


def test_a_valid_file_with_windows_line_ends_loads_with_the_same_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = campaign_yaml(extra_spec="  state: COMPLETED\n").replace("\n", "\r\n")
    (tmp_path / "campaign.yaml").write_bytes(text.encode())
    monkeypatch.chdir(tmp_path)
    result = load_desired_state(["."], today=FIXED_TODAY, env={})
    # one error placed so that line counting is checked too: CRLF counts as one line end
    assert [d.format() for d in result.diagnostics] == [
        "campaign.yaml:14:10: spec.state: COMPLETED is set by Vozzo when every call is done "
        "(to stop a campaign use ENDED)"
    ]
    (tmp_path / "campaign.yaml").write_bytes(campaign_yaml().replace("\n", "\r\n").encode())
    result = load_desired_state(["."], today=FIXED_TODAY, env={})
    assert result.diagnostics == []
    assert result.state.campaigns[0].settings.campaign_name == "Winter Promotion winter-promo"
