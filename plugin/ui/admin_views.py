"""The admin operations' results in words: balance changes, blocks, price changes and syncs, undo, the price
history, reconciliation, a restore. The domain returns data (`accounts`, `price_admin`, `restore`); everything
here is a sentence or a Markdown table in the reader's language, and every name or model id in it is quoted
(people and providers type them). Budgets have their own words, in `budget_views`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo
from functools import singledispatch
from typing import Any

from ..domain import catalogue
from ..domain.accounts import BalanceChange, BlockChange, Reconciliation
from ..domain.price_admin import CatalogueSync, InheritResult, PriceChange, SyncResult, UndoResult
from ..domain.restore import ImportResult
from ..money import money
from ..text import quoted as _shown
from ..words import i18n
from . import markdown

RECONCILE_ROWS = 50  # differences listed in a chat answer (the CLI prints them all)


# -- people and models --------------------------------------------------------------------------------------


def person_label(person: Mapping[str, Any]) -> str:
    """`name <email>` as typed (the caller quotes it): how a dialog or an answer names the person found."""
    name, email = person.get("name") or "", person.get("email") or ""
    return f"{name} <{email}>" if name and email else name or email or str(person.get("id", ""))


def _label(name: str, email: str, user_id: str) -> str:
    """`name (email)`, quoted; whichever exists, else the id."""
    name, email = _shown(name), _shown(email)
    if name and email:
        return f"{name} ({email})"
    return name or email or _shown(user_id)


def shown_models(models: Iterable[str]) -> str:
    """Model ids quoted back in an answer or a dialog: escaped (ids come from providers and from workspace
    models users name), comma-separated."""
    return ", ".join(_shown(model) for model in models)


def shown_pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """(model, base) pairs as `model ← base`, escaped."""
    return ", ".join(f"{_shown(model)} ← {_shown(base)}" for model, base in pairs)


def signed(micro: int, symbol: str = "$") -> str:
    """An exact amount with its sign always shown: +$0.000001, -$2.5000."""
    return ("+" if micro > 0 else "") + money(micro, symbol, exact=True)


# -- results of admin operations ----------------------------------------------------------------------------


@singledispatch
def said(result: Any, lang: str, symbol: str = "$") -> str:
    """One admin operation's result as the answer to it (a pipe command's or a button's)."""
    raise TypeError(f"no words for {type(result).__name__}")


@said.register
def _(result: BalanceChange, lang: str, symbol: str = "$") -> str:
    return i18n.t(
        lang,
        result.key,
        user=_label(result.name, result.email, result.user_id),
        old=money(result.old, symbol, exact=True),
        new=money(result.new, symbol, exact=True),
        amount=money(abs(result.delta), symbol, exact=True),
    )


@said.register
def _(result: BlockChange, lang: str, symbol: str = "$") -> str:
    return i18n.t(lang, result.key, user=_label(result.name, result.email, result.user_id))


@said.register
def _(result: PriceChange, lang: str, symbol: str = "$") -> str:
    row = result.price or {}

    def shown(column: str) -> str:
        value = row.get(column)
        return i18n.t(lang, "not_set") if value is None else money(value, symbol, exact=True)

    text = i18n.t(
        lang,
        result.key,
        model=_shown(result.model_id),
        source=_shown(result.source),
        input=shown("input_price"),
        output=shown("output_price"),
        cached=shown("cached_input_price"),
        per_msg=shown("per_msg_price"),
    )
    if row.get("reasoning_price") is not None or row.get("request_price") is not None:
        text += " " + i18n.t(
            lang, "price_more_rates", reasoning=shown("reasoning_price"), request=shown("request_price")
        )
    return text


@said.register
def _(result: InheritResult, lang: str, symbol: str = "$") -> str:
    return i18n.tn(lang, result.key, len(result.copied), count=len(result.copied), models=shown_pairs(result.copied))


@said.register
def _(result: SyncResult, lang: str, symbol: str = "$") -> str:
    return i18n.tn(
        lang, result.key, len(result.changed), count=len(result.changed), models=shown_models(result.changed)
    )


@said.register
def _(result: CatalogueSync, lang: str, symbol: str = "$") -> str:
    book = catalogue.bundled()
    parts = [i18n.t(lang, "catalogue_intro", source=_shown(book.source), date=_shown(book.date))]
    if result.applied:
        key = "catalogue_synced" if result.models else "catalogue_synced_none"
        models = shown_pairs([*result.new, *result.changed])
        parts.append(i18n.tn(lang, key, len(result.models), count=len(result.models), models=models))
    elif not result.models:
        parts.append(i18n.t(lang, "catalogue_synced_none"))
    else:
        if result.new:
            parts.append(i18n.t(lang, "catalogue_new", models=_priced(result.new, symbol)))
        if result.changed:
            parts.append(i18n.t(lang, "catalogue_changed", models=_priced(result.changed, symbol)))
        parts.append(i18n.t(lang, "catalogue_apply_hint"))
    if result.near:
        listed = "; ".join(f"{_shown(model)} → {shown_models(ids)}" for model, ids in result.near)
        example = f"/price accept {result.near[0][0]} {result.near[0][1][0]}"
        parts.append(i18n.t(lang, "catalogue_near", models=listed, example=_shown(example)))
    return "\n\n".join(parts)


def _priced(pairs: Iterable[tuple[str, str]], symbol: str) -> str:
    """`model ← catalogue id (input / output)`, escaped."""
    book = catalogue.bundled()
    shown = []
    for model, entry_id in pairs:
        entry = book.entries[entry_id]
        rates = f"{money(entry.input, symbol, exact=True)} / {money(entry.output, symbol, exact=True)}"
        shown.append(f"{_shown(model)} ← {_shown(entry_id)} ({rates})")
    return ", ".join(shown)


@said.register
def _(result: UndoResult, lang: str, symbol: str = "$") -> str:
    if result.moved_on:
        return i18n.t(lang, "price_undo_moved_on")
    if not result.models:
        return i18n.t(lang, "price_undo_none")
    count = len(result.models)
    return i18n.tn(
        lang, "price_undone", count, action=_shown(result.action), count=count, models=shown_models(result.models)
    )


@said.register
def _(result: ImportResult, lang: str, symbol: str = "$") -> str:
    counts = {
        part: i18n.tn(lang, f"count_{part}", n, count=n)
        for part in ("users", "usage", "prices", "ledger")
        for n in [result.counts.get(part, 0)]
    }
    text = i18n.t(lang, "import_done", source=i18n.t(lang, f"import_source_{result.source}"), **counts)
    if result.backup:
        text += " " + i18n.t(lang, "import_backup", path=result.backup)
    return text


def price_history(batches: Sequence[Sequence[Mapping[str, Any]]], lang: str, tz: tzinfo | None = None) -> str:
    """The latest admin price changes (`price_admin.price_changes`), one line per change, newest first."""
    if not batches:
        return i18n.t(lang, "price_history_none")
    lines = [f"**{i18n.t(lang, 'price_history_title')}**", ""]
    for batch_rows in batches:
        first = batch_rows[0]
        when = markdown.when(first["created_at"], tz)
        line = f"- {when} · {_shown(first['action'])} · {shown_models(sorted({r['model_id'] for r in batch_rows}))}"
        if first["undone_at"] is not None:
            line += " " + i18n.t(lang, "price_history_undone")
        lines.append(line)
    lines.append("")
    lines.append(i18n.t(lang, "price_history_hint"))
    return "\n".join(lines)


# -- reconciliation -----------------------------------------------------------------------------------------


def reconcile_headline(result: Reconciliation, lang: str, symbol: str = "$") -> list[str]:
    """The facts as plain sentences (no Markdown, so the CLI prints them too): the verdict, then the open holds."""
    count, total = len(result.differences), result.users
    # "All 3 balances agree" / "The 1 balance agrees" turns on the total, "1 of 3 balances differs" on the count;
    # "Repaired 1 of 3 balances" reads right for every count.
    said_of = {"reconcile_ok": total, "reconcile_found": count}
    if result.key in said_of:
        lines = [i18n.tn(lang, result.key, said_of[result.key], count=count, total=total)]
    else:
        lines = [i18n.t(lang, result.key, count=count, total=total)]
    if result.open_holds:
        held = money(result.held, symbol)
        lines.append(i18n.tn(lang, "reconcile_holds", result.open_holds, count=result.open_holds, amount=held))
    return lines


@said.register
def _(result: Reconciliation, lang: str, symbol: str = "$") -> str:
    verdict, *holds = reconcile_headline(result, lang, symbol)
    parts = [verdict]
    if result.differences:
        before = "col_balance_before" if result.repaired else "col_cached_balance"
        header = [i18n.t(lang, k) for k in ("col_user", "col_email", before, "col_ledger_sum", "col_difference")]
        rows = [
            [
                markdown.cell(d.name or d.user_id),
                markdown.cell(d.email),
                money(d.balance, symbol, exact=True),
                money(d.ledger_sum, symbol, exact=True),
                signed(d.difference, symbol),
            ]
            for d in result.differences[:RECONCILE_ROWS]
        ]
        table = markdown.table(header, "llrrr", rows)
        if len(result.differences) > RECONCILE_ROWS:
            table.append("")
            table.append(i18n.t(lang, "rows_hidden", count=len(result.differences) - RECONCILE_ROWS))
        parts.append("\n".join(table))
        if not result.repaired:
            parts.append(i18n.t(lang, "reconcile_hint"))
    return "\n\n".join([*parts, *holds])
