"""Budgets in words: an allowance, a budget's target, and the `/budget` listing (the domain's `budgets` and
`budget_admin` hold the data and the changes)."""

from __future__ import annotations

from collections.abc import Mapping

from ..domain import budgets
from ..money import money
from ..text import quoted as _shown
from ..words import i18n
from . import markdown


def allowance(value: budgets.Allowance, lang: str, symbol: str) -> str:
    """`$5.0000 every day (reset)`-style words for one allowance."""
    key = "allowance_reset" if value.mode == "reset" else "allowance_add"
    return i18n.t(
        lang, key, amount=money(value.amount, symbol, exact=True), period=i18n.t(lang, f"period_{value.period}")
    )


def budget_target(scope: str, name: str, lang: str) -> str:
    return i18n.t(lang, "budget_group" if scope == "group" else "budget_user", name=_shown(name))


def budget_listing(config: budgets.Config, groups: Mapping[str, str], lang: str, symbol: str, now: float) -> str:
    """Every budget as a table; group names as Open WebUI has them now (`groups`: id -> name)."""
    rows: list[tuple[str, str, str, str]] = []
    for scope, table in (("group", config.groups), ("user", config.users)):
        for target, row in table.items():
            name = (groups.get(target) or row["label"] or target) if scope == "group" else (row["label"] or target)
            init = money(row["init_balance"], symbol, exact=True) if row["init_balance"] is not None else "–"
            words = when = "–"
            if row["period"] is not None:
                value = budgets.Allowance(row["period"], row["mode"], row["amount"], scope, row["label"])
                words = allowance(value, lang, symbol)
                when = budgets.when(value.next_refill(now))
            rows.append((budget_target(scope, name, lang), init, words, when))
    if not rows:
        return i18n.t(lang, "budget_none")
    header = [cell.strip() for cell in i18n.t(lang, "budget_list_header").strip(" |").split("|")]
    lines = [i18n.t(lang, "budget_list_title"), "", *markdown.table(header, "llll", sorted(rows))]
    return "\n".join(lines) + "\n\n" + i18n.t(lang, "budget_rules")
