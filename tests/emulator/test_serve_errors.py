"""`vozzoctl emulator serve` refuses to hand out its default token to the network, and says in
one line why it cannot start: a state file it cannot use, a port already taken."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from vozzoctl.cli.main import run


def serve(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = run(["emulator", "serve", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def one_error(err: str, starts: str) -> None:
    lines = err.splitlines()
    assert lines[0].startswith(f"error: {starts}"), err
    assert len(lines) == 2 and lines[1].startswith("hint: "), err


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20"])
def test_a_non_loopback_host_needs_a_token_of_its_own(
    capsys: pytest.CaptureFixture[str], host: str
) -> None:
    code, err = serve(capsys, "--host", host, "--port", "0")
    assert code == 1
    one_error(err, f"refusing to serve on {host} with the default token")
    assert "--token" in err


def test_a_state_file_in_a_missing_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, err = serve(capsys, "--port", "0", "--state-file", str(tmp_path / "nope" / "emu.db"))
    assert code == 1
    one_error(err, f"--state-file {tmp_path / 'nope' / 'emu.db'}: the folder")
    assert not (tmp_path / "nope").exists()


def test_a_folder_as_the_state_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = serve(capsys, "--port", "0", "--state-file", str(tmp_path))
    assert code == 1
    assert f"Invalid value for '--state-file': File '{tmp_path}' is a directory." in err


def test_a_state_file_that_is_not_a_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my notes, not a database\n" * 200)
    code, err = serve(capsys, "--port", "0", "--state-file", str(path))
    assert code == 1
    one_error(err, f"--state-file {path}: is not an emulator state file")
    assert path.read_text().startswith("my notes")  # left as it was


def test_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code, err = serve(capsys, "--port", str(port))
    assert code == 1
    one_error(err, f"cannot listen on 127.0.0.1:{port}: the port is in use")
