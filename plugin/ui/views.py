"""The report model's answers as Markdown for Open WebUI's chat: one function per report of `reports.py`, each
taking that report's data and returning translated text with tables and Vega-Lite charts (a pie of model shares,
columns of spend over time; charts.py says why not Mermaid). An empty period says so instead of drawing empty
tables; a per-day table lists the days with usage and their total, not rows of zeros.

Money goes through `money.money`; names through `markdown.cell` (tables) and `charts.label` (charts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, tzinfo
from typing import Any

from ..domain.ranges import Range
from ..domain.reports import Page, Slice, fold
from ..money import money
from ..words import i18n
from . import charts
from .markdown import DASH, cell, number, table, when

ROW_CAP = 50  # rows a table shows before saying how many it left out
DAY_ROWS = 31  # per-day table rows with usage (the chart shows every day)
PRICE_ROWS = 100


def _t(lang: str, key: str, **params: Any) -> str:
    return i18n.t(lang, key, **params)


def _tn(lang: str, key: str, n: int, /, **params: Any) -> str:
    """`key` said of `n` things ("1 reply", "2 replies"; see i18n.tn)."""
    return i18n.tn(lang, key, n, **params)


def _hidden(count: int, lang: str) -> list[str]:
    return ["", f"_{_t(lang, 'rows_hidden', count=number(count, lang))}_"] if count > 0 else []


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else DASH


def _who(name: str, email: str, user_id: str) -> str:
    return name or email or user_id


def range_title(rng: Range, lang: str) -> str:
    """`Last 7 days (2026-11-22 – 2026-11-28)`, `This week (…)`, `All time`, in the reader's language."""
    first, last = (rng.first.isoformat() if rng.first else ""), (rng.last.isoformat() if rng.last else "")
    if rng.key == "all" or not first:
        return _t(lang, "range_all")
    if rng.key in ("today", "yesterday", "day_before"):
        return _t(lang, f"range_{rng.key}", day=first)
    if rng.key in ("week", "month", "last_week", "last_month"):
        return _t(lang, f"range_{rng.key}", first=first, last=last)
    if rng.key == "days":
        return _tn(lang, "range_days", rng.days, days=rng.days, first=first, last=last)
    return first if first == last else _t(lang, "range_custom", first=first, last=last)


def _title(lang: str, key: str, rng: Range | None = None, **params: Any) -> str:
    if rng is not None:
        params["range"] = range_title(rng, lang)
    return "### " + _t(lang, key, **params)


def _empty(lang: str, key: str, rng: Range) -> str:
    return "\n".join([_title(lang, key, rng), "", _t(lang, "no_usage")])


# -- one function per report ----------------------------------------------------------------------------------


def user_summary(summary: Mapping[str, Any], lang: str, symbol: str) -> str:
    """`reports.user_summary`: the balance, then one table row per range."""
    balance = money(summary["balance"], symbol) if summary["seen"] else DASH
    lines = [_t(lang, "summary_title", balance=balance), ""]
    if not summary["seen"]:
        lines += [_t(lang, "summary_not_seen"), ""]
    elif summary["blocked"]:
        lines += [_t(lang, "user_blocked"), ""]
    lines.append(_t(lang, "summary_header"))
    lines.append("|---|---:|---:|---:|---:|")
    for period in summary["periods"]:
        lines.append(
            f"| {range_title(period['range'], lang)} | {number(period['calls'], lang)}"
            f" | {number(period['input_tokens'], lang)} | {number(period['output_tokens'], lang)}"
            f" | {money(period['cost'], symbol)} |"
        )
    return "\n".join(lines)


def totals(data: Mapping[str, int], rng: Range, lang: str, symbol: str) -> str:
    """`reports.totals`: replies, the four token counts and the cost of a range."""
    if not data["calls"]:
        return _empty(lang, "totals_title", rng)
    rows = [
        (_t(lang, "col_replies"), number(data["calls"], lang)),
        (_t(lang, "col_input"), number(data["input_tokens"], lang)),
        (_t(lang, "col_output"), number(data["output_tokens"], lang)),
        (_t(lang, "col_cached"), number(data["cached_tokens"], lang)),
        (_t(lang, "col_reasoning"), number(data["reasoning_tokens"], lang)),
        (_t(lang, "col_cost"), money(data["cost"], symbol)),
    ]
    if data["estimated_calls"]:
        rows.append((_t(lang, "card_estimated"), number(data["estimated_calls"], lang)))
    lines = table((_t(lang, "col_metric"), _t(lang, "col_value")), "lr", rows)
    return "\n".join([_title(lang, "totals_title", rng), "", *lines])


def report_card(card: Mapping[str, Any], rng: Range, lang: str, symbol: str) -> str:
    """`reports.report_card`: the admin's overview of a range, one metric per row."""
    if not card["calls"]:
        return _empty(lang, "card_title", rng)
    tokens = _t(
        lang,
        "card_tokens_value",
        total=number(card["tokens"], lang),
        input=number(card["input_tokens"], lang),
        output=number(card["output_tokens"], lang),
    )
    rows = [
        (_t(lang, "card_cost"), f"**{money(card['total_cost'], symbol)}**"),
        (_t(lang, "col_replies"), number(card["calls"], lang)),
        (_t(lang, "col_tokens"), tokens),
        (_t(lang, "card_users"), number(card["active_users"], lang)),
        (_t(lang, "card_models"), number(card["models_used"], lang)),
    ]
    if card["most_used_model"]:
        top = card["most_used_model"]
        rows.append(
            (
                _t(lang, "card_top_model"),
                _tn(
                    lang,
                    "card_top_model_value",
                    top["calls"],
                    model=cell(top["model_id"]),
                    calls=number(top["calls"], lang),
                ),
            )
        )
    if card["top_spender"]:
        who = card["top_spender"]
        name = cell(_who(who["name"], who["email"], who["user_id"]))
        email = f" ({cell(who['email'])})" if who["email"] and who["name"] else ""
        rows.append((_t(lang, "card_top_spender"), f"{name}{email} · {money(who['cost'], symbol)}"))
    if card["estimated_calls"]:
        rows.append((_t(lang, "card_estimated"), number(card["estimated_calls"], lang)))
    lines = table((_t(lang, "col_metric"), _t(lang, "col_value")), "lr", rows)
    return "\n".join([_title(lang, "card_title", rng), "", *lines])


def by_model(rows: Sequence[Mapping[str, Any]], rng: Range, lang: str, symbol: str, *, chart: bool = True) -> str:
    """`reports.by_model`: a table by cost (with each model's share) and, with `chart`, a pie of the cost."""
    if not rows:
        return _empty(lang, "by_model_title", rng)
    whole = sum(r["cost"] for r in rows)
    body = [
        (
            cell(r["model_id"]),
            number(r["calls"], lang),
            number(r["input_tokens"], lang),
            number(r["output_tokens"], lang),
            money(r["cost"], symbol),
            _share(r["cost"], whole),
        )
        for r in rows[:ROW_CAP]
    ]
    header = [_t(lang, k) for k in ("col_model", "col_replies", "col_input", "col_output", "col_cost", "col_share")]
    lines = [
        _title(lang, "by_model_title", rng),
        "",
        *table(header, "lrrrrr", body),
        *_hidden(len(rows) - ROW_CAP, lang),
    ]
    if chart and whole:
        slices = fold((r["model_id"], r["cost"]) for r in rows)
        lines += ["", *charts.pie(_t(lang, "chart_share_cost"), legend(slices, lang, symbol))]
    return "\n".join(lines)


def slice_name(piece: Slice, lang: str) -> str:
    """A slice's model id, or "Others (3 models)" for the folded rest."""
    return _tn(lang, "others", piece.folded, count=number(piece.folded, lang)) if piece.folded else piece.label


def legend(slices: Sequence[Slice], lang: str, symbol: str, *, micro: bool = True) -> list[tuple[str, int]]:
    """Each slice as (legend text, value): the text carries the amount and share the way the tables print them
    ("gpt-4o · $0.0032 · 62.4%"), where a Mermaid pie with showData printed the raw number ("[0.00318]")."""
    whole = sum(s.value for s in slices)
    return [
        (
            f"{charts.label(slice_name(s, lang))} · {money(s.value, symbol) if micro else number(s.value, lang)}"
            f" · {_share(s.value, whole)}",
            s.value,
        )
        for s in slices
    ]


def distribution(slices: Sequence[Slice], rng: Range, lang: str, symbol: str, by: str = "cost") -> str:
    """`reports.distribution`: a pie of each model's share of cost or replies, and the same as a table."""
    key = "share_title_calls" if by == "calls" else "share_title_cost"
    if not slices:
        return _empty(lang, key, rng)
    whole = sum(s.value for s in slices)
    chart = charts.pie(
        _t(lang, f"chart_share_{'calls' if by == 'calls' else 'cost'}"),
        legend(slices, lang, symbol, micro=by != "calls"),
    )
    body = [
        (
            cell(slice_name(s, lang)),
            number(s.value, lang) if by == "calls" else money(s.value, symbol),
            _share(s.value, whole),
        )
        for s in slices
    ]
    header = (_t(lang, "col_model"), _t(lang, "col_replies" if by == "calls" else "col_cost"), _t(lang, "col_share"))
    return "\n".join([_title(lang, key, rng), "", *chart, "", *table(header, "lrr", body)])


def _bucket_label(day: date, unit: str, span_years: bool) -> str:
    if unit == "year":
        return str(day.year)
    if unit == "month":
        return day.strftime("%Y-%m")
    return day.isoformat() if span_years else day.strftime("%m-%d")


def by_day(rows: Sequence[Mapping[str, Any]], rng: Range, lang: str, symbol: str, *, chart: bool = True) -> str:
    """`reports.by_day`: columns of cost per day (or month, or year) over the whole range, and a table of the
    latest days that had usage with the total of the range (a month of mostly idle days is not pages of zeros)."""
    unit = rows[0]["unit"] if rows else "day"
    key = f"by_day_title_{unit}"
    if not any(r["calls"] for r in rows):
        return _empty(lang, key, rng)
    span_years = rows[0]["day"].year != rows[-1]["day"].year
    names = [_bucket_label(r["day"], unit, span_years) for r in rows]
    lines = [_title(lang, key, rng), ""]
    if chart:
        title = _t(lang, "chart_with_unit", chart=_t(lang, f"chart_cost_{unit}"), symbol=symbol)
        ticks = charts.tick_indexes([r["day"] for r in rows], unit)
        lines += [*charts.columns(title, names, [r["cost"] for r in rows], ticks), ""]
    used = [(name, r) for name, r in zip(names, rows, strict=True) if r["calls"] or r["cost"]]
    shown = used[-DAY_ROWS:]
    body = [
        (
            name if unit != "day" else r["day"].isoformat(),
            number(r["calls"], lang),
            number(r["input_tokens"] + r["output_tokens"], lang),
            money(r["cost"], symbol),
        )
        for name, r in shown
    ]
    body.append(
        (
            f"**{_t(lang, 'row_total')}**",
            f"**{number(sum(r['calls'] for r in rows), lang)}**",
            f"**{number(sum(r['input_tokens'] + r['output_tokens'] for r in rows), lang)}**",
            f"**{money(sum(r['cost'] for r in rows), symbol)}**",
        )
    )
    header = (_t(lang, f"col_{unit}"), _t(lang, "col_replies"), _t(lang, "col_tokens"), _t(lang, "col_cost"))
    lines += table(header, "lrrr", body)
    if len(used) > len(shown):
        hidden = len(used) - len(shown)
        lines += ["", f"_{_tn(lang, 'earlier_hidden', hidden, count=number(hidden, lang))}_"]
    return "\n".join(lines)


def records(
    page: Page,
    rng: Range,
    lang: str,
    symbol: str,
    tz: tzinfo | None,
    *,
    sort: str = "time",
    descending: bool = True,
    user: str = "",
    model: str = "",
) -> str:
    """`reports.records`: one page of usage records, what it is filtered and sorted by, and where it stands."""
    if not page.total:
        return _empty(lang, "records_title", rng)
    notes = []
    if user:
        notes.append(_t(lang, "records_filter_user", user=cell(user)))
    if model:
        notes.append(_t(lang, "records_filter_model", model=cell(model)))
    direction = _t(lang, "dir_desc" if descending else "dir_asc")
    notes.append(_t(lang, "records_sorted", sort=_t(lang, f"sort_{sort}"), direction=direction))
    body = []
    for r in page.rows:
        tokens = f"{number(r['input_tokens'], lang)}+{number(r['output_tokens'], lang)}"
        body.append(
            (
                when(r["created_at"], tz),
                cell(_who(r["user_name"], r["user_email"], r["user_id"])),
                cell(r["model_id"]),
                tokens + (_t(lang, "estimated") if r["estimated"] else ""),
                money(r["cost"], symbol, exact=True),
                money(r["balance_after"], symbol),
            )
        )
    header = [_t(lang, k) for k in ("col_time", "col_user", "col_model", "col_tokens", "col_cost", "col_balance")]
    footer = _tn(lang, "records_page", page.total, page=page.page, pages=page.pages, total=number(page.total, lang))
    return "\n".join(
        [_title(lang, "records_title", rng), "", " · ".join(notes), "", *table(header, "lllrrr", body), "", footer]
    )


def ranking(
    rows: Sequence[Mapping[str, Any]], rng: Range, lang: str, symbol: str, by: str = "cost", *, limit: int = 20
) -> str:
    """`reports.ranking`: users by cost or replies; a row beyond the top `limit` (the asker's own) follows a gap."""
    key = "ranking_title_calls" if by == "calls" else "ranking_title_cost"
    if not rows:
        return _empty(lang, key, rng)
    body = []
    for n, r in enumerate(rows):
        if n and r["rank"] > rows[n - 1]["rank"] + 1:
            body.append(("…", "", "", "", "", ""))
        body.append(
            (
                str(r["rank"]),
                cell(_who(r["name"], "", r["user_id"])),
                cell(r["email"]),
                number(r["calls"], lang),
                number(r["input_tokens"] + r["output_tokens"], lang),
                money(r["cost"], symbol),
            )
        )
    header = ["#"] + [_t(lang, k) for k in ("col_user", "col_email", "col_replies", "col_tokens", "col_cost")]
    return "\n".join([_title(lang, key, rng), "", *table(header, "rllrrr", body)])


def users(page: Page, lang: str, symbol: str, tz: tzinfo | None, search: str = "") -> str:
    """`reports.users`: one page of people with balance, spend, last use and status."""
    title = (
        _title(lang, "users_title_search", search=cell(search, 40), total=number(page.total, lang))
        if search.strip()
        else _title(lang, "users_title", total=number(page.total, lang))
    )
    if not page.rows:
        return "\n".join([title, "", _t(lang, "users_none")])
    body = []
    for r in page.rows:
        if not r["in_directory"]:
            status = _t(lang, "status_gone")
        elif not r["seen"]:
            status = _t(lang, "status_not_seen")
        else:
            status = _t(lang, "status_blocked" if r["blocked"] else "status_active")
        body.append(
            (
                cell(r["name"]),
                cell(r["email"]),
                cell(r["role"], 20),
                money(r["balance"], symbol) if r["balance"] is not None else DASH,
                money(r["spent"], symbol),
                when(r["last_used"], tz),
                status,
            )
        )
    header = [
        _t(lang, k)
        for k in ("col_name", "col_email", "col_role", "col_balance", "col_spent", "col_last_used", "col_status")
    ]
    footer = _tn(lang, "users_page", page.total, page=page.page, pages=page.pages, total=number(page.total, lang))
    return "\n".join([title, "", *table(header, "lllrrll", body), "", footer])


def price_source(source: str, lang: str) -> str:
    """`admin`, `connection`, `catalogue` (each also `:<base>`), `default` in the reader's words."""
    kind, _, base = source.partition(":")
    if kind in ("admin", "connection", "catalogue") and base:
        return _t(lang, f"source_{kind}_base", base=cell(base))
    return _t(lang, f"source_{kind}") if kind in ("admin", "connection", "catalogue", "default") else cell(source)


def price_list(rows: Sequence[Mapping[str, Any]], lang: str, symbol: str) -> str:
    """`reports.price_list`: each model's effective price per 1M tokens (or per message) and its source; reasoning
    and per-request rates get their columns only when some model shown has one."""
    title = _title(lang, "prices_title")
    if not rows:
        return "\n".join([title, "", _t(lang, "prices_none")])
    shown = rows[:PRICE_ROWS]
    reasoning = any(r["price"].reasoning is not None for r in shown)
    request = any(r["price"].per_request is not None for r in shown)
    body = []
    for r in shown:
        price = r["price"]
        name = cell(r["name"]) if r["name"] == r["model_id"] else f"{cell(r['name'], 40)} · {cell(r['model_id'], 40)}"
        if not r["listed"]:
            name += f" ({_t(lang, 'price_unlisted')})"
        per_message = price.per_message is not None
        line = [
            name,
            DASH if per_message else money(price.input, symbol),
            DASH if per_message else money(price.output, symbol),
            money(price.cached_input, symbol) if price.cached_input is not None and not per_message else DASH,
        ]
        if reasoning:
            line.append(money(price.reasoning, symbol) if price.reasoning is not None and not per_message else DASH)
        line.append(money(price.per_message, symbol) if per_message else DASH)
        if request:
            line.append(money(price.per_request, symbol) if price.per_request is not None else DASH)
        line.append(price_source(price.source, lang))
        body.append(tuple(line))
    keys = [
        "col_model",
        "col_price_input",
        "col_price_output",
        "col_price_cached",
        *(["col_price_reasoning"] if reasoning else []),
        "col_price_msg",
        *(["col_price_request"] if request else []),
        "col_source",
    ]
    align = "l" + "r" * (len(keys) - 2) + "l"
    return "\n".join(
        [title, "", *table([_t(lang, k) for k in keys], align, body), *_hidden(len(rows) - PRICE_ROWS, lang)]
    )
