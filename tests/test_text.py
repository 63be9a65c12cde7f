"""Typed text quoted back (`plugin/text.py`): one line, Markdown made inert, and never a name that vanishes."""

from __future__ import annotations

from plugin.domain.accounts import BalanceChange
from plugin.text import quoted
from plugin.ui import admin_views


def test_quoted_text_is_one_escaped_line_and_empty_stays_empty() -> None:
    assert quoted("Ann | *bold*\nnext") == "Ann \\| \\*bold\\* next"
    assert quoted("") == "" and quoted(None) == "" and quoted("   ") == ""
    assert quoted("x" * 200) == "x" * 79 + "…"


def test_a_name_of_only_invisible_characters_is_a_dash_not_nothing() -> None:
    """A zero-width space or control characters are not blank to `str.strip`, but nothing of them is printable:
    the answer must still show that a name is there (as before the restructure), not fall back to the e-mail."""
    for name in ("\u200b", "\x07\x1b", "\u200e"):
        assert quoted(name) == "—"
    change = BalanceChange("balance_added", "u5", "\u200b", "zw@example.com", 0, 1_000_000)
    assert "— (zw@example.com)" in admin_views.said(change, "en", "$")
