"""Answer shapes: the emulator answers as the real service might differ from the docs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from vozzoctl.cli.main import cli, run
from vozzoctl.emulator import DEFAULT_AGENT, create_app
from vozzoctl.emulator.shapes import CAPPED_PAGE, SHAPES

BY_AGENT = f"/v1alpha/campaigns/agent/{DEFAULT_AGENT}"


def test_serve_help_names_every_shape() -> None:
    shown = "".join(CliRunner().invoke(cli, ["emulator", "serve", "--help"]).output.split())
    for name in SHAPES:
        assert name in shown


def test_an_unknown_shape_is_a_usage_error_before_serving(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["emulator", "serve", "--port", "0", "--shape", "rows-elsewhere"]) == 1
    out, err = capsys.readouterr()
    assert "unknown answer shape(s) rows-elsewhere" in err
    assert "Vozzo API emulator" not in out  # nothing was served


def test_create_app_refuses_unknown_shapes() -> None:
    with pytest.raises(ValueError, match="unknown answer shape"):
        create_app(shapes=["nope"])


def test_rows_under_data(emulator: Any, emulator_client: httpx.Client, create: Any) -> None:
    create()
    emulator.shapes = frozenset({"rows-under-data"})
    got = emulator_client.get(BY_AGENT, params={"page": 1, "page_size": 100}).json()
    assert set(got) == {"data", "pagination"}
    assert got["pagination"] == {"page": 1, "page_size": 100, "total": 1}
    listed = emulator_client.get("/v1alpha/campaigns").json()
    assert set(listed) == {"data", "pagination"} and len(listed["data"]) == 1


def test_capped_pages_echo_the_size_asked(
    emulator: Any, emulator_client: httpx.Client, create: Any
) -> None:
    for n in range(CAPPED_PAGE + 3):
        create(campaign_name=f"C{n}")
    emulator.shapes = frozenset({"capped-pages"})
    got = emulator_client.get(BY_AGENT, params={"page": 1, "page_size": 100}).json()
    assert len(got["campaigns"]) == CAPPED_PAGE
    assert (got["page_size"], got["total"]) == (100, CAPPED_PAGE + 3)


def test_by_agent_missing_and_count_off(
    emulator: Any, emulator_client: httpx.Client, create: Any
) -> None:
    create()
    emulator.shapes = frozenset({"by-agent-missing", "count-off"})
    assert emulator_client.get(BY_AGENT).status_code == 404
    assert emulator_client.get(f"{BY_AGENT}/count").json()["total_campaigns"] == 2
    assert emulator_client.get("/v1alpha/campaigns").json()["total"] == 1


def test_item_rows_renamed(emulator: Any, emulator_client: httpx.Client, create: Any) -> None:
    cid = create()
    emulator.shapes = frozenset({"item-rows-renamed"})
    row = emulator_client.get(f"/v1alpha/campaign/{cid}/items").json()["items"][0]
    assert "phone_number" in row and "to_phone_number" not in row


def test_list_lag_hides_new_campaigns_from_lists_only(
    emulator: Any, emulator_client: httpx.Client, create: Any
) -> None:
    emulator.list_lag = 120.0
    cid = create()
    assert emulator_client.get(BY_AGENT).status_code == 404
    assert emulator_client.get("/v1alpha/campaigns").json()["total"] == 0
    assert emulator_client.get(f"{BY_AGENT}/count").json()["total_campaigns"] == 1
    assert emulator_client.get(f"/v1alpha/campaign/{cid}").status_code == 200
    emulator.advance(seconds=121)
    assert emulator_client.get(BY_AGENT).json()["total"] == 1
