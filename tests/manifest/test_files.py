"""Files a manifest names stay inside the tree given with -f, are regular files of bounded size,
and are never quoted in a message. (The bad-input corpus holds the cases git can store:
absolute paths, `..` out, links out, folders; here are the ones it cannot.)"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Load, campaign_yaml

from vozzoctl.manifest.files import MAX_DATA_FILE_BYTES

Files = Callable[[dict[str, str | bytes]], Path]
INDIA = "+919812345678"
OTHER = "+919845023456"


def with_csv(name: str = "leads.csv") -> str:
    return campaign_yaml(phones=(), extra_spec=f"  recipient_files: [{name}]\n")


def errors(result: object) -> list[str]:
    return [d.format() for d in result.errors]  # type: ignore[attr-defined]


def test_a_fifo_is_refused_without_waiting_for_a_writer(files: Files, load: Load) -> None:
    root = files({"c.yaml": with_csv()})
    os.mkfifo(root / "leads.csv")
    assert errors(load()) == [
        "c.yaml:14:21: spec.recipient_files[0]: leads.csv: is not a regular file "
        "(a device, pipe or socket) (name a CSV or text file saved in the repository)"
    ]


def test_a_device_inside_the_tree_is_refused_unread(files: Files, load: Load) -> None:
    root = files({"c.yaml": with_csv()})
    try:  # /dev/zero's numbers: read, it would never end
        os.mknod(root / "leads.csv", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs CAP_MKNOD")
    assert errors(load()) == [
        "c.yaml:14:21: spec.recipient_files[0]: leads.csv: is not a regular file "
        "(a device, pipe or socket) (name a CSV or text file saved in the repository)"
    ]


def test_a_fifo_given_with_f_is_named_as_such(files: Files, load: Load) -> None:
    root = files({})
    os.mkfifo(root / "pipe.yaml")
    assert errors(load("pipe.yaml")) == [
        "pipe.yaml: is not a regular file or folder (a device, pipe or socket) "
        "(give manifests with -f PATH, a file or a folder)"
    ]


def test_a_file_over_the_size_cap_is_refused_unread(files: Files, load: Load) -> None:
    root = files({"c.yaml": with_csv()})
    with (root / "leads.csv").open("wb") as f:
        f.write(b"phone\n+919812345678\n")
        f.truncate(MAX_DATA_FILE_BYTES + 1)  # sparse: nothing on disk
    assert errors(load()) == [
        "c.yaml:14:21: spec.recipient_files[0]: leads.csv: is 256.0 MB; a file named by a "
        "manifest holds at most 256 MB (split it into several files)"
    ]


def test_dot_dot_that_stays_inside_the_tree_is_fine(files: Files, load: Load) -> None:
    files(
        {
            "team/c.yaml": with_csv("../shared/leads.csv"),
            "shared/leads.csv": f"phone\n{INDIA}\n",
        }
    )
    result = load(".")
    assert errors(result) == []
    assert [r.phone for r in result.state.campaigns[0].recipients] == [INDIA]
    # the same manifest given on its own: its tree is its folder, and shared/ is outside it
    assert errors(load("team")) == [
        "team/c.yaml:14:21: spec.recipient_files[0]: ../shared/leads.csv: is not in or below "
        "'team', the folder given with -f (keep recipient and do-not-call files inside the "
        "manifests' tree)"
    ]


def test_a_link_that_stays_inside_the_tree_is_fine(files: Files, load: Load) -> None:
    root = files({"c.yaml": with_csv(), "data/all.csv": f"phone\n{INDIA}\n"})
    (root / "leads.csv").symlink_to(root / "data/all.csv")
    assert errors(load()) == []


def test_a_linked_manifest_pointing_outside_is_not_read(
    files: Files, load: Load, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text("VOZZO_API_KEY: do-not-print-me\n")
    root = files({"c.yaml": campaign_yaml()})
    (root / "x.yaml").symlink_to(outside)
    result = load()
    assert errors(result) == [
        "x.yaml: is a symbolic link to a file outside the tree given with -f (copy the "
        "manifest into the tree instead of linking to it)"
    ]
    assert "do-not-print-me" not in str(result.diagnostics)


def test_a_linked_folder_is_not_entered(
    files: Files, load: Load, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.yaml").write_text(campaign_yaml("secret"))
    root = files({"c.yaml": campaign_yaml()})
    (root / "linked").symlink_to(outside, target_is_directory=True)
    result = load()
    assert errors(result) == []
    assert result.files == ["c.yaml"]
    assert [c.key for c in result.state.campaigns] == ["winter-promo"]


def test_a_manifest_linked_twice_inside_the_tree_is_read_once(files: Files, load: Load) -> None:
    root = files({"team/c.yaml": campaign_yaml()})
    (root / "also.yaml").symlink_to(root / "team/c.yaml")
    result = load()
    assert errors(result) == []
    assert result.files == ["team/c.yaml"]  # shown where it really is
    assert [c.key for c in result.state.campaigns] == ["winter-promo"]


def test_a_headerless_csv_never_shows_its_first_row(files: Files, load: Load) -> None:
    files({"c.yaml": with_csv(), "leads.csv": "+919820012345, Priya\n"})
    shown = " ".join(errors(load()))
    assert "Priya" not in shown and "9820012345" not in shown
    assert "the first row holds a phone number, not column names" in shown


# -- do-not-call lists ---------------------------------------------------------------------------


def suppressing(*names: str) -> str:
    return campaign_yaml(phones=(INDIA, OTHER), extra_spec=f"  suppress: [{', '.join(names)}]\n")


@pytest.mark.parametrize(
    "text",
    [
        f"# opted out, 2026\nphone,name\n{INDIA},A\n",
        f"\n\nphone\n{INDIA}\n",
        f"phone,name\n# a comment row\n{INDIA},A\n\n",
    ],
)
def test_a_csv_list_may_start_with_comments_or_blank_lines(
    files: Files, load: Load, text: str
) -> None:
    files({"c.yaml": suppressing("dnc.csv"), "dnc.csv": text})
    result = load()
    assert errors(result) == []
    assert [r.phone for r in result.state.campaigns[0].recipients] == [OTHER]


def test_a_broken_csv_list_is_located_after_its_comments(files: Files, load: Load) -> None:
    files({"c.yaml": suppressing("dnc.csv"), "dnc.csv": "# list\n\nphone\n+91 98XXX\n"})
    assert errors(load()) == [
        "dnc.csv:4: **** holds letters: a placeholder or vanity number? (write every digit of "
        "the real number, in E.164, e.g. +911234567890; or write hmac-sha256:<hex> of it)"
    ]


def keyed_list(key: str, *phones: str, check: bool = True) -> str:
    lines = ["# keyed"]
    if check:
        lines.append("hmac-sha256-key:" + hmac_hex(key, "vozzoctl-suppress-key-check"))
    lines += [f"hmac-sha256:{hmac_hex(key, p)}" for p in phones]
    return "\n".join(lines) + "\n"


def hmac_hex(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def test_keyed_entries_need_the_key_and_match_with_it(files: Files, load: Load) -> None:
    key = "s3cret-dnc-key"
    files({"c.yaml": suppressing("dnc.txt"), "dnc.txt": keyed_list(key, INDIA)})
    assert errors(load()) == [
        "dnc.txt:3: holds keyed entries, and VOZZOCTL_SUPPRESS_KEY is not set "
        "(set VOZZOCTL_SUPPRESS_KEY to the key the list was made with)"
    ]
    result = load(env={"VOZZOCTL_SUPPRESS_KEY": key})
    assert errors(result) == []
    [campaign] = result.state.campaigns
    assert campaign.suppressed == {INDIA}
    assert [r.phone for r in campaign.recipients] == [OTHER]


def test_a_keyed_list_under_another_key_fails_closed(files: Files, load: Load) -> None:
    """Under a wrong key the entries would match nobody and everyone listed would be called."""
    files({"c.yaml": suppressing("dnc.txt"), "dnc.txt": keyed_list("right", INDIA)})
    result = load(env={"VOZZOCTL_SUPPRESS_KEY": "wrong"})
    assert errors(result) == [
        "dnc.txt:2: was made with another key than the one in VOZZOCTL_SUPPRESS_KEY (set the "
        "key the list was made with: under another key it would suppress nobody)"
    ]
    assert result.state.campaigns == ()


def test_a_keyed_list_without_its_key_check_is_refused(files: Files, load: Load) -> None:
    files({"c.yaml": suppressing("dnc.txt"), "dnc.txt": keyed_list("k", INDIA, check=False)})
    assert errors(load(env={"VOZZOCTL_SUPPRESS_KEY": "k"})) == [
        "dnc.txt:2: holds keyed entries and no key check (add the line hmac-sha256-key:<hex>, "
        "the HMAC-SHA256 of vozzoctl-suppress-key-check under the list's key; the README shows "
        "how)"
    ]
