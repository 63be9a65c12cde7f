"""The console: one self-contained page under a Usage Monitor reply (`/console`), with the original panel's three
tables (users, models and prices, usage) that an admin clicks, sorts, pages and edits.

The page changes nothing itself and fetches nothing: every button carries the command an admin could type
(`/balance add bob@example.com 5`, `/console users sort:balance desc page:2`), and the one script below posts it to
the chat as `input:prompt:submit`. Open WebUI asks the reader to confirm a prompt coming from an embed ("Confirm
Prompt from Embed"), sends it to the chat's model, the Usage Monitor, which checks the role, runs it, writes the
ledger or price history, and answers; after a change, that answer brings the console back (`cmd_console.again`).
So the page only ever shows what the server rendered into it: the first screen's data, escaped, and buttons.

Every name, e-mail and model id was typed by someone: each goes through `_e` (html.escape) once, in text and in
attributes alike; the commands are built with `shlex.quote` (what `parse._split` reads back) and escaped as
attributes. What the admin types into the page (an amount, a search) is quoted the same way by the script, and
the parser checks it like anything typed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from ..domain.ranges import Range
from ..domain.reports import Page, Slice
from ..money import money
from ..words import i18n
from . import dashboard
from .markdown import DASH, number, when
from .views import price_source, range_title

_e = dashboard.escape

TABS = ("users", "models", "usage")
RANGES = ("today", "yesterday", "7d", "30d", "90d", "this month", "last month", "all")  # the range field's choices

CSS = """
.tabs{display:flex;gap:6px;flex-wrap:wrap;margin:0 0 10px}.tabs button,.tabs span{padding:6px 12px;border-radius:8px;
border:1px solid #d1d5db;background:transparent;color:inherit;font:inherit;cursor:pointer}.tabs span{background:#3b82f6;
color:#fff;border-color:#3b82f6}.hint{color:#6b7280;font-size:12px;margin:0 0 12px}.bar{display:flex;gap:8px;
flex-wrap:wrap;align-items:center;margin:0 0 10px}input,select{font:inherit;padding:4px 6px;border:1px solid #d1d5db;
border-radius:6px;background:transparent;color:inherit;max-width:100%}input.n{width:5.5em}button.b{font:inherit;
font-size:12px;padding:3px 8px;border-radius:6px;border:1px solid #d1d5db;background:transparent;color:inherit;
cursor:pointer}button.b:hover,.tabs button:hover{background:#f3f4f6}button.s{border:0;background:none;color:inherit;
font:inherit;font-weight:600;cursor:pointer;padding:0}.pager{display:flex;gap:8px;align-items:center;margin-top:8px;
color:#6b7280}.wrap{overflow-x:auto}td .row{display:flex;gap:4px;align-items:center}td.c{white-space:nowrap}
.tag{font-size:11px;padding:0 5px;border-radius:4px;background:#e5e7eb;color:#374151}.muted{color:#6b7280}
.panel{margin-bottom:12px}
@media (prefers-color-scheme:dark){input,select,button.b,.tabs button{border-color:#4b5563}button.b:hover,
.tabs button:hover{background:#262626}select option{background:#171717}.tag{background:#374151;color:#e5e7eb}}
"""

# Fixed text, no data in it. A press on an element with `data-cmd` sends that command; `data-args` names inputs
# whose values follow as words, `data-fields` `option=input` pairs whose values follow as `option:value` (left out
# when empty). Values are quoted as shlex.quote does, so "Ana María" stays one word and nothing typed becomes a
# second line. The parent asks the reader to confirm before the chat receives it.
SCRIPT = (
    "<script>(function(){function q(v){"
    "v=String(v).replace(/[\\r\\n\\v\\f\\x1c-\\x1e\\x85\\u2028\\u2029]+/g,' ').trim();"
    'return /^[\\w@%+=:,.\\/-]+$/.test(v)?v:"\'"+v.replace(/\'/g,"\'\\"\'\\"\'")+"\'"}'
    "function val(id){var e=document.getElementById(id);return e?String(e.value||'').trim():''}"
    "document.addEventListener('click',function(ev){var b=ev.target.closest('[data-cmd]');if(!b)return;"
    "ev.preventDefault();var c=b.getAttribute('data-cmd');"
    "(b.getAttribute('data-args')||'').split(' ').forEach(function(id){if(id&&val(id))c+=' '+q(val(id))});"
    "(b.getAttribute('data-fields')||'').split(' ').forEach(function(p){var k=p.split('=');"
    "if(k.length==2&&val(k[1]))c+=' '+k[0]+':'+q(val(k[1]))});"
    "parent.postMessage({type:'input:prompt:submit',text:c},'*')});"
    "document.addEventListener('keydown',function(ev){if(ev.key!=='Enter'||!ev.target.getAttribute)return;"
    "var f=ev.target.getAttribute('data-enter');var b=f&&document.getElementById(f);"
    "if(b){ev.preventDefault();b.click()}})"
    "})()</script>"
)


@dataclass(frozen=True)
class View:
    """How the page is drawn: for whom (`admin` gets the change buttons and everyone's data) and whether its
    commands reach the Usage Monitor (`live`: false under another model's reply, where the page is read-only)."""

    tab: str
    lang: str
    symbol: str
    tz: tzinfo | None
    admin: bool
    live: bool = True

    def t(self, key: str, **params: Any) -> str:
        return i18n.t(self.lang, key, **params)


def arg(value: str) -> str:
    """A value as one word of a command line (`parse._split` reads it back as typed), on one line."""
    return shlex.quote(" ".join(str(value).split()))


_OPTION_LIKE = re.compile(r"^[a-z_\u4e00-\u9fff]+[:=]", re.IGNORECASE)  # what `parse` would read as `name:value`


def plain_word(value: str) -> bool:
    """Whether `value`, quoted by `arg`, reads back as one plain word: one line, and not shaped like an option."""
    return bool(value) and value == " ".join(value.split()) and not _OPTION_LIKE.match(value)


def command(tab: str, *words: str, **options: str | int | None) -> str:
    """`/console TAB words option:value ...`, options in the order given, empty ones left out."""
    parts = ["/console", tab, *(w for w in words if w)]
    parts += [f"{key}:{arg(str(value))}" for key, value in options.items() if value not in (None, "")]
    return " ".join(parts)


def _button(label: str, cmd: str, *, args: str = "", fields: str = "", css: str = "b", ident: str = "") -> str:
    extra = f' data-args="{_e(args)}"' if args else ""
    extra += f' data-fields="{_e(fields)}"' if fields else ""
    extra += f' id="{_e(ident)}"' if ident else ""
    return f'<button type="button" class="{css}" data-cmd="{_e(cmd)}"{extra}>{_e(label)}</button>'


def _input(ident: str, value: str = "", *, placeholder: str = "", css: str = "", enter: str = "", lst: str = "") -> str:
    attrs = f' class="{css}"' if css else ""
    attrs += f' placeholder="{_e(placeholder)}"' if placeholder else ""
    attrs += f' data-enter="{_e(enter)}"' if enter else ""
    attrs += f' list="{_e(lst)}"' if lst else ""
    return f'<input id="{_e(ident)}" value="{_e(value)}"{attrs}>'


def _pager(view: View, page: Page, at_page: Callable[[int], str]) -> str:
    """Page n of m, and the neighbours' commands (`at_page(n)`: the command of page n)."""
    total = number(page.total, view.lang)  # people or models
    if view.tab == "usage":
        total = i18n.tn(view.lang, "replies_count", page.total, count=total)
    text = f"<span>{_e(view.t('console_page', page=page.page, pages=page.pages, total=total))}</span>"
    if view.live and page.page > 1:
        text = _button(view.t("console_prev"), at_page(page.page - 1)) + text
    if view.live and page.page < page.pages:
        text += _button(view.t("console_next"), at_page(page.page + 1))
    return f'<div class="pager">{text}</div>'


def _table(head: Sequence[str], rows: Sequence[str], align: str) -> str:
    cells = "".join(f'<th class="{"r" if a == "r" else ""}">{h}</th>' for h, a in zip(head, align, strict=True))
    return f'<div class="wrap"><table><thead><tr>{cells}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _sort_head(
    view: View, label: str, key: str, current: str, descending: bool, sorted_by: Callable[[str, str], str]
) -> str:
    """A column title; when live, a button that sorts by it (pressed again, the other way)."""
    mark = (" ▼" if descending else " ▲") if key == current else ""
    if not view.live:
        return _e(label + mark)
    if key == current:
        turn = "asc" if descending else "desc"
    else:  # a new column: names A to Z, times and amounts highest first
        turn = "asc" if key == "name" else "desc"
    return _button(label + mark, sorted_by(key, turn), css="s")


def page(view: View, body: str) -> str:
    """The whole page: the tabs an admin has (a user has only their usage), the hint, the view, the script."""
    tabs = []
    for tab in TABS if view.admin else ("usage",):
        label = view.t(f"console_tab_{tab}")
        if tab == view.tab or not view.live:
            tabs.append(f"<span>{_e(label)}</span>" if tab == view.tab else f'<span class="muted">{_e(label)}</span>')
        else:
            tabs.append(_button(label, command(tab), css=""))
    if not view.live:
        hint = view.t("console_hint_elsewhere")
    else:
        hint = view.t("console_hint_admin" if view.admin else "console_hint_user")
    title = view.t("console_title")
    return (
        f'<!DOCTYPE html><html lang="{_e(view.lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title)}</title><style>{dashboard.CSS}{CSS}</style></head><body>"
        f'<h1>{_e(title)}</h1><nav class="tabs">{"".join(tabs)}</nav><p class="hint">{dashboard.inline(hint)}</p>'
        f"{body}{dashboard.RESIZE}{SCRIPT if view.live else ''}</body></html>"
    )


# -- users --------------------------------------------------------------------------------------------------


def users(
    view: View, found: Page, *, sort: str, descending: bool, search: str, names: Mapping[str, str] | None = None
) -> str:
    """One page of people: balance, all-time spend, last use, status; an admin's row has an amount field with
    Add and Set, and Block or Unblock. `names` says how each row's commands name the person (an e-mail that finds
    exactly them again, else their id: `console_pages.users` checks); the id when absent."""

    def at_page(page_no: int) -> str:
        return command("users", "desc" if descending else "asc", search and arg(search), sort=sort, page=page_no)

    def sorted_by(key: str, turn: str) -> str:
        return command("users", turn, search and arg(search), sort=key)

    bar = ""
    if view.live:
        bar = (
            '<div class="bar">'
            + _input("q", search, placeholder=view.t("console_search"), enter="go")
            + _button(view.t("console_search_button"), command("users", sort=sort), args="q", ident="go")
            + "</div>"
        )
    head = [
        _sort_head(view, view.t("col_name"), "name", sort, descending, sorted_by),
        _sort_head(view, view.t("col_balance"), "balance", sort, descending, sorted_by),
        _sort_head(view, view.t("col_spent"), "spend", sort, descending, sorted_by),
        _sort_head(view, view.t("col_last_used"), "last", sort, descending, sorted_by),
        _e(view.t("col_status")),
    ]
    align = "lrrll"
    changes = view.admin and view.live
    if changes:
        head.append(_e(view.t("console_actions")))
        align += "l"
    rows = []
    for n, r in enumerate(found.rows):
        status = (
            view.t("status_blocked" if r["blocked"] else "status_active") if r["seen"] else view.t("status_not_seen")
        )
        if not r["in_directory"]:
            status = view.t("status_gone")
        role = f' <span class="tag">{_e(r["role"], 20)}</span>' if r["role"] != "user" else ""
        cells = [
            f'<td>{_e(r["name"] or DASH, 60)}{role}<div class="muted">{_e(r["email"] or DASH, 60)}</div></td>',
            f'<td class="r">{_e(money(r["balance"], view.symbol) if r["balance"] is not None else DASH)}</td>',
            f'<td class="r">{_e(money(r["spent"], view.symbol))}</td>',
            f"<td>{_e(when(r['last_used'], view.tz))}</td>",
            f"<td>{_e(status)}</td>",
        ]
        if changes:
            who = arg((names or {}).get(r["id"]) or r["id"])
            amount = f"a{n}"
            block = "unblock" if r["blocked"] else "block"
            cells.append(
                '<td class="c"><div class="row">'
                + _input(amount, css="n", placeholder=view.t("console_amount"))
                + _button(view.t("console_add"), f"/balance add {who}", args=amount)
                + _button(view.t("console_set"), f"/balance set {who}", args=amount)
                + _button(view.t(f"console_{block}"), f"/{block} {who}")
                + "</div></td>"
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    table = _table(head, rows, align) if rows else f'<p class="empty">{_e(view.t("users_none"))}</p>'
    return page(view, bar + table + _pager(view, found, at_page))


# -- models and prices --------------------------------------------------------------------------------------


def models(
    view: View,
    shown: Page,
    *,
    search: str,
    near: Mapping[str, str] | None = None,
    ours: frozenset[str] | set[str] = frozenset(),
) -> str:
    """Every model Open WebUI lists with the price billing uses now and its source; an admin edits a row's
    input and output price (or per-message price) in place, clears an admin price, takes the catalogue entry that
    looks like a model the catalogue does not name (`near`: model id -> entry id), tests a model or all of them,
    previews the catalogue's prices, and undoes the last change. The Usage Monitor's own models (`ours`) are
    never billed nor tested: their row says so instead."""

    def at_page(page_no: int) -> str:
        return command("models", search and arg(search), page=page_no)

    bar = ""
    if view.live:
        bar = (
            '<div class="bar">'
            + _input("q", search, placeholder=view.t("console_model"), enter="go")
            + _button(view.t("console_search_button"), command("models"), args="q", ident="go")
            + _button(view.t("console_undo"), "/price undo")
            + _button(view.t("console_history"), "/price history")
            + _button(view.t("console_catalogue"), "/price catalogue")
            + _button(view.t("console_test_all"), "/test all")
            + "</div>"
        )
    changes = view.admin and view.live
    per_message_column = any(r["price"].per_message is not None for r in shown.rows)
    keys = ("col_model", "col_price_input", "col_price_output", *(("col_price_msg",) if per_message_column else ()))
    head = [view.t(k) for k in (*keys, "col_source")]
    cells_head = [_e(h) for h in head] + ([_e(view.t("console_actions"))] if changes else [])
    lines = []
    for n, r in enumerate(shown.rows):
        price = r["price"]
        per_message = price.per_message is not None
        name = str(r["name"])
        label = _e(name, 60) + ("" if name == r["model_id"] else f' <span class="muted">{_e(r["model_id"], 60)}</span>')
        if not r["listed"]:
            label += f' <span class="muted">({_e(view.t("price_unlisted"))})</span>'
        values = [
            DASH if per_message else money(price.input, view.symbol),
            DASH if per_message else money(price.output, view.symbol),
        ]
        if per_message_column:
            values.append(money(price.per_message, view.symbol) if per_message else DASH)
        cells = [f"<td>{label}</td>", *(f'<td class="r">{_e(v)}</td>' for v in values)]
        cells.append(f"<td>{dashboard.inline(price_source(price.source, view.lang))}</td>")
        if changes and str(r["model_id"]) in ours:
            cells.append(f'<td class="muted">{_e(view.t("console_not_billed"))}</td>')
        elif changes:
            model = "model:" + arg(str(r["model_id"]))  # an option: whatever the id, the command's target
            if per_message:
                edit = _input(f"m{n}", _plain(price.per_message), css="n") + _button(
                    view.t("console_save"), f"/price set {model}", fields=f"msg=m{n}"
                )
            else:
                edit = (
                    _input(f"i{n}", _plain(price.input), css="n")
                    + _input(f"o{n}", _plain(price.output), css="n")
                    + _button(view.t("console_save"), f"/price set {model}", fields=f"input=i{n} output=o{n}")
                )
            if str(price.source).startswith("admin") and r["admin"] is not None:
                edit += _button(view.t("console_clear"), f"/price clear {model}")
            entry = (near or {}).get(str(r["model_id"]))
            if entry:
                edit += _button(view.t("console_accept", entry=entry), f"/price accept {model} {arg(entry)}")
            edit += _button(view.t("console_test"), f"/test {model}")
            cells.append(f'<td class="c"><div class="row">{edit}</div></td>')
        lines.append(f"<tr>{''.join(cells)}</tr>")
    align = "l" + "r" * (len(keys) - 1) + "l" + ("l" if changes else "")
    table = _table(cells_head, lines, align) if lines else f'<p class="empty">{_e(view.t("prices_none"))}</p>'
    return page(view, bar + table + _pager(view, shown, at_page))


def _plain(micro: int | None) -> str:
    """Micro-units as the plain decimal an admin types back (`2.5`, not `$2.50`)."""
    if micro is None:
        return ""
    whole, part = divmod(int(micro), 1_000_000)
    return f"{whole}.{part:06d}".rstrip("0").rstrip(".") if part else str(whole)


# -- usage --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What the usage view shows: the range as typed and as read, and the user and model filters (as typed, and
    the label / id they resolved to)."""

    range_text: str
    rng: Range
    user: str = ""
    user_label: str = ""
    model: str = ""
    sort: str = "time"
    descending: bool = True

    def options(self, **more: Any) -> dict[str, Any]:
        return {"range": self.range_text, "user": self.user, "model": self.model, **more}


def usage(
    view: View,
    sel: Selection,
    *,
    card: Mapping[str, Any],
    slices: Sequence[Slice],
    ranking: Sequence[Mapping[str, Any]] | None,
    days: Sequence[Mapping[str, Any]],
    records: Page,
    model_choices: Sequence[str],
) -> str:
    """The range, user and model chosen; the dashboard's cards and charts for them; the records, sorted and paged;
    an admin's export of exactly this selection."""

    def at_page(page_no: int) -> str:
        return command("usage", "desc" if sel.descending else "asc", **sel.options(sort=sel.sort, page=page_no))

    def sorted_by(key: str, turn: str) -> str:
        return command("usage", turn, **sel.options(sort=key))

    parts = []
    if view.live:
        options = "".join(f'<option value="{_e(r)}"></option>' for r in RANGES)
        choices = [f'<option value="">{_e(view.t("console_all_models"))}</option>']
        choices += [
            f'<option value="{_e(m)}"{" selected" if m == sel.model else ""}>{_e(m, 60)}</option>'
            for m in model_choices
        ]
        fields = "range=rng model=mdl" + (" user=usr" if view.admin else "")
        bar = (
            f"<label>{_e(view.t('console_range'))} "
            + _input("rng", sel.range_text, lst="rngs", enter="go")
            + f'</label><datalist id="rngs">{options}</datalist>'
        )
        if view.admin:
            bar += f"<label>{_e(view.t('console_user'))} " + _input(
                "usr", sel.user, placeholder=view.t("console_everyone"), enter="go"
            )
            bar += "</label>"
        bar += f'<label>{_e(view.t("console_model"))} <select id="mdl">{"".join(choices)}</select></label>'
        bar += _button(view.t("console_apply"), command("usage"), fields=fields, ident="go")
        if view.admin:
            export = "/export csv " + " ".join(
                f"{k}:{arg(str(v))}" for k, v in sel.options().items() if v not in (None, "")
            )
            bar += _button(view.t("console_export"), export.strip())
        parts.append(f'<div class="bar">{bar}</div>')
    who = sel.user_label or (view.t("console_everyone") if view.admin else "")
    subtitle = " · ".join(x for x in (range_title(sel.rng, view.lang), who, sel.model) if x)
    parts.append(f'<div class="sub">{_e(subtitle)}</div>')
    parts.append(dashboard.cards(dashboard.card_items(card, view.lang, view.symbol)))
    panels = [_panel(view.t("chart_share_cost"), dashboard.donut(slices, view.lang, view.symbol))]
    if ranking is not None:
        bars = [(r["name"] or r["email"] or r["user_id"], r["cost"], money(r["cost"], view.symbol)) for r in ranking]
        panels.append(_panel(view.t("dash_ranking"), dashboard.hbars(bars, view.lang)))
    unit = days[0].get("unit", "day") if days else "day"
    per_day = view.t("chart_with_unit", chart=view.t(f"chart_cost_{unit}"), symbol=view.symbol)
    panels.append(_panel(per_day, dashboard.columns(days, view.lang, view.symbol), wide=True))
    parts.append(f'<div class="grid">{"".join(panels)}</div>')
    parts.append(f"<h2>{_e(view.t('console_records'))}</h2>")
    parts.append(_records(view, sel, records, at_page, sorted_by))
    return page(view, "".join(parts))


def _panel(title: str, content: str, *, wide: bool = False) -> str:
    return f'<div class="panel{" wide" if wide else ""}"><h2>{_e(title)}</h2>{content}</div>'


def _records(
    view: View,
    sel: Selection,
    found: Page,
    at_page: Callable[[int], str],
    sorted_by: Callable[[str, str], str],
) -> str:
    head = [
        _sort_head(view, view.t("col_time"), "time", sel.sort, sel.descending, sorted_by),
        _e(view.t("col_user")),
        _e(view.t("col_model")),
        _sort_head(view, view.t("col_tokens"), "tokens", sel.sort, sel.descending, sorted_by),
        _sort_head(view, view.t("col_cost"), "cost", sel.sort, sel.descending, sorted_by),
        _sort_head(view, view.t("col_balance"), "balance", sel.sort, sel.descending, sorted_by),
    ]
    rows = []
    for r in found.rows:
        who = r["user_name"] or r["user_email"] or r["user_id"]
        tokens = f"{number(r['input_tokens'], view.lang)}+{number(r['output_tokens'], view.lang)}"
        rows.append(
            f"<tr><td>{_e(when(r['created_at'], view.tz))}</td><td>{_e(who, 40)}</td><td>{_e(r['model_id'], 48)}</td>"
            f'<td class="r">{_e(tokens)}</td><td class="r">{_e(money(r["cost"], view.symbol, exact=True))}</td>'
            f'<td class="r">{_e(money(r["balance_after"], view.symbol))}</td></tr>'
        )
    if not rows:
        return f'<p class="empty">{_e(view.t("console_no_rows"))}</p>'
    return _table(head, rows, "lllrrr") + _pager(view, found, at_page)
