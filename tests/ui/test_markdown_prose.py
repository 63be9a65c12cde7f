"""A model's words made inert (`markdown.prose`) and names in tables (`markdown.cell`): what Open WebUI 0.12.4's
renderer would act on (HTML, images, links, code fences it draws, `:::` blocks, KaTeX math, file embeds) is
written so it shows as its characters; what only reads (paragraphs, lists, emphasis) is kept. The browser test
(`tests/e2e/browser/test_e2e_browser_assistant.py`) proves the same in Chromium."""

from __future__ import annotations

import re

import pytest

from plugin.text import INERT
from plugin.ui.markdown import PROSE_CAP, cell, prose

# Each: a hostile text, and what must not be left of it in the output.
ACTIVE = [
    ("![pixel](http://127.0.0.1:9/leak)", ["](", "http://"]),
    ("[click](https://evil.example)", ["](", "https://"]),
    ('<img src="http://x/y">', ["<img"]),
    ("<details><summary>x</summary></details>", ["<details", "<summary"]),
    ("[ref]: https://evil.example\n[x][ref]", ["]:", "][", "https://"]),
    ("- [ref]: https://evil.example\n\n[ref]", ["]:", "https://"]),
    ('```vega-lite\n{"data": {"url": "http://x"}}\n```', ["```", "http://"]),
    ("~~~html\n<script>alert(1)</script>\n~~~", ["~~~", "<script"]),
    (":::warning\nhi\n:::", [":::"]),
    ("You spent $0.01 and $0.02", ["$0.01 and $"]),
    (r"\[ \Huge \text{Balance: 1000000} \]", [r"\["]),
    (r"\( x \)", [r"\( "]),
    (r"\begin{equation} x \end{equation}", [r"\begin"]),
    ("{{HTML_FILE_ID_abc}}", ["{{"]),
    ("see www.evil.example", ["www."]),
]


def unescaped(text: str, token: str) -> bool:
    """Whether `token` occurs in `text` with no backslash escaping its first character."""
    return re.search(r"(?<!\\)" + re.escape(token), text) is not None


@pytest.mark.parametrize(("text", "gone"), ACTIVE, ids=[a[0][:24] for a in ACTIVE])
def test_what_the_renderer_would_act_on_is_inert_in_the_words(text: str, gone: list[str]) -> None:
    shown = prose(text)
    for token in gone:
        if token.startswith("\\"):  # math openers: the backslash itself is escaped
            assert token not in shown.replace("\\\\", ""), shown
        else:
            assert not unescaped(shown, token), (token, shown)


def test_what_only_reads_is_kept() -> None:
    text = "You spent **a lot** on *gpt-4o*.\n\n- first\n- second\n\n1. one\n2. two\n\n| a | b |\n|---|---|"
    assert prose(text) == text


def test_the_words_are_capped_and_invisible_controls_dropped() -> None:
    assert len(prose("x" * (PROSE_CAP * 2))) == PROSE_CAP
    assert prose("a\u0000b\u200bc") == "abc"


@pytest.mark.parametrize(
    "name",
    ["Eve ![pixel](http://127.0.0.1:9/leak?who=eve)", "Bob [ops]", "{{HTML_FILE_ID_1}}", "www.example.com"],
)
def test_a_name_in_a_table_opens_no_link_math_or_embed(name: str) -> None:
    shown = cell(name)
    assert "\\[" not in shown  # Open WebUI draws \[...\] as KaTeX math
    assert not unescaped(shown, "](") and "://" not in shown and "{{" not in shown and "www." not in shown
    assert shown.replace(INERT, "").replace("\\", "") == name.replace("\\", "")  # read back, it is the name
