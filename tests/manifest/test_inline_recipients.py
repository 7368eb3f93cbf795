"""An inline recipient written plainly takes a shorter way through the loader than one that
needs checking; both ways must give the same recipients and the same problems."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from vozzoctl.manifest.recipients import Collector, Where, _canonical

PHONES = ["+919820012345", "+919845023456", "+14155550123", "+91 98200 12345", "+X919820012345"]
LANGUAGES = ["EN", "en", "hi", "HI", " En ", "xx", 7, None]
VALUES = st.one_of(
    st.text(max_size=5),
    st.integers(-5, 5),
    st.booleans(),
    st.floats(allow_nan=True),
    st.none(),
    st.just(dt.date(2026, 12, 1)),
    st.just([1]),
)
ITEMS = st.fixed_dictionaries(
    {"phone": st.sampled_from([*PHONES, 42])},
    optional={
        "language": st.sampled_from(LANGUAGES),
        "metadata": st.one_of(
            st.none(),
            st.dictionaries(st.sampled_from(["tier", "order", "campaign"]), VALUES, max_size=3),
            st.just('{"tier": "gold"}'),
        ),
        "extra": st.just("x"),
    },
)


def _collector(problems: list[tuple[int, str, str]]) -> Collector:
    def report(where: Where, field: str, message: str, hint: str) -> None:
        problems.append((where.index, field, message))

    def locate(index: int, field: str, *, key: bool = False) -> Where:
        return Where("c.yaml", 1, 1, index)

    return Collector("HI", {"campaign": "winter", "tier": "silver"}, report, locate)


@given(st.lists(ITEMS, max_size=6))
@example([{"phone": PHONES[0], "language": "en"}, {"phone": PHONES[1], "language": "xx"}])
@example([{"phone": PHONES[0], "metadata": {"tier": True, "order": 1.5, "campaign": None}}])
@example([{"phone": PHONES[0], "metadata": {"tier": dt.date(2026, 12, 1)}, "extra": "x"}])
@example([{"phone": PHONES[0], "language": "EN"}, {"phone": PHONES[3], "metadata": {}}])
def test_plain_and_checked_items_give_the_same_recipients(items: list[dict[str, Any]]) -> None:
    fast_problems: list[tuple[int, str, str]] = []
    fast = _collector(fast_problems)
    fast.add_inline([dict(i) for i in items])

    slow_problems: list[tuple[int, str, str]] = []
    slow = _collector(slow_problems)
    for i, item in enumerate([dict(i) for i in items]):
        slow._inline(i, item)  # every item the long way, as any unusual one goes

    assert fast.recipients == slow.recipients
    assert fast_problems == slow_problems
    assert fast.failed == slow.failed


@given(
    st.dictionaries(
        st.text(max_size=6),
        st.one_of(st.text(max_size=6), st.integers(), st.booleans(), st.none(), st.floats()),
        max_size=5,
    )
)
@example({"name": 'Asha "A" \\ \u2028 दिवाली', "amount": 100, "vip": True})
def test_metadata_is_written_as_json_writes_it(meta: dict[str, Any]) -> None:
    # in every recipients digest of the lockfile and in every create sent: it may not change
    expected = json.dumps(meta, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert _canonical(meta) == expected
