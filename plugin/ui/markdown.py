"""Markdown building blocks for the report model's answers, language-neutral (views.py translates); the charts
are charts.py's.

Names and model ids are typed by people, so every one goes through `cell` (tables) or `charts.label` (charts)
before it reaches the text: a `|` or a newline must not break the table, and Markdown or HTML in a name must stay
text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from ..text import DASH, escaped

NAME_CAP = 60  # characters of a name or model id in a table cell


def cell(value: Any, limit: int = NAME_CAP) -> str:
    """Text safe inside a Markdown table cell: one line, Markdown characters escaped, never empty."""
    return escaped(value, limit) or DASH


def number(value: int, lang: str) -> str:
    """Digits grouped: 1,234,567; Spanish groups with a space, where a comma would read as a decimal point."""
    text = f"{value:,}"
    return text.replace(",", "\u00a0") if lang == "es" else text


def when(ts: float | None, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M") if ts is not None else DASH


def table(header: Sequence[str], align: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """`align` holds one letter per column: l or r."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines
