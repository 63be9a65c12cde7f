"""The line under each reply: `Tokens: 120+80 | Cost: $0.0120 | Balance: $9.9880 | Time: 1.42s | 56.3 T/s`,
with `Next refill: 2026-11-30 00:00 UTC` after the balance when the user has an allowance, and first a warning when
a charged reply leaves the balance under the admin's `low_balance_warning`, saying how to get more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain import budgets
from ..domain.billing import Settlement
from ..money import money, to_micro
from ..words import i18n


@dataclass(frozen=True)
class Parts:
    """Which items the notice shows (the valve AND the user's own setting)."""

    tokens: bool = True
    cost: bool = True
    balance: bool = True
    time: bool = True
    speed: bool = True
    low_balance: int = 0  # warn when a charged reply leaves the balance under this (micro-units); 0: never


def render(settlement: Settlement, *, lang: str, symbol: str, parts: Parts) -> str:
    usage = settlement.usage
    items: list[str] = []
    if parts.tokens:
        tokens = i18n.t(lang, "tokens", input=usage.input_tokens, output=usage.output_tokens)
        items.append(tokens + (i18n.t(lang, "estimated") if usage.estimated else ""))
    if parts.cost:
        items.append(i18n.t(lang, "cost", amount=money(settlement.cost, symbol, exact=True)))
    if parts.balance:
        items.append(i18n.t(lang, "balance", amount=money(settlement.balance, symbol)))
        if settlement.next_refill is not None:
            items.append(i18n.t(lang, "next_refill", when=budgets.when(settlement.next_refill)))
    elapsed = settlement.elapsed
    if parts.time and elapsed is not None:
        items.append(i18n.t(lang, "time", seconds=f"{elapsed:.2f}"))
    if parts.speed and elapsed:
        items.append(i18n.t(lang, "speed", rate=f"{usage.output_tokens / elapsed:.1f}"))
    if parts.low_balance and settlement.charged > 0 and settlement.balance < parts.low_balance:
        # First: Open WebUI 0.12.4 clamps a status to one line (StatusItem.svelte, line-clamp-1), so the end of a
        # long notice may not show on a narrow window; the warning is the one item that must.
        items.insert(0, _low_balance(settlement, lang))
    return " | ".join(items)


def _low_balance(settlement: Settlement, lang: str) -> str:
    """The warning, with how to get more: the allowance's next refill when there is one, else a code to redeem."""
    if settlement.next_refill is not None:
        return i18n.t(lang, "low_balance_refill", when=budgets.when(settlement.next_refill))
    return i18n.t(lang, "low_balance_redeem")


def parts_for(valves: Any, mine: Any) -> Parts:
    """The notice's items: each on when the admin's valve and the user's own (if they set one) both say so."""

    def on(name: str) -> bool:
        return bool(getattr(valves, name)) and bool(getattr(mine, name, True))

    return Parts(
        tokens=on("show_tokens"),
        cost=on("show_cost"),
        balance=on("show_balance"),
        time=on("show_time_spent"),
        speed=on("show_tokens_per_sec"),
        low_balance=warn_below(valves, mine),
    )


def warn_below(valves: Any, mine: Any) -> int:
    """The balance under which a charged reply's notice warns, in micro-units; 0 when the admin's
    `low_balance_warning` is 0, the user silenced it, or `tracking_only` lets the balance refuse no one. Unlike the
    items above, `show_balance` does not hide it: a warning is not a detail."""
    if valves.tracking_only or not getattr(mine, "low_balance_warning", True):
        return 0
    return to_micro(valves.low_balance_warning)


def under_reply(settlement: Settlement, lang: str, valves: Any, mine: Any) -> str:
    """The line under a settled reply, as the Filter's valves and the user's own (UserValves or None) ask for it:
    what the application layer's notices send (`app.notices.Render`)."""
    return render(settlement, lang=lang, symbol=valves.currency_symbol, parts=parts_for(valves, mine))
