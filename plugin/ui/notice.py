"""The line under each reply: `Tokens: 120+80 | Cost: $0.0120 | Balance: $9.9880 | Time: 1.42s | 56.3 T/s`,
with `Next refill: 2026-11-30 00:00 UTC` after the balance when the user has an allowance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain import budgets
from ..domain.billing import Settlement
from ..money import money
from ..words import i18n


@dataclass(frozen=True)
class Parts:
    """Which items the notice shows (the valve AND the user's own setting)."""

    tokens: bool = True
    cost: bool = True
    balance: bool = True
    time: bool = True
    speed: bool = True


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
    return " | ".join(items)


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
    )


def under_reply(settlement: Settlement, lang: str, valves: Any, mine: Any) -> str:
    """The line under a settled reply, as the Filter's valves and the user's own (UserValves or None) ask for it:
    what the application layer's notices send (`app.notices.Render`)."""
    return render(settlement, lang=lang, symbol=valves.currency_symbol, parts=parts_for(valves, mine))
