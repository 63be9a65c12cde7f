"""The dashboard page: escaped names, formatted numbers, charts drawn to scale, no network, no script."""

from __future__ import annotations

import html
import re
from datetime import date

from plugin.domain.ranges import Range
from plugin.domain.reports import OTHERS, Slice
from plugin.text import quoted
from plugin.ui import dashboard

HOSTILE = '<img src=x onerror="alert(1)">&\'"'
RNG = Range("custom", 0.0, 1.0, date(2026, 11, 1), date(2026, 11, 3))
CARD = {
    "total_cost": 1_234_567,
    "calls": 12_345,
    "tokens": 3000,
    "input_tokens": 2000,
    "output_tokens": 1000,
    "cached_tokens": 5,
    "reasoning_tokens": 7,
    "estimated_calls": 0,
    "active_users": 2,
    "models_used": 3,
    "most_used_model": {"model_id": HOSTILE, "calls": 9},
    "top_spender": {"user_id": "u1", "name": HOSTILE, "email": "e@x", "cost": 1, "calls": 1},
}
DAYS = [
    {"day": date(2026, 11, 1), "unit": "day", "calls": 1, "cost": 1_000_000},
    {"day": date(2026, 11, 2), "unit": "day", "calls": 0, "cost": 0},
    {"day": date(2026, 11, 3), "unit": "day", "calls": 2, "cost": 500_000},
]
RANKING = [
    {"rank": 1, "user_id": "u1", "name": HOSTILE, "email": "a@x", "calls": 3, "cost": 900_000},
    {"rank": 2, "user_id": "u2", "name": "", "email": "b@x", "calls": 1, "cost": 300_000},
]


def render(**overrides) -> str:
    args = dict(
        card=CARD,
        slices=[Slice(HOSTILE, 750_000), Slice("b", 250_000)],
        ranking=RANKING,
        days=DAYS,
        rng=RNG,
        lang="en",
        symbol="$",
    )
    args.update(overrides)
    return dashboard.dashboard(**args)


def test_every_user_string_is_escaped() -> None:
    page = render(who=HOSTILE)
    assert "<img" not in page and 'onerror="' not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#x27;&quot;" in page
    # The one script is the fixed height message to Open WebUI; no user string reaches a script.
    assert page.count("<script") == 1 and dashboard.RESIZE in page


def test_no_network_reference() -> None:
    page = render()
    assert re.findall(r"(?:https?:)?//", page) == []
    assert "url(" not in page and "@import" not in page


def test_numbers_are_formatted() -> None:
    page = render()
    assert "$1.2346" in page and "12,345" in page  # total cost, replies
    assert "75.0%" in page and "25.0%" in page  # donut legend
    assert "$0.9000" in page and "$0.3000" in page and "b@x" in page  # ranking, email when no name


def test_columns_are_drawn_to_scale() -> None:
    page = render()
    heights = [float(h) for h in re.findall(r'class="col"[^>]*height="([0-9.]+)"', page)]
    assert len(heights) == 3 and heights[1] == 0 and abs(heights[0] - 2 * heights[2]) < 0.2


def test_a_single_slice_is_a_full_ring_and_others_are_named() -> None:
    assert "<circle" in render(slices=[Slice("only", 5)])
    assert "Others (3 models)" in render(slices=[Slice("a", 10), Slice(OTHERS, 2, 3)])


def test_empty_period_says_so_and_user_dashboard_has_no_ranking() -> None:
    page = render(slices=[], days=[], ranking=None)
    assert page.count("No usage in this period.") == 2 and "Top users" not in page


def test_results_table_escapes_cells() -> None:
    page = dashboard.results_table("T", "s", ["Model"], [(HOSTILE, ("ok", "ok"))], "en")
    assert "<img" not in page and '<td class="ok">ok</td>' in page


def test_a_note_shows_markdown_words_as_they_read() -> None:
    """A button's words are Markdown with typed text escaped: the card shows the typed characters (each escaped
    for HTML once), the words' `code` and **bold** as tags, and each line of a several-line answer as an item."""
    typed = quoted("Bob <bob@example.com> gpt_4o*mini `x` a\\b [l](u) | ~ $ &")
    page = dashboard.note("T", [f"Send `/price undo` for **{typed}**", "one\n\n- two", "open `code"], "en")
    assert (
        "<li>Send <code>/price undo</code> for <b>Bob &lt;bob@example.com&gt; gpt_4o*mini `x` a\\b [l](u) | ~ $ "
        "&amp;</b></li><li>one</li><li>two</li><li>open <code>code</code></li>"
    ) in page
    for hostile in ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'):
        shown = dashboard.note("T", [quoted(hostile), hostile], "en")
        assert hostile not in shown and shown.count(html.escape(hostile, quote=True)) == 2
