"""A plan posted as a pull-request comment: no name, key, value or message can close the code
block or the `<details>`, or bring its own HTML, link or table cell."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from tests.cli.helpers import create
from tests.conftest import Vozzo
from vozzoctl.render.plan import md_code_block, md_text

HOSTILE = (
    "Promo ``` </details> </summary> <img src=x onerror=alert(1)> "
    "| [click](https://evil.example) ![i](x) **bold** `code` &amp; \\"
)


def _rendered(md: str) -> str:
    return str(MarkdownIt("commonmark", {"html": True}).enable("table").render(md))


def test_a_hostile_name_stays_inside_its_code_block(vozzo: Vozzo) -> None:
    vozzo.campaign("promo", name=HOSTILE)
    r = vozzo.run("plan", "--format", "markdown")
    assert r.code == 0, r.all
    md = r.out
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(md)
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1 and "</details>" in fences[0].content
    html_blocks = "".join(t.content for t in tokens if t.type == "html_block")
    assert html_blocks.count("<details>") == 1 and html_blocks.count("</details>") == 1
    html = _rendered(md)
    assert "<img" not in html and "<a " not in html
    assert html.count("<details>") == 1 and html.count("</details>") == 1


def test_a_live_name_with_line_breaks_cannot_close_the_block(vozzo: Vozzo) -> None:
    # A campaign made outside vozzoctl, imported, then pruned: its live name is in the plan.
    live = "Old\n```\n</details>\n<img src=x onerror=alert(1)>\n\n# heading"
    create(vozzo, live, [("+919820012345", "EN", {})])
    assert vozzo.run("import").code in (0, 1)
    for p in (vozzo.root / "campaigns/imported").iterdir():
        p.unlink()
    vozzo.campaign("other")
    r = vozzo.run("plan", "--prune", "--format", "markdown")
    assert "Old" in r.out, r.all
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(r.out)
    assert not [t for t in tokens if t.type == "heading" and t.tag != "h3"]
    html = _rendered(r.out)
    assert "<img" not in html
    assert html.count("<details>") == html.count("</details>") == 2


def test_every_message_is_escaped(vozzo: Vozzo) -> None:
    # a warning that quotes the name: the plan warns that a finished campaign differs
    vozzo.campaign("promo", name=HOSTILE, state="RUNNING")
    assert vozzo.run("apply", "--auto-approve").code == 0
    vozzo.campaign("promo", name=HOSTILE, state="RUNNING", schedule={"end_hour": 17})
    md = vozzo.run("plan", "--format", "markdown").out
    html = _rendered(md)
    assert "<img" not in html and "<a " not in html
    assert html.count("<details>") == html.count("</details>") == 1


def test_md_text_keeps_text_on_one_line_and_inert() -> None:
    text = md_text("a\nb\r\nc\u2028d\x85e | f `g` <h> [i](j) *k* _l_ ~m~ \\n")
    assert "\n" not in text and "\u2028" not in text and "\x85" not in text
    html = _rendered(f"| a |\n|---|\n| {text} |\n")
    assert html.count("<td>") == 1
    assert "<code>" not in html and "<a " not in html and "<h>" not in html
    assert "<em>" not in html and "<del>" not in html
    assert "&lt;h&gt;" in html and "[i](j)" in html


def test_a_code_block_is_longer_than_any_backtick_run() -> None:
    block = md_code_block(["x ````` y", "```", "</details>"])
    assert block[0] == block[-1] == "``````"
    tokens = MarkdownIt("commonmark").parse("\n".join(block))
    assert [t.type for t in tokens] == ["fence"]
    assert re.fullmatch(r"x ````` y\n```\n</details>\n", tokens[0].content)


def test_a_name_cannot_mention_a_team_in_the_comment() -> None:
    shown = md_text("Promo for @acme/support and @bob")
    assert "@acme" not in shown and "@bob" not in shown  # nothing GitHub would link or notify
    assert shown.replace("\u200b", "") == "Promo for @acme/support and @bob"  # reads the same
