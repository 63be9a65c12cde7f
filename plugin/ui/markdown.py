"""Markdown and Mermaid building blocks for the report model's answers, language-neutral (views.py translates).

Names and model ids are typed by people, so every one goes through `cell` (tables) or `label` (charts) before it
reaches the text: a `|`, a newline or a quote must not break the table or the chart, and Markdown or HTML in a name
must stay text. Open WebUI 0.12.4 bundles Mermaid 11.x and renders every ```mermaid block in a reply: `pie` and
`xychart-beta` (detected there as `xychart` or `xychart-beta`) were both rendered with that bundled Mermaid in
Chromium while writing this, including the hostile labels in tests/domain/test_reports.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from ..money import MICRO
from ..text import DASH, escaped, plain

CHART_LABELS = 31  # points an xychart labels one by one; more are drawn as a line over a named span
PLOT_COLOR = "#3b82f6"  # readable on Open WebUI's light and dark Mermaid themes
NAME_CAP = 60  # characters of a name or model id in a table cell
LABEL_CAP = 40  # ...and in a chart label


# Characters Mermaid's parser or its preprocessing would read: quotes end a label, `#...;` is an entity,
# `%%` a directive or comment, backticks would end the Markdown fence around the chart.
_MERMAID = str.maketrans({'"': "'", "`": "'", "#": "＃", ";": ",", "%": "％", "\\": "/", "<": "‹", ">": "›"})


def cell(value: Any, limit: int = NAME_CAP) -> str:
    """Text safe inside a Markdown table cell: one line, Markdown characters escaped, never empty."""
    return escaped(value, limit) or DASH


def label(value: Any, limit: int = LABEL_CAP) -> str:
    """Text safe inside a quoted Mermaid label (the quotes are the caller's)."""
    return plain(value, limit).translate(_MERMAID) or "?"


def number(value: int, lang: str) -> str:
    """Digits grouped: 1,234,567; Spanish groups with a space, where a comma would read as a decimal point."""
    text = f"{value:,}"
    return text.replace(",", "\u00a0") if lang == "es" else text


def units(micro: int) -> str:
    """Micro-units as a plain decimal number for a chart (no currency symbol, no trailing zeros)."""
    return f"{micro / MICRO:.6f}".rstrip("0").rstrip(".") or "0"


def when(ts: float | None, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%Y-%m-%d %H:%M") if ts is not None else DASH


def table(header: Sequence[str], align: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """`align` holds one letter per column: l or r."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def pie(title: str, slices: Sequence[tuple[str, str]]) -> list[str]:
    """A Mermaid pie; `slices` are (label text, value as a decimal string), already positive."""
    lines = ["```mermaid", "pie showData", f"    title {label(title, 80)}"]
    lines += [f'    "{label(name)}" : {value}' for name, value in slices]
    return [*lines, "```"]


def series(title: str, axis: str, labels: Sequence[str], values: Sequence[str], span: str) -> list[str]:
    """A Mermaid xychart: bars with one label each, or, past CHART_LABELS points (labels would overlap), a line
    whose axis names only the span. The plot colour is set because the default theme's is nearly white."""
    many = len(labels) > CHART_LABELS
    config = ["---", "config:", "  themeVariables:", "    xyChart:", f'      plotColorPalette: "{PLOT_COLOR}"']
    if many:
        config += ["  xyChart:", "    xAxis:", "      showLabel: false", "      showTick: false"]
    axis_title = f'"{label(span)}" ' if many else ""
    return [
        "```mermaid",
        *config,
        "---",
        "xychart-beta",
        f'    title "{label(title, 80)}"',
        f"    x-axis {axis_title}[" + ", ".join(f'"{label(x)}"' for x in labels) + "]",
        f'    y-axis "{label(axis)}"',
        f"    {'line' if many else 'bar'} [" + ", ".join(values) + "]",
        "```",
    ]
