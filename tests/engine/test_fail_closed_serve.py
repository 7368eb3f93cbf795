"""`vozzoctl emulator serve --shape …` and `vozzoctl apply` as two real processes over a
loopback socket: the user's own rehearsal of an account that answers unlike the docs."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import yaml

from vozzoctl.clock import today_ist

AGENT = "619ec26c-4957-4926-70f8-fe7391b3527e"
TIMEOUT_S = 60  # a bound for a broken start, not a wait: the test acts on the event


@contextmanager
def serving(*flags: str) -> Iterator[str]:
    """The emulator in its own process; its URL from uvicorn's "running on" line."""
    serve = [sys.executable, "-m", "vozzoctl", "emulator", "serve", "--port", "0",
             "--token", "T", "--agent", AGENT, *flags]  # fmt: skip
    proc = subprocess.Popen(serve, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    urls: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if m := re.search(r"running on (http://127\.0\.0\.1:\d+)", line):
                urls.put(m.group(1))
        urls.put(None)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        url = urls.get(timeout=TIMEOUT_S)
        assert url is not None, f"vozzoctl emulator serve exited with {proc.wait()}"
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=TIMEOUT_S)
        reader.join(TIMEOUT_S)
        assert proc.stderr is not None
        proc.stderr.close()


def vozzoctl(root: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VOZZO_API_KEY": "T", "VOZZO_BASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "vozzoctl", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def test_apply_refuses_rows_under_another_key_over_a_socket(tmp_path: Path) -> None:
    tomorrow = today_ist() + timedelta(days=1)  # the processes run on the real clock
    doc = {
        "apiVersion": "vozzoctl/v1",
        "kind": "Campaign",
        "metadata": {"name": "promo"},
        "spec": {
            "name": "Promo",
            "agent": AGENT,
            "schedule": {"start_date": str(tomorrow), "start_hour": 9, "end_hour": 18},
            "retry": {"max_attempts": 2},
            "recipients": [{"phone": "+919820012345"}],
        },
    }
    (tmp_path / "campaigns").mkdir()
    (tmp_path / "campaigns" / "promo.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    state = str(tmp_path / "emulator.db")
    with serving("--state-file", state) as url:  # applied once, as the docs answer
        assert vozzoctl(tmp_path, url, "apply", "--auto-approve").returncode == 0
    (tmp_path / "vozzo.lock").unlink()  # a new CI runner: the lockfile is lost
    with serving("--state-file", state, "--shape", "rows-under-data") as url:
        result = vozzoctl(tmp_path, url, "apply", "--auto-approve")
        plan = vozzoctl(tmp_path, url, "plan", "--format", "json")
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: GET /v1alpha/campaigns/agent/{AGENT}: expected rows under `campaigns` (a list "
        "of objects) with `page`, `page_size` and `total` (integers); got an object with keys "
        "data (list), pagination (object)"
    ]
    assert "nothing was written" in result.stderr
    assert plan.returncode == 1 and plan.stdout == ""
    assert not (tmp_path / "vozzo.lock").exists()
    with serving("--state-file", state) as url:  # nothing was created: one Promo, adopted
        again = vozzoctl(tmp_path, url, "plan")
    assert again.returncode == 0, again.stderr
    assert "adopt" in again.stdout
