"""Strict reading of the list answers that decide absence (`vozzoctl.api.shapes`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import from_json

from vozzoctl.api.shapes import AGENT_PAGE, ITEM_PAGES, LIST_PAGE, describe, read_page
from vozzoctl.errors import UnexpectedAnswerError

EP = "GET /v1alpha/campaigns/agent/x"


def rows(n: int) -> list[dict[str, Any]]:
    return [{"campaign_id": f"c{i}"} for i in range(n)]


def refused(data: Any, **asked: Any) -> str:
    with pytest.raises(UnexpectedAnswerError) as caught:
        read_page(data, EP, (AGENT_PAGE,), **{"size": 100, "page": 1, **asked})
    assert caught.value.message.startswith(f"{EP}: expected ")
    return caught.value.message


def test_a_page_as_the_docs_say_with_extra_fields() -> None:
    page = read_page(
        {"campaigns": rows(3), "page": 1, "page_size": 100, "total": 3, "next": None},
        EP,
        (AGENT_PAGE,),
        size=100,
        page=1,
    )
    assert (len(page.rows), page.total, page.size) == (3, 3, 100)


def test_a_smaller_page_size_is_kept_to_when_the_answer_says_so() -> None:
    page = read_page(
        {"campaigns": rows(20), "page": 2, "page_size": 20, "total": 45},
        EP,
        (AGENT_PAGE,),
        size=100,
        page=2,
    )
    assert page.size == 20


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"data": rows(2), "pagination": {"total": 2}}, "rows under `campaigns`"),
        ({"campaigns": rows(2)}, "rows under `campaigns`"),  # no total
        ({"campaigns": {"a": 1}, "total": 1}, "rows under `campaigns`"),
        ({"campaigns": ["c0"], "total": 1}, "rows under `campaigns`"),
        ({"campaigns": rows(20), "page": 1, "page_size": 100, "total": 45}, "45 row(s)"),
        ({"campaigns": rows(2), "page": 2, "page_size": 100, "total": 2}, "page 1, as asked"),
        ({"campaigns": rows(2), "page_size": 200, "total": 2}, "page size at most 100"),
        ({"campaigns": rows(2), "page_size": "100", "total": 2}, "`page_size` an integer"),
        ([rows(2)], "rows under `campaigns`"),
    ],
)
def test_anything_else_is_refused(data: Any, words: str) -> None:
    assert words in refused(data)


def test_the_older_drafts_item_rows_are_read() -> None:
    page = read_page(
        {"scheduled_calls": [{"id": 1}], "limit": 20, "offset": 0, "total": 1},
        "GET /items",
        ITEM_PAGES,
        size=100,
        page=1,
        offset=0,
    )
    assert page.shape.legacy and page.rows == ({"id": 1},)


def test_offset_pages_must_start_where_asked() -> None:
    with pytest.raises(UnexpectedAnswerError, match="offset 100, as asked"):
        read_page(
            {"campaigns": rows(1), "limit": 100, "offset": 0, "total": 101},
            "GET /v1alpha/campaigns",
            (LIST_PAGE,),
            size=100,
            offset=100,
        )


def test_what_came_is_keys_and_types_never_values() -> None:
    shown = describe(
        {"data": [{"to_phone_number": "+919820012345"}], "+919820012345": "x", "n": 3.5, "ok": True}
    )
    assert "9820012345" not in shown and "2012" not in shown
    assert "<digits>" in describe({"98200123456": 1})
    assert "data (list)" in shown and "n (number)" in shown and "ok (boolean)" in shown
    assert describe([1, 2]) == "a list" and describe(None) == "null"


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON_VALUES, st.booleans())
def test_answers_are_read_as_json_loads_reads_them(value: object, ascii_only: bool) -> None:
    # the client reads answers with pydantic's JSON reader, for speed: the values must not differ
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert from_json(raw) == json.loads(raw)
