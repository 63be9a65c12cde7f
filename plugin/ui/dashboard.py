"""The dashboard embed: one self-contained HTML page (inline CSS and SVG, no font or CDN request) that Open WebUI
shows in a sandboxed iframe under a reply. Its only script is `RESIZE`: the sandbox has no same-origin access,
so Open WebUI 0.12.4 grows the iframe only when the page posts its height (otherwise it stays ~150 px tall).
It draws the data `reports.py` computes: the report
card, the model distribution (a donut), the user ranking (bars) and the spend per day (columns, with the axis
rules of charts.py that the report model's charts follow too).

Every name, e-mail and model id was typed by someone, so each one goes through `_e` (html.escape) before it
reaches the page, once: raw data as it is, a button's answer in words (`note`) with its Markdown escapes read
back first; numbers are formatted here, never interpolated raw. The same page shell renders the
"test all models" result table.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .. import text
from ..domain.ranges import Range
from ..domain.reports import OTHERS, Slice
from ..money import money
from ..words import i18n
from . import charts
from .markdown import number
from .views import range_title, slice_name

PALETTE = ("#3b82f6", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16", "#64748b")
NAME_CAP = 48  # characters of a label before it is cut (the full text stays in the SVG <title>)
RANK_ROWS = 10

CSS = """
*{box-sizing:border-box}body{margin:0;padding:16px;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,
sans-serif;color:#1f2937;background:#fff}h1{font-size:18px;margin:0 0 2px}h2{font-size:14px;margin:0 0 8px;
color:#374151}.sub{color:#6b7280;margin-bottom:14px}.cards{display:grid;grid-template-columns:repeat(auto-fill,
minmax(150px,1fr));gap:10px;margin-bottom:16px}.card{border:1px solid #e5e7eb;border-radius:10px;padding:10px 12px}
.card .k{color:#6b7280;font-size:12px}.card .v{font-size:18px;font-weight:600;overflow-wrap:anywhere}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:16px}.panel{border:1px solid
#e5e7eb;border-radius:10px;padding:12px}.wide{grid-column:1/-1}svg{display:block;max-width:100%;height:auto}
svg text{font:11px system-ui,sans-serif;fill:#374151}.legend{list-style:none;margin:0;padding:0}.legend li{display:
flex;gap:6px;align-items:center;margin:2px 0;font-size:12px}.sw{width:10px;height:10px;border-radius:2px;flex:none}
.legend .n{margin-left:auto;color:#6b7280;white-space:nowrap}.empty{color:#6b7280;font-style:italic}
.lines{margin:8px 0 0;padding-left:18px}.lines li{margin:3px 0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e7eb;
vertical-align:top}td.r,th.r{text-align:right}.ok{color:#047857;font-weight:600}.bad{color:#b91c1c;font-weight:600}
@media (prefers-color-scheme:dark){body{background:#171717;color:#e5e7eb}.card,.panel{border-color:#374151}
h2{color:#d1d5db}svg text{fill:#d1d5db}th,td{border-color:#374151}}
"""


def escape(value: Any, limit: int = 0) -> str:
    """Escaped text; with `limit`, cut to that many characters first (an ellipsis marks the cut)."""
    text = " ".join(str(value if value is not None else "").split())
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


_e = escape  # short: every piece of this page goes through it


def _t(lang: str, key: str, **params: Any) -> str:
    return i18n.t(lang, key, **params)


# Fixed text, no data in it: tells the parent frame how tall the page is, on load and whenever the body changes
# size. It measures the body, not `documentElement.scrollHeight`: that one is never less than the iframe's own
# height, so a page shown in an iframe a taller page had grown (each press replaces the card in the same iframe)
# would keep the old height as a blank gap under it.
RESIZE = (
    "<script>(function(){function h(){parent.postMessage({type:'iframe:height',"
    "height:Math.ceil(document.body.getBoundingClientRect().height)},'*')}"
    "addEventListener('load',h);addEventListener('resize',h);"
    "if(window.ResizeObserver){new ResizeObserver(h).observe(document.body)}h();"
    # Again a little later: the parent may attach its listener after the first message.
    "[100,400,1000,2500,5000].forEach(function(t){setTimeout(h,t)})})()</script>"
)


def page(title: str, subtitle: str, body: str, lang: str) -> str:
    """The page shell; `title` and `subtitle` are escaped here, `body` is HTML built by this module."""
    sub = f'<div class="sub">{_e(subtitle)}</div>' if subtitle else ""
    return (
        f'<!DOCTYPE html><html lang="{_e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1>{sub}{body}{RESIZE}</body></html>"
    )


def note(title: str, lines: Sequence[str], lang: str) -> str:
    """A button's answer as a small card under the reply: one line per item, wrapped, never cut (a status line is
    one clamped line, and it belongs to the reply's cost notice).

    `lines` are the answer as the pipe says it: Markdown in which everything typed was escaped (`text.quoted`).
    Each is shown as it reads (`inline`), and each line of a several-line answer (paragraphs, a "- " list of
    candidates) is an item of its own."""
    parts = (part.strip() for line in lines for part in line.splitlines())
    items = "".join(f"<li>{inline(part.removeprefix('- '))}</li>" for part in parts if part)
    return page(title, "", f'<ul class="lines">{items}</ul>', lang)


_INLINE = re.compile(rf"{text.ESCAPED.pattern}|\*\*|`")


def inline(markdown: str) -> str:
    """One line of an answer's Markdown as HTML: an escaped character (`\\<`, `\\_`) is that character, `code`
    and **bold** are tags; every character of text goes through html.escape exactly once, so a name reads as
    typed and stays text. A tag left open at the end is closed."""
    markdown = " ".join(markdown.split())
    out: list[str] = []
    opened: list[str] = []
    pos = 0
    for match in _INLINE.finditer(markdown):
        out.append(html.escape(markdown[pos : match.start()], quote=True))
        pos = match.end()
        token = match.group(0)
        tag = {"`": "code", "**": "b"}.get(token)
        if tag is None:  # an escaped character
            out.append(html.escape(match.group(1), quote=True))
        elif opened and opened[-1] == tag:
            out.append(f"</{opened.pop()}>")
        elif "code" in opened:  # inside code, ** is text
            out.append(html.escape(token, quote=True))
        else:
            opened.append(tag)
            out.append(f"<{tag}>")
    out.append(html.escape(markdown[pos:], quote=True))
    out.extend(f"</{tag}>" for tag in reversed(opened))
    return "".join(out)


def cards(items: Sequence[tuple[str, str]]) -> str:
    inner = "".join(
        f'<div class="card"><div class="k">{_e(k)}</div><div class="v">{_e(v)}</div></div>' for k, v in items
    )
    return f'<div class="cards">{inner}</div>'


def _panel(title: str, content: str, *, wide: bool = False) -> str:
    return f'<div class="panel{" wide" if wide else ""}"><h2>{_e(title)}</h2>{content}</div>'


def _empty(lang: str) -> str:
    return f'<p class="empty">{_e(_t(lang, "no_usage"))}</p>'


def donut(slices: Sequence[Slice], lang: str, symbol: str, *, micro: bool = True) -> str:
    """A donut of shares with a legend (label, amount, percent)."""
    total = sum(s.value for s in slices)
    if total <= 0:
        return _empty(lang)
    size, r_out, r_in = 180, 80, 48
    c = size / 2
    parts: list[str] = []
    legend: list[str] = []
    angle = -math.pi / 2
    for n, piece in enumerate(slices):
        color = PALETTE[n % len(PALETTE)]
        name = slice_name(piece, lang) if piece.label == OTHERS and piece.folded else piece.label
        share = piece.value / total
        amount = money(piece.value, symbol) if micro else number(piece.value, lang)
        tip = f"<title>{_e(name)}: {_e(amount)} ({100 * share:.1f}%)</title>"
        if share >= 0.9999:
            parts.append(
                f'<circle cx="{c}" cy="{c}" r="{(r_out + r_in) / 2}" fill="none" stroke="{color}" '
                f'stroke-width="{r_out - r_in}">{tip}</circle>'
            )
        else:
            end = angle + 2 * math.pi * share
            large = 1 if share > 0.5 else 0
            p = [
                (c + r_out * math.cos(angle), c + r_out * math.sin(angle)),
                (c + r_out * math.cos(end), c + r_out * math.sin(end)),
                (c + r_in * math.cos(end), c + r_in * math.sin(end)),
                (c + r_in * math.cos(angle), c + r_in * math.sin(angle)),
            ]
            d = (
                f"M{p[0][0]:.2f},{p[0][1]:.2f} A{r_out},{r_out} 0 {large} 1 {p[1][0]:.2f},{p[1][1]:.2f} "
                f"L{p[2][0]:.2f},{p[2][1]:.2f} A{r_in},{r_in} 0 {large} 0 {p[3][0]:.2f},{p[3][1]:.2f} Z"
            )
            parts.append(f'<path d="{d}" fill="{color}" stroke="#fff" stroke-width="1">{tip}</path>')
            angle = end
        legend.append(
            f'<li><span class="sw" style="background:{color}"></span><span>{_e(name, NAME_CAP)}</span>'
            f'<span class="n">{_e(amount)} · {100 * share:.1f}%</span></li>'
        )
    svg = (
        f'<svg viewBox="0 0 {size} {size}" width="{size}" height="{size}" role="img" class="donut">'
        f"{''.join(parts)}</svg>"
    )
    return f'<div style="display:flex;gap:16px;align-items:center;flex-wrap:wrap">{svg}<ul class="legend">' + (
        "".join(legend) + "</ul></div>"
    )


def hbars(rows: Sequence[tuple[str, int, str]], lang: str) -> str:
    """Horizontal bars: (label, value, shown value), largest first as given."""
    if not rows or max(v for _, v, _ in rows) <= 0:
        return _empty(lang)
    top = max(v for _, v, _ in rows)
    bar_h, gap, label_w, width = 18, 8, 150, 460
    span = width - label_w - 90
    height = len(rows) * (bar_h + gap)
    items = []
    for n, (name, value, shown) in enumerate(rows):
        y = n * (bar_h + gap)
        w = max(2.0, span * value / top)
        items.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{_e(name, 22)}<title>{_e(name)}</title></text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" '
            f'fill="{PALETTE[0]}"></rect><text x="{label_w + w + 6:.1f}" y="{y + 13}">{_e(shown)}</text>'
        )
    return f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">{"".join(items)}</svg>'


def columns(rows: Sequence[Mapping[str, Any]], lang: str, symbol: str) -> str:
    """Spend per day (or month, year) as columns, by charts.py's rules: the y axis ends at a round amount above
    the highest column (`charts.axis_top`) with a money label per step and no axis title (the unit is in the
    panel's title); the x axis labels only `charts.tick_indexes`, so labels never run together."""
    if not rows or not any(r["cost"] for r in rows):
        return _empty(lang)
    width, height, left, bottom, top_pad = 720, 220, 72, 28, 10
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top, step = charts.axis_top(max(r["cost"] for r in rows))
    slot = plot_w / len(rows)
    bar_w = min(48.0, max(1.0, slot * 0.7))  # one day alone is a column, not a wall
    parts = []
    for k in range(top // step + 1):  # a grid line and a money label at every step, 0 to the top
        y = top_pad + plot_h - plot_h * k * step / top
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"></line>'
            f'<text class="ylabel" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_e(money(k * step, symbol))}</text>"
        )
    labelled = set(charts.tick_indexes([r["day"] for r in rows], rows[0].get("unit", "day")))
    for n, r in enumerate(rows):
        h = plot_h * r["cost"] / top
        x = left + n * slot + (slot - bar_w) / 2
        day = r["day"].isoformat() if hasattr(r["day"], "isoformat") else str(r["day"])
        label = day[:7] if r.get("unit") == "month" else day[:4] if r.get("unit") == "year" else day[5:]
        replies = i18n.tn(lang, "replies_count", r["calls"], count=number(r["calls"], lang))
        parts.append(
            f'<rect class="col" x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[1]}"><title>{_e(day)}: {_e(money(r["cost"], symbol))} · {_e(replies)}</title></rect>'
        )
        if n in labelled:
            parts.append(
                f'<text class="xlabel" x="{x + bar_w / 2:.1f}" y="{height - 10}" text-anchor="middle">'
                f"{_e(label)}</text>"
            )
    return f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">{"".join(parts)}</svg>'


def card_items(card: Mapping[str, Any], lang: str, symbol: str) -> list[tuple[str, str]]:
    """`reports.report_card` as (label, value) pairs for the cards row."""
    items = [
        (_t(lang, "card_cost"), money(card["total_cost"], symbol)),
        (_t(lang, "col_replies"), number(card["calls"], lang)),
        (_t(lang, "col_input"), number(card["input_tokens"], lang)),
        (_t(lang, "col_output"), number(card["output_tokens"], lang)),
        (_t(lang, "col_cached"), number(card.get("cached_tokens", 0), lang)),
        (_t(lang, "col_reasoning"), number(card.get("reasoning_tokens", 0), lang)),
    ]
    if "active_users" in card:
        items.append((_t(lang, "card_users"), number(card["active_users"], lang)))
    if "models_used" in card:
        items.append((_t(lang, "card_models"), number(card["models_used"], lang)))
    if card.get("most_used_model"):
        items.append((_t(lang, "card_top_model"), str(card["most_used_model"]["model_id"])))
    if card.get("top_spender"):
        who = card["top_spender"]
        items.append((_t(lang, "card_top_spender"), who["name"] or who["email"] or who["user_id"]))
    return items


def dashboard(
    *,
    card: Mapping[str, Any],
    slices: Sequence[Slice],
    ranking: Sequence[Mapping[str, Any]] | None,
    days: Sequence[Mapping[str, Any]],
    rng: Range,
    lang: str,
    symbol: str,
    who: str = "",
) -> str:
    """The whole page. `ranking` None leaves the user ranking out (a user's own dashboard); `who` names the
    person a personal dashboard belongs to."""
    span = range_title(rng, lang)
    title = _t(lang, "dash_title")
    subtitle = f"{who} · {span}" if who else span
    panels = [_panel(_t(lang, "chart_share_cost"), donut(slices, lang, symbol))]
    if ranking is not None:
        bars = [
            (r["name"] or r["email"] or r["user_id"], r["cost"], money(r["cost"], symbol)) for r in ranking[:RANK_ROWS]
        ]
        panels.append(_panel(_t(lang, "dash_ranking"), hbars(bars, lang)))
    unit = days[0].get("unit", "day") if days else "day"
    per_day = _t(lang, "chart_with_unit", chart=_t(lang, f"chart_cost_{unit}"), symbol=symbol)
    panels.append(_panel(per_day, columns(days, lang, symbol), wide=True))
    body = cards(card_items(card, lang, symbol)) + f'<div class="grid">{"".join(panels)}</div>'
    return page(title, subtitle, body, lang)


def results_table(title: str, subtitle: str, header: Sequence[str], rows: Sequence[Sequence[Any]], lang: str) -> str:
    """A plain table page (the model test's results). A cell given as (text, css_class) gets that class."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for value in row:
            text, css = value if isinstance(value, tuple) else (value, "")
            cells.append(f'<td class="{_e(css)}">{_e(text, 300)}</td>' if css else f"<td>{_e(text, 300)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return page(title, subtitle, f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>", lang)
