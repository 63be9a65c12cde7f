"""The charts of the report model's answers, and the rules both they and the dashboard's own SVG follow.

Why Vega-Lite and not Mermaid: Open WebUI 0.12.4 renders every ```mermaid block of a chat at once, and its
`renderMermaidDiagram` (src/lib/utils/index.ts) calls `mermaid.mermaidAPI.getDiagramFromText` outside Mermaid's
execution queue, which serialises only `mermaid.parse` and `mermaid.render`. Mermaid 11 keeps what it parsed in
module-level state: the title of every diagram type in one shared variable (commonDb's `diagramTitle`), a pie's
slices in the pie module, an xychart's bars in the xychart module. Another block's unqueued parse that lands
between a diagram's parse and its draw (inside `mermaid.render`) overwrites that state, so the diagram is drawn
with the other's title, or even the other's bars. On a page load, when all blocks render together, 4 of the 5
loads tried while writing this drew a chart wrongly (pies titled "Cost per day", a day chart without its title, a
9-day chart drawn with another answer's 10 days); tests/e2e/browser/test_e2e_browser_charts.py fails that way. No
text in the Markdown can order Open WebUI's rendering, so the charts are ```vega-lite blocks instead: Open WebUI
renders those with `new vega.View(...).toSVG()`, one View per block and no state shared between them.

The rules (each has a test in tests/ui/test_charts.py): the x axis labels every day up to `MAX_LABELS` points,
else every 2nd day, or by week (Mondays), by quarter, by decade..., so labels never run together; the y axis has
no title (a rotated title overlapped the ticks and was garbled in Chinese), the unit is in the chart title; the
y axis ends at a round number above the highest bar (`axis_top`); a pie's legend carries each slice's amount as
the tables print it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from ..money import MICRO
from ..text import plain

LABEL_CAP = 40  # characters of a model id in a chart (the tables show up to 60)
MAX_LABELS = 8  # x-axis labels at most: ~8 dates of 5-10 characters fit the chart's width with room between
WIDTH, HEIGHT = 640, 220
PLOT_COLOR = "#3b82f6"
TEXT_COLOR = "#374151"  # on the chart's own white background, in Open WebUI's light and dark themes alike
GRID_COLOR = "#e5e7eb"
_DAY_STEPS = (1, 2)  # then whole weeks: 7, 14, 28, 56, ...
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)
_YEAR_STEPS = (1, 2, 5, 10, 20, 50, 100)


def tick_indexes(days: Sequence[date], unit: str = "day", max_labels: int = MAX_LABELS) -> list[int]:
    """Which points of a time axis get a label: all when few; otherwise every 2nd day, or one per week, two
    weeks, four... (on Mondays), one per quarter, half-year, year (on its first month), or per 2, 5, 10 years.
    A fixed calendar step reads better than "every 5th point", and at most `max_labels` keep them apart."""
    n = len(days)
    if n <= max_labels:
        return list(range(n))
    if unit == "month":
        steps: Sequence[int] = _MONTH_STEPS
        for step in steps:
            picked = [k for k, d in enumerate(days) if (d.year * 12 + d.month - 1) % step == 0]
            if len(picked) <= max_labels:
                return picked
        return [0]
    if unit == "year":
        for step in _YEAR_STEPS:
            picked = [k for k, d in enumerate(days) if d.year % step == 0]
            if len(picked) <= max_labels:
                return picked
        return [0]
    for step in _DAY_STEPS:
        picked = list(range(0, n, step))
        if len(picked) <= max_labels:
            return picked
    weeks = 1
    while True:
        # Mondays, every `weeks`-th one counted from a fixed Monday (date.min's ordinal 1 is a Monday)
        picked = [k for k, d in enumerate(days) if d.weekday() == 0 and (d.toordinal() - 1) // 7 % weeks == 0]
        if len(picked) <= max_labels:
            return picked
        weeks *= 2


def axis_top(peak: int, ticks: int = 5) -> tuple[int, int]:
    """The y axis's maximum and tick step in micro-units: a round step (1, 2 or 5 × 10^k) such that at most
    `ticks` steps reach a maximum at least 10% above `peak`, so the highest bar never touches the top."""
    target = max(1, peak + max(1, math.ceil(peak / 10)))
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m * ticks >= target:
                top = step * m * math.ceil(target / (step * m))
                return top, step * m
        step *= 10


def decimals(step: int) -> int:
    """How many decimals a y label needs to show a step of `step` micro-units (0.002 needs 3, 5 needs 0)."""
    places = 0
    while step % MICRO and places < 6:
        step *= 10
        places += 1
    return places


# Open WebUI finds code blocks with a lazy match from ``` to the next ```, so a backtick inside the JSON could end
# the block. `<` and `>` are safe already twice over (Vega escapes text, and Open WebUI's SVGPanZoom passes every
# chart through DOMPurify), but no name needs them in a chart, so they become look-alikes: a third wall.
_CHART_TEXT = str.maketrans({"`": "'", "<": "‹", ">": "›"})


def label(value: Any, limit: int = LABEL_CAP) -> str:
    """A name or title made safe for a chart: one printable line, at most `limit` characters, none of
    `_CHART_TEXT`'s characters. Quotes and backslashes are json.dumps's to escape."""
    return plain(value, limit).translate(_CHART_TEXT) or "?"


def _fence(spec: dict[str, Any]) -> list[str]:
    """One ```vega-lite block, the spec on one line."""
    return ["```vega-lite", json.dumps(spec, ensure_ascii=False, separators=(",", ":")), "```"]


def _config() -> dict[str, Any]:
    axis = {"labelColor": TEXT_COLOR, "domainColor": "#9ca3af", "tickColor": "#9ca3af", "gridColor": GRID_COLOR}
    return {
        "background": "white",
        "view": {"stroke": None},
        "axis": {**axis, "labelFontSize": 11, "titleColor": TEXT_COLOR},
        "legend": {"labelColor": TEXT_COLOR, "labelFontSize": 12, "labelLimit": 320},
        "title": {"color": TEXT_COLOR, "fontSize": 14, "anchor": "start"},
    }


def pie(title: str, slices: Sequence[tuple[str, int]]) -> list[str]:
    """A pie of (legend text, value) pairs; the legend text already carries the slice's amount the way the
    tables print it ("gpt-4o · $0.0032"), so the legend and the tables agree. Slices keep their order."""
    values = [{"k": n, "name": label(name, 100), "v": value} for n, (name, value) in enumerate(slices) if value > 0]
    spec = {
        "title": label(title, 80),
        "width": 200,
        "height": 200,
        "data": {"values": values},
        "mark": {"type": "arc", "stroke": "white"},
        "encoding": {
            "theta": {"field": "v", "type": "quantitative", "stack": True},
            "order": {"field": "k", "type": "quantitative"},
            "color": {"field": "name", "type": "nominal", "title": None, "sort": {"field": "k"}},
        },
        "config": _config(),
    }
    return _fence(spec)


def columns(title: str, names: Sequence[str], values: Sequence[int], ticks: Sequence[int]) -> list[str]:
    """Columns of micro-unit `values`, one per `names` entry; only the points in `ticks` (see tick_indexes) are
    labelled. The y axis has no title (the unit belongs in `title`) and ends at `axis_top`."""
    top, step = axis_top(max(values, default=0))
    places = decimals(step)
    data = [{"x": label(name), "y": value / MICRO} for name, value in zip(names, values, strict=True)]
    shown = [label(names[k]) for k in ticks]
    spec = {
        "title": label(title, 80),
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": data},
        "mark": {"type": "bar", "color": PLOT_COLOR},
        "encoding": {
            "x": {
                "field": "x",
                "type": "ordinal",
                "sort": None,
                "title": None,
                "axis": {"values": shown, "labelAngle": 0, "labelOverlap": False, "ticks": True},
            },
            "y": {
                "field": "y",
                "type": "quantitative",
                "title": None,
                "scale": {"domain": [0, top / MICRO], "nice": False},
                "axis": {"values": [k * step / MICRO for k in range(top // step + 1)], "format": f",.{places}f"},
            },
        },
        "config": _config(),
    }
    return _fence(spec)
