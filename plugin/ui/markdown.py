"""Markdown building blocks for the report model's answers, language-neutral (views.py translates); the charts
are charts.py's.

Names and model ids are typed by people, so every one goes through `cell` (tables) or `charts.label` (charts)
before it reaches the text: a `|` or a newline must not break the table, and Markdown or HTML in a name must stay
text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from ..text import ACTIVE, DASH, INERT, escaped

NAME_CAP = 60  # characters of a name or model id in a table cell


def cell(value: Any, limit: int = NAME_CAP) -> str:
    """Text safe inside a Markdown table cell: one line, Markdown characters escaped, never empty."""
    return escaped(value, limit) or DASH


PROSE_CAP = 8_000  # characters of a model's words shown

# What would make a model's words act rather than read, in Open WebUI 0.12.4's renderer (checked in Chromium): HTML,
# images, links (inline, by reference, bare addresses), code fences (it draws ```vega-lite, ```mermaid and ```html
# blocks, and a Vega spec may load data from any URL), `:::` blocks, KaTeX math (`$...$`, and `\[...\]`, `\(...\)`,
# `\begin`: so every backslash is escaped first), and `{{HTML_FILE_ID_x}}` embeds. Each is written so it shows as
# the characters it is; `[` and `(` stay as they are, since `\[` and `\(` would open math.
_INERT = (
    (re.compile(r"\\"), lambda m: "\\\\"),
    (re.compile(r"[<>\]$]"), lambda m: "\\" + m.group()),
    (re.compile(r"`{3,}|~{3,}|:{3,}"), lambda m: "".join("\\" + ch for ch in m.group())),
    (ACTIVE, lambda m: INERT),  # bare addresses and file embeds, broken as in names (`text.escaped`)
)


def prose(text: str, limit: int = PROSE_CAP) -> str:
    """A model's words, kept as paragraphs, lists and emphasis, made inert: no HTML, image, link, code fence or
    math survives as such, so words a name or a question injected cannot make the reader's browser fetch a URL."""
    kept = "\n".join("".join(ch for ch in line if ch.isprintable() or ch == "\t") for line in text[:limit].splitlines())
    for pattern, inert in _INERT:
        kept = pattern.sub(inert, kept)
    return kept.strip()


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
