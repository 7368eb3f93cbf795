"""Loading work that must not grow with the number of manifest files: counted, never timed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Load, campaign_yaml

Files = Callable[[dict[str, str | bytes]], Path]


def test_links_are_looked_up_per_folder_given_not_per_file(
    files: Files, load: Load, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Confinement checks every manifest's real path; the walk knows it without asking the
    file system, unless the file is a link. 10 files and 200 files: the same look-ups."""
    calls = 0
    realpath = os.path.realpath

    def counted(path: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return realpath(path, *args, **kwargs)

    def look_ups(root: Path, n: int) -> int:
        nonlocal calls
        for i in range(n):
            key = f"c{i:04d}"
            text = campaign_yaml(key, phones=(f"+9198765{i:05d}",))
            (root / f"team-{i % 3}").mkdir(exist_ok=True)
            (root / f"team-{i % 3}" / f"{key}.yaml").write_text(text)
        calls = 0
        with monkeypatch.context() as m:
            m.setattr(os.path, "realpath", counted)
            result = load(str(root))
        assert [d.format() for d in result.errors] == []
        assert len(result.state.campaigns) == n
        return calls

    base = files({})
    for name in ("warm-up", "small", "large"):
        (base / name).mkdir()
    look_ups(base / "warm-up", 1)  # what is looked up once per run, not per folder given
    assert look_ups(base / "small", 10) == look_ups(base / "large", 200)
