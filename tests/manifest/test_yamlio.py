"""The two YAML readers agree: whenever `read_yaml` takes the fast path (yaml-rs, YAML 1.2),
PyYAML's precise reader (YAML 1.1, with the traps named) gives the same values and no problem.

Documents are generated from tricky scalars, plain and quoted, in block and flow collections.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from vozzoctl.manifest.yamlfast import _DOC_START, _NODE_SIGILS
from vozzoctl.manifest.yamlio import YamlFile, read_precise, read_yaml

TRICKY_PLAIN = [
    # numbers, with the spellings on which YAML 1.1 and 1.2 differ
    "0", "00", "010", "08", "09", "0o17", "0x1f", "0b101", "+0x1f", "1_000", "1__0", "_1",
    "1e3", "1E3", "1.5e3", "1.5e+3", "1e-3", ".5", "1.", "0.", "-.5", "+12", "-0", "+0", "12",
    "1,000", "1:30", "190:20:30", "12:30:00", "-1:30", "1:30.5", ".inf", "-.Inf", ".NaN",
    "-.5", "+.5", "-.5e3", "._5", "_1", "-_1", "_1.5", "_.5", "1_0.5", "1__", "-.NaN", "1:0",
    "919812345678", "+919812345678", "09812345678",
    # booleans and nulls of either version
    "yes", "no", "on", "off", "Yes", "NO", "On", "OFF", "y", "n", "Y", "N", "true", "True",
    "TRUE", "false", "False", "~", "null", "Null", "NULL",
    # dates, real, impossible and with times
    "2026-12-01", "2026-13-45", "2026-02-30", "2026-1-5", "2026-12-01 09:00:00",
    "2026-12-01T09:00:00Z", "2026-12-01t09:00:00.5+05:30", "2026-12-1",
    # text that looks like syntax
    "a#b", "C#", "x:y", "http://x.y/z?a=b", "50%", "a - b", "-x", "Winter Bundle", "ü", "नमस्ते",
    "EN", "hi", "a'b", 'a"b', "=", "<", "a,b", "@x",
]  # fmt: skip
# what manifests mostly hold, so that many generated documents take the fast path
ORDINARY_PLAIN = [
    "winter", "Winter Bundle", "9", "18", "3", "1.5", "-2", "true", "false", "EN", "HI",
    "2026-12-01", "John Doe", "growth", "x-y", "a/b.csv", "RUNNING", "0", "null", "~",
]  # fmt: skip
TRICKY_TEXT = [
    *TRICKY_PLAIN, "", " ", "a #b", "x: y", "#", "- a", "[a]", "{a: b}", "'", '"', "\\", "\t",
    "line\nbreak", "*", "&a", "!x", "|", ">", "%", "`", "---", "...", "? x",
]  # fmt: skip
KEYS = ["name", "phone", "on", "yes", "n", "010", "1:30", "true", "null", "2026-12-01", "a b"]
ORDINARY_KEYS = ["name", "phone", "agent", "start_hour", "metadata", "a b", "x"]


def single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def double_quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


scalars = st.one_of(
    st.sampled_from(ORDINARY_PLAIN),
    st.sampled_from(ORDINARY_PLAIN),
    st.sampled_from(TRICKY_PLAIN),
    st.sampled_from(TRICKY_TEXT).map(single_quoted),
    st.sampled_from(TRICKY_TEXT).map(double_quoted),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8).map(
        double_quoted
    ),
    st.just(""),  # an empty value: null
)
# mostly ordinary text with the odd trap in it, as in a real manifest with one mistake
calm_scalars = st.one_of(*[st.sampled_from(ORDINARY_PLAIN)] * 8, scalars)
keys = st.one_of(
    *[st.sampled_from(ORDINARY_KEYS)] * 6,
    st.sampled_from(KEYS),
    st.sampled_from(KEYS).map(double_quoted),
)


def flow(node: Any) -> str:
    if isinstance(node, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(flow(v) for v in node) + "]"
    return node if node else "''"


def block(node: Any, indent: int) -> list[str]:
    """Lines of `node` as a block collection; scalars stay as written."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, dict | list) and v:
                lines.append(f"{pad}{k}:")
                lines.extend(block(v, indent + 2))
            else:
                value = flow(v) if isinstance(v, dict | list) else v
                lines.append(f"{pad}{k}: {value}".rstrip())
    else:
        for v in node:
            if isinstance(v, dict) and v:
                inner = block(v, indent + 2)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines.extend(inner[1:])
            elif isinstance(v, list) and v:
                lines.append(f"{pad}- {flow(v)}")
            else:
                value = flow(v) if isinstance(v, dict | list) else v
                lines.append(f"{pad}- {value}".rstrip())
    return lines


def documents_of(
    leaves: st.SearchStrategy[str], keys: st.SearchStrategy[str] = keys
) -> st.SearchStrategy[dict[str, Any]]:
    nodes = st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(keys, inner, max_size=4),
        ),
        max_leaves=12,
    )
    return st.dictionaries(keys, nodes, min_size=1, max_size=5)


documents = st.one_of(documents_of(scalars), documents_of(calm_scalars))
# no trap anywhere: text on which YAML 1.1 and 1.2 agree, which the fast reader must take
ordinary_documents = documents_of(st.sampled_from(ORDINARY_PLAIN), st.sampled_from(ORDINARY_KEYS))


@st.composite
def yaml_texts(draw: st.DrawFn, documents: st.SearchStrategy[dict[str, Any]] = documents) -> str:
    docs = draw(st.lists(documents, min_size=1, max_size=3))
    as_flow = draw(st.booleans())
    rendered = [flow(d) if as_flow else "\n".join(block(d, 0)) for d in docs]
    if len(rendered) == 1 and not draw(st.booleans()):
        return rendered[0] + "\n"
    return "".join(f"---\n{r}\n" for r in rendered)


def canonical(value: Any) -> Any:
    """Values compared with NaN equal to itself and with types kept apart (1 vs 1.0 vs True)."""
    if isinstance(value, dict):
        return {(type(k).__name__, canonical(k)): canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def outcome(f: YamlFile) -> tuple[list[str], Any]:
    return [d.format() for d in f.diagnostics], canonical([d.data for d in f.documents])


@pytest.mark.slow
@given(yaml_texts())
# divergences found by this test, fixed in yamlio.py and kept
@example('---\n{"phone": [[-.5, ".inf", \'hi\'], {"a b": \'false\'}]}\n')  # yaml-rs: -0.5
@example("---\n{name: [[[], N, '1.'], {\"yes\": _1}, '']}\n")  # yaml-rs: 1
@example('---\n{"a b": =}\n')  # PyYAML: the `value` tag
@example("---\n{a b: [winter, N, 2026-12-01, 1:0]}\n")  # a short numberish string
def test_reading_never_changes_the_meaning(text: str) -> None:
    """Whichever reader `read_yaml` picks, values and named traps are the precise reader's."""
    assert outcome(read_yaml("t.yaml", text)) == outcome(read_precise("t.yaml", text))


@pytest.mark.slow
@given(yaml_texts(ordinary_documents))
def test_ordinary_text_takes_the_fast_path_and_means_the_same(text: str) -> None:
    fast = read_yaml("t.yaml", text)
    assert fast.fast
    assert outcome(read_precise("t.yaml", text)) == outcome(fast)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1e3\n",
        "a: 010\n",
        "a: 08\n",
        "a: on\n",
        "a: [no, 1]\n",
        "a: 1:30\n",
        "a: 1_000\n",
        "a: 2026-13-45\n",
        "a: 2026-12-01 09:00:00\n",
        "a: 0o17\n",
        "a: 0x1f\n",
        "on: 1\n",
        "a: +12\n",
        "a: .5\n",
    ],
)
def test_texts_on_which_the_versions_differ_are_read_as_the_precise_reader_reads_them(
    text: str,
) -> None:
    assert outcome(read_yaml("t.yaml", text)) == outcome(read_precise("t.yaml", text))


@pytest.mark.parametrize(
    ("text", "trap"),
    [
        ("a: 010\n", "octal number 8"),
        ("a: 08\n", "as text by YAML 1.1 and as the number 8 by YAML 1.2"),
        ("a: on\n", "boolean true"),
        ("a: [no, 1]\n", "boolean false"),
        ("a: 1:30\n", "base-60 number 90"),
        ("a: 2026-13-45\n", "is not a real date"),
        ("on: 1\n", "boolean true"),
    ],
)
def test_a_yaml_trap_is_named_whichever_reader_took_the_text(text: str, trap: str) -> None:
    (message,) = outcome(read_yaml("t.yaml", text))[0]
    assert trap in message
    assert "quote it" in message


def test_plain_manifest_text_takes_the_fast_path() -> None:
    text = 'a: 1\nb: [x, "010", "+911234567890"]\nc: {d: 2026-12-01, e: true, f: 1.5}\n'
    f = read_yaml("t.yaml", text)
    assert f.fast
    assert f.documents[0].data == {
        "a": 1,
        "b": ["x", "010", "+911234567890"],
        "c": {"d": "2026-12-01", "e": True, "f": 1.5},
    }


def test_a_fast_read_file_is_located_on_demand() -> None:
    f = read_yaml("t.yaml", "a: 1\n---\nb:\n  - c: 2\n")
    assert f.fast
    assert f.documents[1].locate(("b", 0, "c")) == (4, 8)
    assert f.documents[1].locate(("b", 0, "c"), key=True) == (4, 5)
    assert f.documents[1].locate(("b", 5, "zzz")) == (4, 3)


def test_a_byte_order_mark_is_not_part_of_the_text() -> None:
    assert read_yaml("t.yaml", "\ufeffa: 1\n").documents[0].data == {"a": 1}
    assert read_precise("t.yaml", "\ufeffa: 1\n").documents[0].data == {"a": 1}


@pytest.mark.parametrize(
    "text",
    [
        "name: Scale Test 00042\norder: A-0042\nnote: R&D, 5 * 3 = 15!\n",
        "a: {name: Test 0042, n: [x 010]}\n",
        "a: &common {b: 1, c: [x, y]}\nd: *common\n",
        "a: [&one 1, *one]\n",
    ],
)
def test_a_number_or_sigil_inside_a_scalar_keeps_the_fast_path(text: str) -> None:
    fast = read_yaml("t.yaml", text)
    assert fast.fast
    assert outcome(fast) == outcome(read_precise("t.yaml", text))


@pytest.mark.parametrize(
    "text",
    ["a: &x 010\n", "a: !!str 010\nb: 1\n", "a: [x, 08]\n", "a:\n- -010\n", "--- 09\n"],
)
def test_a_trap_where_a_value_starts_takes_the_precise_path(text: str) -> None:
    read = read_yaml("t.yaml", text)
    assert not read.fast
    assert outcome(read) == outcome(read_precise("t.yaml", text))


def alias_bomb(indent: str = "") -> str:
    lines = [f'{indent}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{indent}{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "x: 1\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("reader", [read_yaml, read_precise])
def test_an_alias_bomb_is_refused_at_its_first_alias(reader: Any) -> None:
    f = reader("bomb.yaml", alias_bomb())
    [problem] = [d.format() for d in f.diagnostics]
    assert problem.startswith("bomb.yaml:")
    assert "alias bomb" in problem
    assert problem.split(":")[1] == "3"  # the line of the first alias


@given(st.text(alphabet="-\n \tax#%", max_size=30))
@example("---\n--- x\n a---\n---\t\n----\n---")
def test_document_markers_are_found_as_the_plain_pattern_finds_them(text: str) -> None:
    plain = re.compile(r"^---(?:[ \t]|$)", re.MULTILINE)
    assert [m.span() for m in _DOC_START.finditer(text)] == [m.span() for m in plain.finditer(text)]


@given(st.text(alphabet="0-+!1bxX_ \n\t[{,:?a&", max_size=30))
@example("a: -0x1, [0b1, !t +0o7], ? 08\n0_1 x-01")
def test_node_sigils_are_found_as_the_plain_pattern_finds_them(text: str) -> None:
    plain = re.compile(r"(?<![^\s\[\{,:?])(?:!|[-+]?0[0-9_box])", re.IGNORECASE)
    found = sorted(m.start() for p in _NODE_SIGILS for m in p.finditer(text))
    assert found == [m.start() for m in plain.finditer(text)]
